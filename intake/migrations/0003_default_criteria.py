"""Criteria set version 1, published, with the default criteria of data-dictionary section 9,
and the shared example intakes as reference cases."""

import json
from pathlib import Path

from django.db import migrations
from django.utils import timezone

from intake.rules.defaults import DEFAULT_CRITERIA
from intake.rules.engine import content_hash

EXAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "examples"


def create_version_1(apps, schema_editor):
    criteria_set_model = apps.get_model("intake", "CriteriaSet")
    criterion_model = apps.get_model("intake", "Criterion")
    reference_case_model = apps.get_model("intake", "ReferenceCase")

    criteria_set = criteria_set_model.objects.create(
        version=1,
        status="published",
        notes="Default criteria (data dictionary v1, section 9).",
        published_at=timezone.now(),
        publish_note="Initial default criteria set.",
    )
    criteria = [
        criterion_model(criteria_set=criteria_set, active=True, **spec)
        for spec in DEFAULT_CRITERIA
    ]
    criterion_model.objects.bulk_create(criteria)
    criteria_set.content_hash = content_hash(criteria)
    criteria_set.save(update_fields=["content_hash"])

    intakes = json.loads((EXAMPLES / "intakes.json").read_text(encoding="utf-8"))
    expected = json.loads((EXAMPLES / "expected.json").read_text(encoding="utf-8"))
    for intake in intakes:
        reference_case_model.objects.create(
            name=f"Example {intake['id']}",
            intake=intake,
            expected_outcome=expected[intake["id"]]["outcome"],
            notes=intake.get("clinical_notes", ""),
        )


def remove_version_1(apps, schema_editor):
    apps.get_model("intake", "ReferenceCase").objects.filter(name__startswith="Example ").delete()
    apps.get_model("intake", "CriteriaSet").objects.filter(version=1).delete()


class Migration(migrations.Migration):
    dependencies = [("intake", "0002_models")]

    operations = [migrations.RunPython(create_version_1, remove_version_1)]
