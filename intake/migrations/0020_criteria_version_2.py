"""Criteria set version 2, published through the same steps as the criteria admin: a draft
copied from the published set; an urgency (with its source in the rationale) on every red
flag and the composite red flags of intake.rules.defaults_v2; every active reference case run
against the draft (the migration fails, publishing nothing, if one does not give its
expected outcome and urgency); then the published set retired and the draft published.

Past screenings keep the set that made them (version 1) and their blank urgency. An open
draft, if an editor has one, is left as it is. Every row written gets a history record.
"""

import json
from pathlib import Path

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError
from django.db.models import Max
from django.utils import timezone

from intake.rules import engine, facts, validation
from intake.rules.defaults_v2 import (
    COMPOSITE_RED_FLAGS,
    NOTES,
    PUBLISH_NOTE,
    RED_FLAG_URGENCIES,
    urgency_rationale,
)

REFERENCE_CASES = (
    Path(__file__).resolve().parents[2] / "fixtures" / "reference_cases" / "urgency_v2.json"
)
#: The urgency version 2 gives the shared examples that are referrals.
EXAMPLE_URGENCIES = {"Example V16": "routine", "Example V17": "urgent"}
REASON = "Version 2 (urgencies), made by data migration 0020"
HISTORY_FIELDS = {
    "history_id",
    "history_date",
    "history_change_reason",
    "history_type",
    "history_user_id",
}


def _history(apps, name, rows, kind, reason=REASON):
    historical = apps.get_model("intake", f"Historical{name}")
    fields = [f for f in historical._meta.fields if f.attname not in HISTORY_FIELDS]
    historical.objects.bulk_create(
        historical(
            history_date=timezone.now(),
            history_type=kind,
            history_change_reason=reason,
            **{f.attname: getattr(row, f.attname) for f in fields},
        )
        for row in rows
    )


def _reference_cases(apps):
    """Add the urgency reference cases and expect the examples' urgencies."""
    reference_case = apps.get_model("intake", "ReferenceCase")
    added = []
    for case in json.loads(REFERENCE_CASES.read_text(encoding="utf-8")):
        if not reference_case.objects.filter(name=case["name"]).exists():
            added.append(reference_case.objects.create(**case))
    _history(apps, "ReferenceCase", added, "+")
    changed = []
    for name, urgency in EXAMPLE_URGENCIES.items():
        example = reference_case.objects.filter(name=name, expected_outcome="refer").first()
        if example is not None and not example.expected_urgency:
            example.expected_urgency = urgency
            example.save(update_fields=["expected_urgency"])
            changed.append(example)
    _history(apps, "ReferenceCase", changed, "~")


def _new_draft(apps, published):
    """A draft copied from the published set, every criterion with every field."""
    criteria_set = apps.get_model("intake", "CriteriaSet")
    criterion = apps.get_model("intake", "Criterion")
    top = criteria_set.objects.aggregate(top=Max("version"))["top"] or 0
    draft = criteria_set.objects.create(
        version=top + 1,
        status="draft",
        notes=f"Draft copied from version {published.version}. {NOTES}",
    )
    copied = [
        criterion.objects.create(
            criteria_set=draft,
            **{
                f.attname: getattr(old, f.attname)
                for f in criterion._meta.concrete_fields
                if f.name not in ("id", "criteria_set")
            },
        )
        for old in published.criteria.all()
    ]
    return draft, copied


def _change(apps, draft, copied):
    """Urgencies and their sources on the red flags; the composite red flags added."""
    criterion = apps.get_model("intake", "Criterion")
    for row in copied:
        if row.kind == "red_flag" and row.code in RED_FLAG_URGENCIES:
            urgency, reason = RED_FLAG_URGENCIES[row.code]
            row.urgency = urgency
            row.rationale = urgency_rationale(row.rationale, urgency, reason)
            row.save(update_fields=["urgency", "rationale"])
    codes = {row.code for row in copied}
    added = [
        criterion.objects.create(criteria_set=draft, **spec)
        for spec in COMPOSITE_RED_FLAGS
        if spec["code"] not in codes
    ]
    return [*copied, *added]


def _check(apps, criteria):
    """Every active reference case under the draft: the reasons it cannot be published."""
    compiled = engine.CompiledCriteria(criteria)
    failures = []
    for case in apps.get_model("intake", "ReferenceCase").objects.filter(active=True):
        inputs, errors = validation.validate_intake(case.intake)
        if errors:
            failures.append(f"{case.name}: its intake is not valid")
            continue
        result = compiled.evaluate(facts.derive(inputs), trace=False)
        if result.outcome != case.expected_outcome or (
            case.expected_urgency and result.urgency != case.expected_urgency
        ):
            failures.append(
                f"{case.name}: expected {case.expected_outcome} {case.expected_urgency}, "
                f"got {result.outcome} {result.urgency or ''}"
            )
    return compiled, failures


def publish_version_2(apps, schema_editor):
    criteria_set = apps.get_model("intake", "CriteriaSet")
    published = criteria_set.objects.filter(status="published").first()
    if published is None:  # nothing to build on (a database emptied by a test)
        return
    _reference_cases(apps)
    draft, copied = _new_draft(apps, published)
    criteria = _change(apps, draft, copied)
    compiled, failures = _check(apps, criteria)
    if failures:
        raise RuntimeError(
            "Criteria set version 2 was not published: " + "; ".join(failures)
        )
    published.status = "retired"
    published.save(update_fields=["status"])
    _history(apps, "CriteriaSet", [published], "~", f"Retired: version {draft.version} was published.")
    draft.status = "published"
    draft.content_hash = compiled.hash
    draft.published_at = timezone.now()
    draft.publish_note = PUBLISH_NOTE
    draft.save()
    _history(apps, "CriteriaSet", [draft], "+", f"Published: {PUBLISH_NOTE}")
    _history(apps, "Criterion", criteria, "+")


def unpublish_version_2(apps, schema_editor):
    """Back to the set it was copied from, while no screening uses version 2."""
    criteria_set = apps.get_model("intake", "CriteriaSet")
    made = criteria_set.objects.filter(status="published", publish_note=PUBLISH_NOTE).first()
    if made is None:
        return
    if apps.get_model("intake", "Screening").objects.filter(criteria_set=made).exists():
        raise IrreversibleError(
            f"Criteria set version {made.version} has screenings: it cannot be removed."
        )
    made.criteria.all().delete()
    made.delete()
    previous = criteria_set.objects.filter(status="retired").order_by("-version").first()
    if previous is not None:
        previous.status = "published"
        previous.save(update_fields=["status"])
    reference_case = apps.get_model("intake", "ReferenceCase")
    names = [c["name"] for c in json.loads(REFERENCE_CASES.read_text(encoding="utf-8"))]
    reference_case.objects.filter(name__in=names).delete()
    reference_case.objects.filter(name__in=EXAMPLE_URGENCIES).update(expected_urgency="")


class Migration(migrations.Migration):
    dependencies = [("intake", "0019_urgency_constraints")]

    operations = [migrations.RunPython(publish_version_2, unpublish_version_2)]
