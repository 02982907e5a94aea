"""Invariants the database and the models keep."""

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
from tests.factories import EXPECTED, IntakeFactory, PatientFactory, birth_date_for, example

pytestmark = pytest.mark.django_db


def test_version_1_is_published_with_exactly_the_default_criteria():
    published = CriteriaSet.objects.published()
    assert published.version == 1
    stored = {c.code: (c.kind, c.expression, c.message) for c in published.criteria.all()}
    assert stored == {
        c["code"]: (c["kind"], c["expression"], c["message"]) for c in DEFAULT_CRITERIA
    }
    assert all(c.name and c.rationale and c.source for c in published.criteria.all())
    assert published.content_hash == published.compiled().hash


def test_the_examples_are_reference_cases_with_their_expected_outcomes():
    cases = {case.name: case.expected_outcome for case in ReferenceCase.objects.all()}
    assert cases == {f"Example {key}": value["outcome"] for key, value in EXPECTED.items()}


def test_only_one_criteria_set_can_be_published():
    with pytest.raises(IntegrityError), transaction.atomic():
        CriteriaSet.objects.create(version=2, status="published")


def test_a_criterion_code_is_unique_within_its_set():
    criteria_set = CriteriaSet.objects.create(version=2)
    Criterion.objects.create(
        criteria_set=criteria_set, code="x", kind="red_flag", expression="fever"
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Criterion.objects.create(
            criteria_set=criteria_set, code="x", kind="red_flag", expression="rash"
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
