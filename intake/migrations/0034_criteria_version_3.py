"""Criteria set version 3, published through the same steps as the criteria admin (and as
version 2 by 0020): a draft copied from the published set; its red flags replaced by those of
intake.rules.defaults_v3 (the tiers and patterns of clinical-reference.md §4.7, each
rationale ending with its tier, timeframe and source), its AMPS pathways and caveats kept;
the reference cases of every §4.7 pattern and near miss added, and the earlier reference
cases that §4.7 contradicts given their version-3 urgency; every active reference case run
against the draft (the migration fails, publishing nothing, if one does not give its
expected outcome and urgency); then the published set retired and the draft published.

Past screenings keep the set that made them. An open draft, if an editor has one, is left as
it is. Every row written gets a history record.
"""

import json
from pathlib import Path

from django.db import migrations
from django.db.migrations.exceptions import IrreversibleError
from django.db.models import Max
from django.utils import timezone

from intake.rules import engine, facts, validation
from intake.rules.defaults_v3 import NOTES, PUBLISH_NOTE, RED_FLAGS

REFERENCE_CASES = (
    Path(__file__).resolve().parents[2] / "fixtures" / "reference_cases" / "urgency_v3.json"
)
#: Earlier reference cases whose expected urgency §4.7 changes: (name, version-2 urgency,
#: version-3 urgency, why). Example V16 is named as 0026 renamed it (or as 0003 made it).
CHANGED_EXPECTATIONS = (
    (
        "Urgency: blasts on the film",
        "urgent",
        "emergency",
        "Blasts on the film are same-day haematology (NICE NG12; clinical-reference.md §4.7).",
    ),
    (
        "Joint effusion, long morning stiffness and raised ESR/CRP: refer",
        "routine",
        "urgent",
        "A joint swelling of unknown duration counts as a new arthritis, urgent "
        "(clinical-reference.md §4.7).",
    ),
    (
        "Example V16",
        "routine",
        "urgent",
        "A joint swelling of unknown duration counts as a new arthritis, urgent "
        "(clinical-reference.md §4.7).",
    ),
)
REASON = "Version 3 (§4.7 tiers and patterns), made by data migration 0034"
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


def _case_fields(case: dict) -> dict:
    """A fixture case as ReferenceCase fields (`must_match` is for the tests only)."""
    return {key: value for key, value in case.items() if key != "must_match"}


def _reference_cases(apps):
    """Add the §4.7 reference cases; give the contradicted earlier cases their new urgency."""
    reference_case = apps.get_model("intake", "ReferenceCase")
    added = []
    for case in json.loads(REFERENCE_CASES.read_text(encoding="utf-8")):
        if not reference_case.objects.filter(name=case["name"]).exists():
            added.append(reference_case.objects.create(**_case_fields(case)))
    _history(apps, "ReferenceCase", added, "+")
    changed = []
    for name, before, after, why in CHANGED_EXPECTATIONS:
        case = reference_case.objects.filter(
            name=name, expected_outcome="refer", expected_urgency=before
        ).first()
        if case is not None:
            case.expected_urgency = after
            case.notes = f"{case.notes}\n\nVersion 3: {after}. {why}".strip()
            case.save(update_fields=["expected_urgency", "notes"])
            changed.append(case)
    _history(apps, "ReferenceCase", changed, "~")


def _new_draft(apps, published):
    """A draft copied from the published set: its AMPS pathways and caveats, every field, and
    version 3's red flags in place of its own."""
    criteria_set = apps.get_model("intake", "CriteriaSet")
    criterion = apps.get_model("intake", "Criterion")
    top = criteria_set.objects.aggregate(top=Max("version"))["top"] or 0
    draft = criteria_set.objects.create(
        version=top + 1,
        status="draft",
        notes=f"Draft copied from version {published.version}. {NOTES}",
    )
    kept = [
        criterion.objects.create(
            criteria_set=draft,
            **{
                f.attname: getattr(old, f.attname)
                for f in criterion._meta.concrete_fields
                if f.name not in ("id", "criteria_set")
            },
        )
        for old in criterion.objects.filter(criteria_set=published).exclude(kind="red_flag")
    ]
    red_flags = [criterion.objects.create(criteria_set=draft, **spec) for spec in RED_FLAGS]
    return draft, [*red_flags, *kept]


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


def publish_version_3(apps, schema_editor):
    criteria_set = apps.get_model("intake", "CriteriaSet")
    published = criteria_set.objects.filter(status="published").first()
    if published is None:  # nothing to build on (a database emptied by a test)
        return
    _reference_cases(apps)
    draft, criteria = _new_draft(apps, published)
    compiled, failures = _check(apps, criteria)
    if failures:
        raise RuntimeError("Criteria set version 3 was not published: " + "; ".join(failures))
    published.status = "retired"
    published.save(update_fields=["status"])
    _history(
        apps, "CriteriaSet", [published], "~", f"Retired: version {draft.version} was published."
    )
    draft.status = "published"
    draft.content_hash = compiled.hash
    draft.published_at = timezone.now()
    draft.publish_note = PUBLISH_NOTE
    draft.save()
    _history(apps, "CriteriaSet", [draft], "+", f"Published: {PUBLISH_NOTE}")
    _history(apps, "Criterion", criteria, "+")


def unpublish_version_3(apps, schema_editor):
    """Back to the set it was copied from, while no screening uses version 3."""
    criteria_set = apps.get_model("intake", "CriteriaSet")
    made = criteria_set.objects.filter(status="published", publish_note=PUBLISH_NOTE).first()
    if made is None:
        return
    if apps.get_model("intake", "Screening").objects.filter(criteria_set_id=made.pk).exists():
        raise IrreversibleError(
            f"Criteria set version {made.version} has screenings: it cannot be removed."
        )
    apps.get_model("intake", "Criterion").objects.filter(criteria_set_id=made.pk).delete()
    # Its history rows stay (they point at it without a constraint); nothing else does (no
    # screening, checked above), so no collector is needed, and the historical models of a
    # migration state cannot serve one.
    criteria_set.objects.filter(pk=made.pk)._raw_delete(schema_editor.connection.alias)
    previous = criteria_set.objects.filter(status="retired").order_by("-version").first()
    if previous is not None:
        previous.status = "published"
        previous.save(update_fields=["status"])
    reference_case = apps.get_model("intake", "ReferenceCase")
    names = [c["name"] for c in json.loads(REFERENCE_CASES.read_text(encoding="utf-8"))]
    reference_case.objects.filter(name__in=names).delete()
    for name, before, after, _ in CHANGED_EXPECTATIONS:
        reference_case.objects.filter(name=name, expected_urgency=after).update(
            expected_urgency=before
        )


class Migration(migrations.Migration):
    dependencies = [("intake", "0033_red_flag_details")]

    operations = [migrations.RunPython(publish_version_3, unpublish_version_3)]
