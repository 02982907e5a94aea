"""Criteria editors may edit the clinic's details printed on documents."""

from django.db import migrations

from intake.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("documents", "0001_clinic_details"), ("intake", "0024_fill_review_urgency")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
