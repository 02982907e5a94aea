"""AccessEvent now belongs to the audit app (audit/migrations/0001): only the state moves."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intake", "0016_current_screening_by_uuid"),
        ("audit", "0001_access_event_from_intake"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="AccessEvent")],
            database_operations=[],
        ),
    ]
