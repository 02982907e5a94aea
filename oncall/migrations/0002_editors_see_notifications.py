"""Criteria editors see each emergency notification's status and may send a failed one again."""

from django.db import migrations

from intake.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("oncall", "0001_emergency_notification")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
