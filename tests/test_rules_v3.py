"""Criteria version 3 (clinical-reference.md §4.7): every pattern and near miss gets its tier,
every version-2 red flag still refers, old intakes without the §5a details keep the tier their
other answers give (or the higher, where §4.7 says so), and the data migration publishes it."""

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake import services
from intake.models import CriteriaSet, ReferenceCase
from intake.rules import CompiledCriteria, derive, validate_intake
from intake.rules.defaults import DEFAULT_CRITERIA
from intake.rules.defaults_v2 import version_2_criteria
from intake.rules.defaults_v3 import RED_FLAGS, TIMEFRAMES, version_3_criteria
from intake.rules.facts import RED_FLAG_DETAIL_FIELDS
from intake.rules.language import check_expression
from tests.factories import EXAMPLES, EXAMPLES_DIR, example
from tests.rules_helpers import valid_intake, valid_intakes

V2 = [dict(c) for c in version_2_criteria([dict(c) for c in DEFAULT_CRITERIA])]
VERSION_2 = CompiledCriteria(V2)
VERSION_3 = CompiledCriteria(version_3_criteria(V2))
CASES = json.loads(
    (EXAMPLES_DIR.parent / "reference_cases" / "urgency_v3.json").read_text(encoding="utf-8")
)
RANK = {"emergency": 0, "urgent": 1, "routine": 2}


def _facts(intake: dict) -> dict:
    inputs, errors = validate_intake(intake)
    assert errors == [], errors
    return derive(inputs)


def screen(**changes):
    return VERSION_3.evaluate(_facts(valid_intake(**changes)), trace=False)


# -- the criteria themselves ----------------------------------------------------------------------


@pytest.mark.parametrize("criterion", RED_FLAGS, ids=lambda c: c["code"])
def test_each_red_flag_is_valid_and_its_rationale_ends_with_tier_timeframe_and_source(criterion):
    assert check_expression(criterion["expression"]) == []
    urgency = criterion["urgency"]
    ending = f"Tier {urgency} ({TIMEFRAMES[urgency]}). Source: {criterion['source']}."
    assert criterion["rationale"].endswith(ending)
    assert "§" in criterion["source"]


def test_red_flags_are_ordered_emergency_then_urgent_then_routine_and_codes_are_unique():
    ranks = [RANK[c["urgency"]] for c in RED_FLAGS]
    assert ranks == sorted(ranks)
    codes = [c["code"] for c in version_3_criteria(V2)]
    assert len(codes) == len(set(codes))


def test_version_3_keeps_the_amps_pathways_and_caveats_of_version_2():
    kept = [c for c in version_3_criteria(V2) if c["kind"] != "red_flag"]
    assert kept == [c for c in V2 if c["kind"] != "red_flag"]


# -- every §4.7 pattern and near miss (the reference cases the migration adds) --------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["intake"]["id"])
def test_each_pattern_and_near_miss_gets_its_tier(case):
    result = VERSION_3.evaluate(_facts(case["intake"]))
    assert (result.outcome, result.urgency) == ("refer", case["expected_urgency"])
    assert set(case["must_match"]) <= set(result.red_flags)


def test_every_issue_24_case_is_a_reference_case_with_its_tier():
    tiers = {case["name"].removeprefix("Urgency v3: "): case["expected_urgency"] for case in CASES}
    assert tiers["Back pain with urinary retention and saddle numbness"] == "emergency"
    assert tiers["Afebrile knee effusion with ESR 46, WBC 13.4, CRP 41"] == "emergency"
    assert tiers["Febrile transplant recipient"] == "emergency"
    assert tiers["Petechiae, hepatosplenomegaly, neutrophils 0.4 and blasts"] == "emergency"
    assert tiers["Unstable slipped capital femoral epiphysis"] == "emergency"
    assert tiers["Kawasaki-like fever on day 6"] == "emergency"
    assert tiers["Night pain in one leg"] == "urgent"
    assert tiers["Back pain that wakes the child"] == "urgent"
    assert tiers["Chronic explained limp in a 4-year-old with known JIA"] == "routine"


def test_there_is_a_near_miss_for_the_patterns():
    near_misses = [case for case in CASES if "Near miss" in case["name"]]
    assert len(near_misses) >= 20
    assert all(case["expected_urgency"] != "emergency" for case in near_misses)


