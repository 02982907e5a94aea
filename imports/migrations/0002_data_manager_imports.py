from django.db import migrations

from intake.roles import sync_role_groups


class Migration(migrations.Migration):
    """Data managers import past intakes (the permission made by 0001)."""

    dependencies = [
        ("imports", "0001_import_permission"),
        ("exports", "0002_data_manager_role"),
        ("intake", "0030_intake_status_historic"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
