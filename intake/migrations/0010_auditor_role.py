from django.db import migrations

from intake.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [("intake", "0009_access_event")]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