# -- the patterns one answer at a time ------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "urgency"),
    [
        # Bone or joint infection, with or without fever.
        (
            {"joint_swelling_observed": True, "joint_swelling_weeks": 8, "esr_mm_hr": 41},
            "emergency",
        ),
        (
            {"joint_swelling_observed": True, "joint_swelling_weeks": 8, "wbc_10e9_l": 12.1},
            "emergency",
        ),
        (
            {"joint_swelling_observed": True, "joint_swelling_weeks": 8, "crp_mg_l": 20.1},
            "emergency",
        ),
        ({"joint_swelling_observed": True, "joint_swelling_weeks": 8, "crp_mg_l": 20.0}, "routine"),
        ({"non_weight_bearing": True, "non_weight_bearing_days": 30, "esr_mm_hr": 41}, "emergency"),
        ({"non_weight_bearing": True, "non_weight_bearing_days": 30, "esr_mm_hr": 40}, "urgent"),
        ({"non_weight_bearing": True, "non_weight_bearing_days": 13}, "emergency"),
        ({"non_weight_bearing": True, "non_weight_bearing_days": 0}, "emergency"),
        ({"fever": True, "fever_days": 1, "limp": True}, "emergency"),
        ({"fever": True, "fever_days": 1, "joint_swelling_observed": True}, "emergency"),
        # Suspected SCFE: age about 9-16 with limp or hip/thigh/knee pain and restricted rotation.
        (
            {"age_years": 9, "restricted_hip_rotation": True, "pain_sites": ["hip_left"]},
            "emergency",
        ),
        ({"age_years": 16, "restricted_hip_rotation": True, "limp": True}, "emergency"),
        (
            {"age_years": 12, "restricted_hip_rotation": True, "pain_sites": ["knee_right"]},
            "emergency",
        ),
        (
            {"age_years": 12, "restricted_hip_rotation": True, "pain_sites": ["lower_back"]},
            "urgent",
        ),
        ({"age_years": 7, "restricted_hip_rotation": True, "limp": True}, "urgent"),
        ({"age_years": 12, "limp": True, "pain_sites": ["hip_left"]}, None),
        # Cauda equina, other neurology.
        ({"neurological_deficit": True, "sphincter_or_saddle_signs": True}, "emergency"),
        ({"neurological_deficit": True, "sphincter_or_saddle_signs": False}, "urgent"),
        ({"neurological_deficit": True}, "urgent"),
        # Immunocompromise.
        ({"immunocompromised": True, "fever": True}, "emergency"),
        ({"immunocompromised": True}, "urgent"),
        # Petechiae, hepatosplenomegaly.
        ({"rash": True, "petechiae_or_purpura": True}, "emergency"),
        ({"bruising_pallor_or_bleeding": True, "petechiae_or_purpura": True}, "emergency"),
        ({"rash": True, "petechiae_or_purpura": False}, "urgent"),
        ({"rash": True}, "urgent"),
        ({"lymphadenopathy_or_organomegaly": True, "hepatosplenomegaly": True}, "emergency"),
        ({"lymphadenopathy_or_organomegaly": True}, "urgent"),
        # Cell lines.
        ({"blasts_on_film": True}, "emergency"),
        ({"haemoglobin_g_dl": 9.9, "platelets_10e9_l": 149}, "emergency"),
        ({"haemoglobin_g_dl": 9.9, "neutrophils_10e9_l": 1.4}, "emergency"),
        ({"wbc_10e9_l": 3.9, "neutrophils_10e9_l": 1.4}, "urgent"),
        ({"neutrophils_10e9_l": 0.49}, "emergency"),
        ({"neutrophils_10e9_l": 0.5}, "urgent"),
        ({"platelets_10e9_l": 49}, "emergency"),
        ({"platelets_10e9_l": 50}, "urgent"),
        ({"haemoglobin_g_dl": 9.9}, "urgent"),
        # Kawasaki.
        (
            {
                "fever": True,
                "fever_days": 5,
                "kawasaki_features": ["oral_changes", "cervical_node"],
            },
            "emergency",
        ),
        ({"fever": True, "fever_days": 5, "kawasaki_features": ["oral_changes"]}, "urgent"),
        ({"fever": True, "fever_days": 5, "kawasaki_features": ["none"]}, "urgent"),
        # Weakness.
        ({"proximal_weakness": True, "bulbar_or_respiratory_weakness": True}, "emergency"),
        ({"proximal_weakness": True, "dark_urine": True}, "emergency"),
        ({"proximal_weakness": True}, "urgent"),
        # Night pain and bone pain.
        ({"night_pain": True, "pain_sites": ["upper_leg_right"]}, "urgent"),
        ({"night_pain": True, "pain_sites": ["lower_back"]}, "urgent"),
        ({"night_pain": True, "pain_sites": ["knee_left", "knee_right", "lower_back"]}, "urgent"),
        ({"night_pain": True, "pain_sites": ["knee_left", "knee_right"]}, "routine"),
        (
            {
                "night_pain": True,
                "pain_sites": ["knee_left", "knee_right"],
                "focal_bone_tenderness": True,
            },
            "urgent",
        ),
        # Arthritis: new, chronic, unknown.
        ({"joint_swelling_observed": True, "joint_swelling_weeks": 5}, "urgent"),
        ({"joint_swelling_observed": True, "joint_swelling_weeks": 6}, "routine"),
        ({"joint_swelling_observed": True}, "urgent"),
        # Limp under 5.
        ({"age_years": 4, "limp": True}, "urgent"),
        (
            {
                "age_years": 4,
                "limp": True,
                "pain_duration_weeks": 6,
                "inflammatory_disease": "active",
            },
            "routine",
        ),
        (
            {
                "age_years": 4,
                "limp": True,
                "pain_duration_weeks": 5,
                "inflammatory_disease": "active",
            },
            "urgent",
        ),
        # Eye, sweats and weight loss.
        ({"red_eye": True}, "urgent"),
        ({"night_sweats": True, "weight_loss": True}, "urgent"),
        ({"night_sweats": True}, "routine"),
        ({"weight_loss": True}, "routine"),
        # Fever alone.
        ({"fever": True, "fever_days": 4}, "routine"),
        ({"fever": True, "fever_days": 5}, "urgent"),
        ({"fever": True, "fever_days": 2, "crp_mg_l": 21.0}, "urgent"),
        ({"fever": True, "fever_days": 2, "esr_mm_hr": 41}, "urgent"),
        # Routine needs normal markers (§4.7): none measured is not normal, so urgent.
        ({"fever": True, "fever_days": 2, "crp_mg_l": None, "esr_mm_hr": None}, "urgent"),
        ({"fever": True, "fever_days": 2, "crp_mg_l": 4.0, "esr_mm_hr": None}, "routine"),
        # Kawasaki features with the fever's duration not given: counted as 5 days or more.
        (
            {
                "fever": True,
                "fever_days": None,
                "kawasaki_features": ["oral_changes", "polymorphous_rash", "cervical_node"],
            },
            "emergency",
        ),
        (
            {
                "fever": True,
                "fever_days": 3,
                "kawasaki_features": ["oral_changes", "polymorphous_rash"],
            },
            "urgent",
        ),
        ({"fever": True}, "urgent"),
    ],
)
def test_each_pattern_answer_by_answer(changes, urgency):
    assert screen(**changes).urgency == urgency


