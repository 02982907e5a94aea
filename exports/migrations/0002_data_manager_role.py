from django.db import migrations

from intake.roles import sync_role_groups


class Migration(migrations.Migration):
    dependencies = [
        ("exports", "0001_export_permissions"),
        ("intake", "0016_current_screening_by_uuid"),
    ]

    operations = [migrations.RunPython(sync_role_groups, migrations.RunPython.noop)]
