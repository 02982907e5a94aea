"""Urgency: each red flag's, the engine's (the highest matched), each screening's (frozen),
and version 2 of the criteria that first set them from the clinical reference (version 3,
published after it, is tested in test_rules_v3)."""

import json
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.models import CriteriaSet, Criterion, Intake, ReferenceCase, Screening
from intake.rules import CompiledCriteria, CriterionSpec, content_hash, derive, validate_intake
from intake.rules.defaults import DEFAULT_CRITERIA
from intake.rules.defaults_v2 import COMPOSITE_RED_FLAGS, RED_FLAG_URGENCIES, version_2_criteria
from tests.factories import (
    EXAMPLES,
    EXAMPLES_DIR,
    EXPECTED,
    V17_CASE,
    IntakeFactory,
    example,
    form_data,
)

VERSION_2 = CompiledCriteria(version_2_criteria([dict(c) for c in DEFAULT_CRITERIA]))
URGENCY_CASES = json.loads(
    (EXAMPLES_DIR.parent / "reference_cases" / "urgency_v2.json").read_text(encoding="utf-8")
)


def _facts(intake: dict) -> dict:
    inputs, errors = validate_intake(intake)
    assert not errors
    return derive(inputs)


#: What makes V01 a routine referral under version 3 (45 minutes of morning stiffness).
ROUTINE = {"morning_stiffness_minutes": 45}


def _spec(code, urgency, expression, kind="red_flag"):
    return CriterionSpec(code=code, kind=kind, expression=expression, urgency=urgency)


# -- the engine ---------------------------------------------------------------------------------

TOY = CompiledCriteria(
    [
        _spec("rf_a", "routine", "fever"),
        _spec("rf_b", "urgent", "rash"),
        _spec("rf_c", "emergency", "fever and non_weight_bearing"),
        _spec("amps", "", "wpi >= 7", kind="amps_pathway"),
    ]
)


@pytest.mark.parametrize(
    ("changes", "urgency"),
    [
        ({}, None),
        ({"fever": True}, "routine"),
        ({"rash": True}, "urgent"),
        ({"fever": True, "rash": True}, "urgent"),
        ({"fever": True, "rash": True, "non_weight_bearing": True}, "emergency"),
    ],
)
@pytest.mark.parametrize("trace", [True, False])
def test_the_result_urgency_is_the_highest_matched_red_flag(changes, urgency, trace):
    result = TOY.evaluate(_facts(example("V01", **changes)), trace=trace)
    assert result.urgency == urgency
    assert (result.outcome == "refer") == (urgency is not None)


def test_a_red_flag_without_an_urgency_reads_as_routine_and_others_carry_none():
    compiled = CompiledCriteria(DEFAULT_CRITERIA)  # version 1: no urgencies
    assert compiled.evaluate(_facts(example("V17"))).urgency == "routine"
    assert compiled.evaluate(_facts(example("V01"))).urgency is None
    assert {c.urgency for c in compiled.criteria if c.kind != "red_flag"} == {""}


def test_an_unknown_urgency_is_refused():
    with pytest.raises(ValueError, match="unknown urgency 'soon'"):
        CompiledCriteria([_spec("rf_a", "soon", "fever")])


def test_the_content_hash_changes_with_an_urgency_but_not_for_routine_written_out():
    base = [dict(c) for c in DEFAULT_CRITERIA]
    routine = [{**c, "urgency": "routine"} if c["kind"] == "red_flag" else c for c in base]
    assert content_hash(routine) == content_hash(base)  # version 1 kept its hash
    urgent = [{**c, "urgency": "urgent"} if c["code"] == "rf_fever" else c for c in routine]
    emergency = [{**c, "urgency": "emergency"} if c["code"] == "rf_fever" else c for c in routine]
    assert len({content_hash(routine), content_hash(urgent), content_hash(emergency)}) == 3


# -- version 2 (pure) ---------------------------------------------------------------------------