# -- version 2 and old intakes --------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(intake=valid_intakes(), drop_details=st.booleans())
def test_every_intake_that_version_2_refers_version_3_refers(intake, drop_details):
    if drop_details:
        intake = {k: v for k, v in intake.items() if k not in RED_FLAG_DETAIL_FIELDS}
    facts = _facts(intake)
    before = VERSION_2.evaluate(facts, trace=False)
    after = VERSION_3.evaluate(facts, trace=False)
    assert (before.outcome == "refer") == (after.outcome == "refer")
    if before.outcome != "refer":
        assert after.outcome == before.outcome


@settings(max_examples=300, deadline=None)
@given(intake=valid_intakes())
def test_on_an_intake_without_details_only_a_chronic_explained_limp_is_lower_than_version_2(
    intake,
):
    """On an intake made before §5a, version 3 is never lower than version 2, except where
    §4.7 lowers it on answers the intake has: a chronic limp under 5 explained by known
    inflammatory disease (routine, version 2 urgent)."""
    intake = {k: v for k, v in intake.items() if k not in RED_FLAG_DETAIL_FIELDS}
    facts = _facts(intake)
    before = VERSION_2.evaluate(facts, trace=False)
    after = VERSION_3.evaluate(facts, trace=False)
    if before.outcome == "refer" and RANK[after.urgency] > RANK[before.urgency]:
        assert "rf_limp_under_5_explained" in after.red_flags


@pytest.mark.parametrize("intake", EXAMPLES, ids=lambda e: e["id"])
def test_the_six_examples_keep_their_outcome_and_red_flag_codes(intake):
    two = VERSION_2.evaluate(_facts(intake))
    three = VERSION_3.evaluate(_facts(intake))
    assert (three.outcome, three.red_flags, three.pathways, three.caveats) == (
        two.outcome,
        two.red_flags,
        two.pathways,
        two.caveats,
    )
    # V16: a joint swelling of unknown duration is a new arthritis (§4.7): urgent, not routine.
    assert three.urgency == {"V16": "urgent", "V17": "urgent"}.get(intake["id"])


def test_an_old_intake_with_fever_and_non_weight_bearing_is_an_emergency():
    intake = {k: v for k, v in example("V01").items() if k not in RED_FLAG_DETAIL_FIELDS}
    intake.update(non_weight_bearing=True)
    assert VERSION_3.evaluate(_facts(intake)).urgency == "emergency"


# -- the migration -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_version_3_is_published_and_every_reference_case_passes():
    published = CriteriaSet.objects.published()
    assert published.version == 3
    assert CriteriaSet.objects.get(version=2).status == "retired"
    assert services.check_draft(draft=published).failing_cases == []
    names = set(ReferenceCase.objects.values_list("name", flat=True))
    assert {case["name"] for case in CASES} <= names
    assert ReferenceCase.objects.get(name="Urgency: blasts on the film").expected_urgency == (
        "emergency"
    )
    codes = set(published.criteria.values_list("code", flat=True))
    assert {c["code"] for c in RED_FLAGS} <= codes
    # Every red flag of version 1 is still there (the admin's safety rule), split or not.
    assert {c["code"] for c in DEFAULT_CRITERIA if c["kind"] == "red_flag"} <= codes
