"""Existing intakes are initial visits; existing patients get their search text.

The folding is written out here (as intake.search.fold is today) so that this migration
keeps meaning the same if that module changes.
"""

import unicodedata

from django.db import migrations

BATCH = 2000


def fold(text):
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(plain.split())


def fill(apps, schema_editor):
    for name in ("Intake", "HistoricalIntake"):
        apps.get_model("intake", name).objects.filter(visit_type__isnull=True).update(
            visit_type="initial"
        )
    patient_model = apps.get_model("intake", "Patient")
    batch = []
    for patient in patient_model.objects.only("given_name", "family_name", "mrn").iterator(
        chunk_size=BATCH
    ):
        patient.search_text = fold(f"{patient.given_name} {patient.family_name} {patient.mrn}")
        batch.append(patient)
        if len(batch) == BATCH:
            patient_model.objects.bulk_update(batch, ["search_text"])
            batch = []
    patient_model.objects.bulk_update(batch, ["search_text"])


class Migration(migrations.Migration):
    dependencies = [("intake", "0025_intake_visit_type_and_patient_search")]

    operations = [migrations.RunPython(fill, migrations.RunPython.noop)]
