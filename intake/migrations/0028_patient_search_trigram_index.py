"""A trigram index on Patient.search_text, so that `LIKE '%word%'` searches stay fast.

PostgreSQL only: pg_trgm and GIN indexes do not exist on SQLite, where the search reads
every row. The index is made here rather than in Patient.Meta.indexes because a GinIndex
there would be created (and fail) on SQLite too.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

INDEX = GinIndex(
    fields=["search_text"], name="patient_search_trgm_idx", opclasses=["gin_trgm_ops"]
)


def add_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("intake", "Patient"), INDEX)


def remove_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("intake", "Patient"), INDEX)


class Migration(migrations.Migration):
    dependencies = [("intake", "0027_visit_type_required")]

    operations = [
        TrigramExtension(),
        migrations.RunPython(add_index, remove_index),
    ]