def test_every_version_1_red_flag_gets_an_urgency_with_its_source():
    red_flags = {c["code"] for c in DEFAULT_CRITERIA if c["kind"] == "red_flag"}
    assert set(RED_FLAG_URGENCIES) == red_flags
    for code, (urgency, reason) in RED_FLAG_URGENCIES.items():
        assert urgency in ("emergency", "urgent", "routine")
        assert "§" in reason, code  # cites the clinical reference
    for composite in COMPOSITE_RED_FLAGS:
        assert "§" in composite["rationale"] and composite["source"], composite["code"]


@pytest.mark.parametrize("intake", EXAMPLES, ids=lambda e: e["id"])
def test_version_2_keeps_the_six_examples_exactly(intake):
    result = VERSION_2.evaluate(_facts(intake))
    expected = EXPECTED[intake["id"]]
    assert (result.outcome, result.pathways, result.caveats) == (
        expected["outcome"],
        expected["pathways"],
        expected["caveats"],
    )
    assert result.red_flags == expected["red_flags"]


@pytest.mark.parametrize("case", URGENCY_CASES, ids=lambda c: c["intake"]["id"])
def test_version_2_gives_each_urgency_reference_case_its_urgency(case):
    result = VERSION_2.evaluate(_facts(case["intake"]))
    assert (result.outcome, result.urgency) == ("refer", case["expected_urgency"])


@pytest.mark.parametrize(
    ("changes", "composite"),
    [
        ({"fever": True, "non_weight_bearing": True}, "rf_fever_non_weight_bearing"),
        ({"non_weight_bearing": True, "crp_mg_l": 45}, "rf_non_weight_bearing_kocher_labs"),
        ({"fever": True, "joint_swelling_observed": True}, "rf_fever_joint_or_bone"),
        ({"fever": True, "focal_bone_tenderness": True}, "rf_fever_joint_or_bone"),
    ],
)
def test_each_emergency_composite_is_what_makes_the_emergency(changes, composite):
    facts = _facts(example("V01", **changes))
    assert VERSION_2.evaluate(facts).urgency == "emergency"
    without = CompiledCriteria(
        [
            c
            for c in version_2_criteria([dict(c) for c in DEFAULT_CRITERIA])
            if c["code"] != composite
        ]
    )
    assert without.evaluate(facts).urgency == "urgent"


def test_the_febrile_child_who_walks_normally_is_urgent_not_an_emergency():
    assert VERSION_2.evaluate(_facts(example("V17"))).urgency == "urgent"
    assert VERSION_2.evaluate(_facts(example("V16"))).urgency == "routine"


# -- the models and the migration ---------------------------------------------------------------

in_db = pytest.mark.django_db


@in_db
def test_every_active_reference_case_passes_under_the_published_set():
    assert CriteriaSet.objects.published().version == 3
    assert CriteriaSet.objects.get(version=2).status == "retired"
    assert services.check_draft(draft=CriteriaSet.objects.published()).failing_cases == []
    names = set(ReferenceCase.objects.values_list("name", flat=True))
    assert {case["name"] for case in URGENCY_CASES} <= names
    assert ReferenceCase.objects.get(name=V17_CASE).expected_urgency == "urgent"


@in_db
def test_a_reference_case_with_the_wrong_urgency_fails_the_check(carol):
    draft = services.new_draft(user=carol)
    Criterion.objects.filter(criteria_set=draft, code="rf_cauda_equina").update(urgency="urgent")
    failing = services.check_draft(draft=draft).failing_cases
    assert [case.name for case in failing] == [
        "Urgency v3: Back pain with urinary retention and saddle numbness"
    ]
    assert "(emergency)" in str(failing[0]) and "(urgent)" in str(failing[0])


