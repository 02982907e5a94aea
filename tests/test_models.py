"""Invariants the database and the models keep."""

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from intake import services
from intake.models import (
    AppendOnlyError,
    CriteriaSet,
    Criterion,
    ReferenceCase,
    Screening,
)
from intake.rules.defaults import DEFAULT_CRITERIA
from intake.rules.defaults_v2 import COMPOSITE_RED_FLAGS, RED_FLAG_URGENCIES
from intake.rules.defaults_v3 import RED_FLAGS
from intake.rules.engine import content_hash
from tests.factories import EXPECTED, IntakeFactory, PatientFactory, birth_date_for, example

pytestmark = pytest.mark.django_db


def test_version_1_is_retired_with_exactly_the_default_criteria_and_its_hash():
    version_1 = CriteriaSet.objects.get(version=1)
    assert version_1.status == "retired"
    stored = {c.code: (c.kind, c.expression, c.message) for c in version_1.criteria.all()}
    assert stored == {
        c["code"]: (c["kind"], c["expression"], c["message"]) for c in DEFAULT_CRITERIA
    }
    assert all(c.name and c.rationale and c.source for c in version_1.criteria.all())
    # Its red flags read as routine, which the hash leaves out: the hash it was published with.
    assert {c.urgency for c in version_1.criteria.filter(kind="red_flag")} == {"routine"}
    assert version_1.content_hash == version_1.compiled().hash == content_hash(DEFAULT_CRITERIA)


def test_version_2_was_published_with_version_1_plus_urgencies_and_composites():
    published = CriteriaSet.objects.get(version=2)
    assert published.status == "retired"  # by version 3 (migration 0034)
    stored = {c["code"]: c for c in published.criteria.values()}
    assert stored.keys() == {c["code"] for c in DEFAULT_CRITERIA} | {
        c["code"] for c in COMPOSITE_RED_FLAGS
    }
    for code, (urgency, reason) in RED_FLAG_URGENCIES.items():
        assert stored[code]["urgency"] == urgency
        assert stored[code]["rationale"].endswith(reason)  # the source of the urgency
    assert stored["rf_fever_non_weight_bearing"]["urgency"] == "emergency"
    assert stored["rf_neuro"]["urgency"] == "urgent"
    assert all(c["urgency"] == "" for c in stored.values() if c["kind"] != "red_flag")
    assert published.content_hash == published.compiled().hash
    assert published.publish_note and published.published_at
    assert published.history.last().history_change_reason.startswith("Published:")


def test_version_3_is_published_with_its_red_flags_and_version_2s_pathways_and_caveats():
    published = CriteriaSet.objects.published()
    assert published.version == 3
    stored = {c["code"]: c for c in published.criteria.values()}
    for spec in RED_FLAGS:
        row = stored[spec["code"]]
        assert (row["kind"], row["urgency"], row["expression"], row["rationale"]) == (
            "red_flag",
            spec["urgency"],
            spec["expression"],
            spec["rationale"],
        )
    version_2 = CriteriaSet.objects.get(version=2)
    others = {c.code: c.expression for c in version_2.criteria.exclude(kind="red_flag")}
    assert {code: stored[code]["expression"] for code in others} == others
    assert stored.keys() == {c["code"] for c in RED_FLAGS} | others.keys()
    assert published.content_hash == published.compiled().hash
    assert published.publish_note and published.published_at
    assert published.history.first().history_change_reason.startswith("Published:")


def test_the_examples_are_reference_cases_with_their_expected_outcomes():
    # Under the names that say what each tests (migration 0026), with a description each.
    names = {f"Example {key}": new for key, (new, _) in _named_examples().items()}
    cases = {
        case.name: case.expected_outcome
        for case in ReferenceCase.objects.filter(name__in=names.values()).exclude(description="")
    }
    assert cases == {names[f"Example {key}"]: value["outcome"] for key, value in EXPECTED.items()}


def _named_examples() -> dict:
    migration = importlib.import_module("intake.migrations.0026_meaningful_reference_case_names")
    return {old.removeprefix("Example "): value for old, value in migration.CASES.items()}


def test_a_published_or_retired_set_is_read_once_per_process_and_a_draft_every_time(
    django_assert_num_queries,
):
    published = CriteriaSet.objects.published()
    CriteriaSet.objects.final(published.pk)
    with django_assert_num_queries(0):
        kept = CriteriaSet.objects.final(published.pk)
    assert kept.version == published.version and kept.pk == published.pk
    draft = CriteriaSet.objects.create(version=99)
    for _ in range(2):
        with django_assert_num_queries(1):
            assert CriteriaSet.objects.final(draft.pk).version == 99
    # Saving any set lets go of every kept copy (a test database reuses ids).
    with django_assert_num_queries(1):
        CriteriaSet.objects.final(published.pk)


def test_only_one_criteria_set_can_be_published():
    with pytest.raises(IntegrityError), transaction.atomic():
        CriteriaSet.objects.create(version=99, status="published")


def test_a_criterion_code_is_unique_within_its_set():
    criteria_set = CriteriaSet.objects.create(version=99)
    Criterion.objects.create(
        criteria_set=criteria_set, code="x", kind="red_flag", urgency="urgent", expression="fever"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(
            criteria_set=criteria_set, code="x", kind="caveat", message="m", expression="rash"
        )


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("wpii >= 7", "wpi"),
        ('wpi >= "seven"', "wpi"),
        ('inflammatory_disease == "activ"', "activ"),
        ("wpi >=", "column"),
        ("__import__('os')", ""),
    ],
)
def test_a_bad_expression_is_reported_on_the_expression_field(expression, words):
    criterion = Criterion(
        criteria_set=CriteriaSet.objects.published(),
        code="bad",
        name="Bad",
        kind="red_flag",
        expression=expression,
    )
    with pytest.raises(ValidationError) as error:
        criterion.full_clean()
    assert "expression" in error.value.message_dict
    assert words in " ".join(error.value.message_dict["expression"])


def test_a_caveat_needs_a_message():
    criterion = Criterion(
        criteria_set=CriteriaSet.objects.published(),
        code="cav_x",
        name="X",
        kind="caveat",
        expression="fever",
    )
    with pytest.raises(ValidationError) as error:
        criterion.full_clean()
    assert "message" in error.value.message_dict


def test_a_reference_case_with_an_invalid_intake_names_the_field():
    case = ReferenceCase(
        name="broken", intake=example("V01", pain_now="x"), expected_outcome="consider_amps"
    )
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert any("pain_now" in message for message in error.value.message_dict["intake"])


def test_a_screening_is_append_only():
    screening = services.screen_intake(intake=IntakeFactory())
    screening.outcome = "refer"
    with pytest.raises(AppendOnlyError):
        screening.save()
    with pytest.raises(AppendOnlyError):
        screening.delete()
    assert Screening.objects.get().outcome == "consider_amps"


def test_intake_facts_match_the_json_format():
    source = example("V02")
    patient = PatientFactory(date_of_birth=birth_date_for(source["age_years"]), sex=source["sex"])
    intake = IntakeFactory(example_id="V02", patient=patient)
    facts = intake.facts()
    for name, value in source.items():
        if name in ("id", "clinical_notes"):
            continue
        assert facts[name] == value, name


def test_reordering_a_drafts_criteria_reorders_its_codes():
    from intake.services import new_draft
    from tests.factories import UserFactory

    draft = new_draft(user=UserFactory())
    facts = IntakeFactory(example_id="V16").facts()  # three red flags
    before = draft.compiled().evaluate(facts, trace=False).red_flags
    draft.criteria.filter(code="rf_joint_swelling").update(order=999)
    after = draft.compiled().evaluate(facts, trace=False).red_flags
    assert before[0] == "rf_joint_swelling"
    assert after[-1] == "rf_joint_swelling"
    assert sorted(before) == sorted(after)


def test_the_history_manager_class_is_made_once_and_still_answers():
    patient = PatientFactory(given_name="Ann")
    patient.given_name = "Anna"
    patient.save()
    assert type(patient.history) is type(patient.history)
    assert type(patient.history) is type(PatientFactory().history)
    assert [h.given_name for h in patient.history.all()] == ["Anna", "Ann"]
    assert patient.history.earliest().history_type == "+"
    assert patient.history.as_of(patient.history.earliest().history_date).given_name == "Ann"
    intake = IntakeFactory(patient=patient)
    assert intake.history.model is not patient.history.model
    assert [h.id for h in intake.history.all()] == [intake.pk]