@in_db
def test_the_database_refuses_a_red_flag_without_urgency_and_a_caveat_with_one():
    draft = CriteriaSet.objects.create(version=99)
    for kind, urgency in (("red_flag", ""), ("caveat", "urgent"), ("red_flag", "soon")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Criterion.objects.create(
                criteria_set=draft, code="x", kind=kind, urgency=urgency, expression="fever"
            )


@in_db
@pytest.mark.parametrize(
    ("kind", "urgency", "code"),
    [("red_flag", "", "required"), ("caveat", "urgent", "not_a_red_flag")],
)
def test_the_admin_form_reports_the_urgency_beside_its_field(kind, urgency, code):
    criterion = Criterion(
        criteria_set=CriteriaSet.objects.create(version=99),
        code="x",
        name="X",
        kind=kind,
        urgency=urgency,
        expression="fever",
        message="m",
    )
    with pytest.raises(ValidationError) as error:
        criterion.full_clean()
    assert [e.code for e in error.value.error_dict["urgency"]] == [code]


@in_db
def test_a_new_draft_copies_the_urgencies_and_the_editor_changes_one(carol):
    draft = services.new_draft(user=carol)
    assert dict(draft.criteria.filter(kind="red_flag").values_list("code", "urgency")) == dict(
        CriteriaSet.objects.published()
        .criteria.filter(kind="red_flag")
        .values_list("code", "urgency")
    )
    Criterion.objects.filter(criteria_set=draft, code="rf_gi").update(urgency="urgent")
    changes = services.compare_criteria(old=CriteriaSet.objects.published(), new=draft)
    assert [(c.code, c.fields) for c in changes] == [("rf_gi", (("urgency", "routine", "urgent"),))]
    assert draft.compiled().hash != CriteriaSet.objects.published().content_hash


@in_db
@pytest.mark.parametrize(
    ("example_id", "changes", "urgency"),
    [
        ("V01", {}, ""),
        ("V01", ROUTINE, "routine"),
        ("V16", {}, "urgent"),
        ("V17", {}, "urgent"),
        ("V01", {"fever": True, "non_weight_bearing": True}, "emergency"),
    ],
)
def test_a_screening_freezes_the_urgency_of_its_result(example_id, changes, urgency):
    intake = IntakeFactory(example_id=example_id, **changes)
    screening = services.screen_intake(intake=intake)
    screening.refresh_from_db()
    assert screening.urgency == urgency
    assert (screening.outcome == "refer") == bool(urgency)


@in_db
def test_a_past_screening_keeps_its_version_and_blank_urgency_when_the_criteria_change(carol):
    screening = services.screen_intake(intake=IntakeFactory(example_id="V17"))
    draft = services.new_draft(user=carol)
    Criterion.objects.filter(criteria_set=draft, code="rf_fever").update(urgency="emergency")
    ReferenceCase.objects.exclude(name=V17_CASE).update(active=False)
    ReferenceCase.objects.filter(name=V17_CASE).update(expected_urgency="emergency")
    services.publish_criteria_set(criteria_set=draft, user=carol, note="Fever is an emergency.")
    screening.refresh_from_db()
    assert (screening.criteria_set.version, screening.urgency) == (3, "urgent")
    again = services.screen_intake(intake=screening.intake)
    assert (again.criteria_set.version, again.urgency) == (4, "emergency")


@in_db
def test_only_a_referral_stores_an_urgency():
    screening = services.screen_intake(intake=IntakeFactory(example_id="V01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Screening.objects.filter(pk=screening.pk).update(urgency="urgent")


# -- the review queue, the intake page and the submit message -----------------------------------

QUEUE = reverse("intake:review_queue")


def _waiting(example_id="V01", *, days_ago=0, **changes) -> Screening:
    intake = IntakeFactory(example_id=example_id, **changes)
    screening = services.screen_intake(intake=intake)
    moment = timezone.now() - timedelta(days=days_ago)
    Screening.objects.filter(pk=screening.pk).update(created_at=moment)
    Intake.objects.filter(pk=intake.pk).update(screened_at=moment)
    return screening


EMERGENCY = {
    "fever": True,
    "fever_days": 2,
    "kawasaki_features": ["none"],
    "non_weight_bearing": True,
    "non_weight_bearing_days": 1,
}


@in_db
def test_the_queue_orders_referrals_by_urgency_then_by_waiting_time(rheum_client):
    routine_oldest = _waiting("V01", days_ago=20, **ROUTINE)
    amps_oldest = _waiting("V01", days_ago=30)
    urgent_old = _waiting("V17", days_ago=10)
    emergency_new = _waiting("V01", days_ago=0, **EMERGENCY)
    urgent_older = _waiting("V17", days_ago=12)
    emergency_old = _waiting("V01", days_ago=1, **EMERGENCY)
    page = rheum_client.get(QUEUE).context["page_obj"]
    assert [s.pk for s in page] == [
        emergency_old.pk,
        emergency_new.pk,
        urgent_older.pk,
        urgent_old.pk,
        routine_oldest.pk,
        amps_oldest.pk,
    ]


@in_db
def test_a_referral_screened_before_urgencies_waits_with_the_routine_ones(rheum_client):
    routine = _waiting("V01", days_ago=5, **ROUTINE)
    legacy = _waiting("V01", days_ago=8, **ROUTINE)
    Screening.objects.filter(pk=legacy.pk).update(urgency="")
    Intake.objects.filter(pk__in=[legacy.intake_id, routine.intake_id]).point_at_latest_screenings()
    urgent = _waiting("V17", days_ago=1)
    assert Intake.objects.get(pk=legacy.intake_id).review_urgency == 2
    page = rheum_client.get(QUEUE).context["page_obj"]
    assert [s.pk for s in page] == [urgent.pk, legacy.pk, routine.pk]


@in_db
def test_the_queue_shows_the_urgency_in_words_and_counts_each(rheum_client):
    _waiting("V01", **EMERGENCY)
    _waiting("V17")
    _waiting("V17")
    _waiting("V01")
    response = rheum_client.get(QUEUE)
    html = response.content.decode()
    assert '<span class="badge badge-urgency badge-urgency-emergency"' in html
    assert ">Emergency — now / same day</span>" in html
    assert ">Urgent — within 48 hours</span>" in html
    counts = {value: n for value, _, n in response.context["urgency_counts"]}
    assert counts == {"emergency": 1, "urgent": 2, "routine": 0}
    assert "Refer, Emergency — now / same day: 1" in html
    assert "Refer, Routine — next routine clinic: 0" in html


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
def test_the_queue_stays_within_ten_queries_a_page_on_postgresql(
    rheum_client, django_assert_max_num_queries
):
    for example_id, changes in [("V17", {}), ("V01", EMERGENCY), ("V16", {}), ("V33", {})] * 15:
        _waiting(example_id, **changes)
    # 15: the counts per outcome and per urgency are six bounded counts (each reads at most
    # 1,001 index entries) instead of one GROUP BY over every waiting case (issue 18).
    with django_assert_max_num_queries(10):
        assert rheum_client.get(QUEUE).status_code == 200
    with django_assert_max_num_queries(10):
        assert rheum_client.get(QUEUE, {"page": 2, "outcome": "refer"}).status_code == 200


@in_db
def test_the_submit_message_and_the_intake_page_state_the_urgency(staff_client):
    response = staff_client.post(
        reverse("intake:intake_create"), form_data(example("V01", **EMERGENCY)), follow=True
    )
    html = response.content.decode()
    assert "Suggestion: Refer — Emergency — now / same day." in html
    assert html.count("Refer — Emergency — now / same day") == 2  # message and the page
    assert ">Emergency — now / same day</span>" in html


@in_db
def test_a_suggestion_without_a_red_flag_states_no_urgency(staff_client):
    response = staff_client.post(
        reverse("intake:intake_create"), form_data(example("V01")), follow=True
    )
    html = response.content.decode()
    assert "Intake submitted. Suggestion: Consider AMPS." in html
    assert "badge-urgency" not in html
