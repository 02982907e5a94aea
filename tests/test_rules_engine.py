"""The engine with the default criteria: thresholds, null handling, precedence, the shared
examples, the content hash, and properties over random valid intakes."""

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.rules import (
    DEFAULT_CRITERIA,
    KINDS,
    OUTCOME_LABELS,
    OUTCOMES,
    CompiledCriteria,
    CriterionSpec,
    ExpressionError,
    Outcome,
    content_hash,
    derive,
    validate_intake,
)
from intake.rules.explanation import explain
from tests.rules_helpers import DEFAULT_SET, facts_for, screen, valid_intake, valid_intakes

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "examples"

# Data-dictionary section 9, copied: (code, kind, expression, message).
SECTION_9 = [
    ("rf_joint_swelling", "red_flag", "joint_swelling_observed", ""),
    ("rf_fever", "red_flag", "fever", ""),
    ("rf_rash", "red_flag", "rash", ""),
    ("rf_morning_stiffness", "red_flag", "morning_stiffness_minutes >= 30", ""),
    ("rf_weight_loss", "red_flag", "weight_loss", ""),
    ("rf_night_pain", "red_flag", "night_pain", ""),
    ("rf_night_sweats", "red_flag", "night_sweats", ""),
    ("rf_bone", "red_flag", "focal_bone_tenderness", ""),
    ("rf_nodes_organs", "red_flag", "lymphadenopathy_or_organomegaly", ""),
    ("rf_bleeding", "red_flag", "bruising_pallor_or_bleeding", ""),
    ("rf_limp", "red_flag",
     "non_weight_bearing or restricted_hip_rotation or (limp and age_years < 5)", ""),
    ("rf_weakness", "red_flag", "proximal_weakness", ""),
    ("rf_gi", "red_flag", "gi_symptoms", ""),
    ("rf_lupus_features", "red_flag", "oral_ulcers_or_photosensitivity", ""),
    ("rf_eye", "red_flag", "red_eye", ""),
    ("rf_enthesitis", "red_flag", "enthesitis", ""),
    ("rf_neuro", "red_flag", "neurological_deficit", ""),
    ("rf_immunocompromised", "red_flag", "immunocompromised", ""),
    ("rf_active_inflammatory", "red_flag", 'inflammatory_disease == "active"', ""),
    ("rf_labs", "red_flag",
     "esr_mm_hr > 20 or crp_mg_l > 5 or wbc_10e9_l < 4 or wbc_10e9_l > 15 or "
     "neutrophils_10e9_l < 1.5 or platelets_10e9_l < 150 or platelets_10e9_l > 450 or "
     "haemoglobin_g_dl < 10 or blasts_on_film or ldh_raised or ck_raised", ""),
    ("amps_p1_budapest", "amps_pathway",
     "pain_out_of_proportion and budapest_symptom_categories >= 3 and "
     "budapest_sign_categories >= 2", ""),
    ("amps_p2_acr2016", "amps_pathway",
     "((wpi >= 7 and sss >= 5) or (4 <= wpi <= 6 and sss >= 9)) and "
     "generalized_pain_regions >= 4 and pain_duration_weeks >= 13", ""),
    ("amps_p3_amplified_pain", "amps_pathway",
     "pain_duration_weeks >= 13 and (allodynia_observed or hyperalgesia_observed) and "
     "(school_days_missed_4wk >= 1 or fdi_score >= 13 or mobility_aid)", ""),
    ("cav_labs_not_done", "caveat", "not core_labs_done",
     "A baseline full blood count, ESR and CRP are required before accepting an AMPS "
     "suggestion."),
    ("cav_inflammatory_in_remission", "caveat", 'inflammatory_disease == "in_remission"',
     "Known inflammatory disease in remission: a rheumatologist should confirm it is inactive."),
    ("cav_safeguarding", "caveat", "safeguarding_concern",
     "Safeguarding concern recorded: follow the safeguarding pathway as well."),
]  # fmt: skip

# Sites giving a chosen WPI and number of ACR 2016 regions.
WPI7_REGIONS5 = [
    "shoulder_girdle_left",
    "shoulder_girdle_right",
    "hip_left",
    "hip_right",
    "neck",
    "upper_back",
    "lower_back",
]
WPI6_REGIONS5 = WPI7_REGIONS5[:-1]
WPI4_REGIONS4 = WPI7_REGIONS5[:4]
WPI3_REGIONS3 = WPI7_REGIONS5[:3]
WPI7_REGIONS3 = [
    "jaw_left",
    "jaw_right",
    "chest",
    "abdomen",
    "shoulder_girdle_left",
    "shoulder_girdle_right",
    "hip_left",
]
WPI7_REGIONS4 = [
    "jaw_left",
    "chest",
    "abdomen",
    "shoulder_girdle_left",
    "shoulder_girdle_right",
    "hip_left",
    "hip_right",
]
SSS = {
    4: {"fatigue": 2, "waking_unrefreshed": 2},
    5: {"fatigue": 3, "waking_unrefreshed": 2},
    8: {"fatigue": 3, "waking_unrefreshed": 3, "cognitive_symptoms": 2},
    9: {"fatigue": 3, "waking_unrefreshed": 3, "cognitive_symptoms": 3},
}
P3 = {"pain_duration_weeks": 13, "allodynia_observed": True, "school_days_missed_4wk": 1}


def diffuse(wpi_sites=WPI7_REGIONS5, sss=5, weeks=13, **overrides):
    """An intake meeting ACR 2016 (P2) at its thresholds, with changes."""
    return {"pain_sites": wpi_sites, "pain_duration_weeks": weeks, **SSS[sss], **overrides}


def matched(**overrides) -> set[str]:
    result = screen(**overrides)
    return set(result.red_flags + result.pathways + result.caveats)


# --- The default set is section 9 -----------------------------------------------------------------


def test_default_criteria_are_exactly_section_9_in_order():
    assert [
        (c["code"], c["kind"], c["expression"], c["message"]) for c in DEFAULT_CRITERIA
    ] == SECTION_9


def test_default_criteria_are_ordered_10_20_30_and_carry_name_rationale_source():
    assert [c["order"] for c in DEFAULT_CRITERIA] == list(range(10, 270, 10))
    for criterion in DEFAULT_CRITERIA:
        assert set(criterion) == {
            "code",
            "name",
            "kind",
            "expression",
            "message",
            "rationale",
            "source",
            "order",
        }
        assert criterion["name"] and criterion["rationale"] and criterion["source"]
    sources = {c["code"]: c["source"] for c in DEFAULT_CRITERIA}
    assert "Wolfe et al., Semin Arthritis Rheum 2016;46:319–329" in sources["amps_p2_acr2016"]
    assert "Harden et al., Pain 2010;150:268–274" in sources["amps_p1_budapest"]


def test_default_set_compiles_every_criterion():
    assert len(DEFAULT_SET) == 26
    assert [c.code for c in DEFAULT_SET.criteria] == [row[0] for row in SECTION_9]


def test_a_quiet_intake_is_indeterminate_with_nothing_matched():
    result = screen()
    assert (result.outcome, result.red_flags, result.pathways, result.caveats) == (
        "indeterminate",
        [],
        [],
        [],
    )


# --- Red flags ------------------------------------------------------------------------------------

BARE_RED_FLAGS = [
    (code, expression)
    for code, kind, expression, _ in SECTION_9
    if kind == "red_flag" and " " not in expression
]


@pytest.mark.parametrize(("code", "field"), BARE_RED_FLAGS)
def test_each_yes_no_red_flag_refers_on_its_own(code, field):
    result = screen(**{field: True})
    assert result.outcome == Outcome.REFER
    assert result.red_flags == [code]


@pytest.mark.parametrize(("minutes", "refers"), [(29, False), (30, True), (31, True)])
def test_morning_stiffness_refers_from_30_minutes(minutes, refers):
    assert ("rf_morning_stiffness" in matched(morning_stiffness_minutes=minutes)) is refers


@pytest.mark.parametrize(
    ("overrides", "refers"),
    [
        ({"limp": True, "age_years": 4}, True),
        ({"limp": True, "age_years": 5}, False),
        ({"limp": False, "age_years": 4}, False),
        ({"non_weight_bearing": True, "age_years": 15}, True),
        ({"restricted_hip_rotation": True, "age_years": 15}, True),
    ],
)
def test_limp_refers_under_5_and_non_weight_bearing_or_hip_at_any_age(overrides, refers):
    assert ("rf_limp" in matched(**overrides)) is refers


@pytest.mark.parametrize("disease", ["none", "in_remission"])
def test_inflammatory_disease_refers_only_when_active(disease):
    assert screen(inflammatory_disease="active").red_flags == ["rf_active_inflammatory"]
    assert screen(inflammatory_disease=disease).red_flags == []


@pytest.mark.parametrize(
    ("field", "value", "refers"),
    [
        ("esr_mm_hr", 20, False),
        ("esr_mm_hr", 21, True),
        ("crp_mg_l", 5, False),
        ("crp_mg_l", 5.1, True),
        ("wbc_10e9_l", 3.9, True),
        ("wbc_10e9_l", 4, False),
        ("wbc_10e9_l", 15, False),
        ("wbc_10e9_l", 15.1, True),
        ("neutrophils_10e9_l", 1.5, False),
        ("neutrophils_10e9_l", 1.4, True),
        ("platelets_10e9_l", 149, True),
        ("platelets_10e9_l", 150, False),
        ("platelets_10e9_l", 450, False),
        ("platelets_10e9_l", 451, True),
        ("haemoglobin_g_dl", 9.9, True),
        ("haemoglobin_g_dl", 10, False),
        ("blasts_on_film", True, True),
        ("blasts_on_film", False, False),
        ("ldh_raised", True, True),
        ("ldh_raised", False, False),
        ("ck_raised", True, True),
        ("ck_raised", False, False),
    ],
)
def test_lab_thresholds(field, value, refers):
    result = screen(**{field: value})
    assert ("rf_labs" in result.red_flags) is refers
    assert (result.outcome == Outcome.REFER) is refers


@pytest.mark.parametrize(
    "field",
    [
        "haemoglobin_g_dl",
        "wbc_10e9_l",
        "neutrophils_10e9_l",
        "platelets_10e9_l",
        "esr_mm_hr",
        "crp_mg_l",
        "ldh_raised",
        "blasts_on_film",
        "ck_raised",
    ],
)
def test_a_lab_not_done_never_triggers_rf_labs(field):
    assert "rf_labs" not in matched(**{field: None})


def test_no_labs_at_all_is_a_caveat_not_a_red_flag():
    no_labs = dict.fromkeys(
        [
            "haemoglobin_g_dl",
            "wbc_10e9_l",
            "neutrophils_10e9_l",
            "platelets_10e9_l",
            "esr_mm_hr",
            "crp_mg_l",
        ]
    )
    result = screen(**no_labs)
    assert result.red_flags == []
    assert result.caveats == ["cav_labs_not_done"]


# --- AMPS pathways --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sites", "sss", "meets"),
    [
        (WPI7_REGIONS5, 5, True),
        (WPI7_REGIONS5, 4, False),
        (WPI6_REGIONS5, 9, True),
        (WPI6_REGIONS5, 8, False),
        (WPI6_REGIONS5, 5, False),
        (WPI4_REGIONS4, 9, True),
        (WPI4_REGIONS4, 8, False),
        (WPI3_REGIONS3, 9, False),
        (WPI7_REGIONS3, 9, False),
        (WPI7_REGIONS4, 5, True),
    ],
)
def test_acr_2016_wpi_sss_bands_and_regions(sites, sss, meets):
    assert ("amps_p2_acr2016" in matched(**diffuse(sites, sss))) is meets


@pytest.mark.parametrize(("weeks", "meets"), [(12, False), (13, True), (14, True)])
def test_acr_2016_needs_13_weeks(weeks, meets):
    result = screen(**diffuse(weeks=weeks))
    assert ("amps_p2_acr2016" in result.pathways) is meets
    assert result.outcome == (Outcome.CONSIDER_AMPS if meets else Outcome.INDETERMINATE)


BUDAPEST_3_SYMPTOMS = {
    "allodynia_reported": True,
    "oedema_reported": True,
    "reduced_motion_reported": True,
}
BUDAPEST_2_SIGNS = {"skin_colour_change_observed": True, "sweating_change_observed": True}


@pytest.mark.parametrize(
    ("overrides", "meets"),
    [
        ({}, True),
        ({"pain_out_of_proportion": False}, False),
        ({"reduced_motion_reported": False}, False),
        ({"sweating_change_observed": False}, False),
        ({"sweating_change_observed": False, "temperature_asymmetry_observed": True}, False),
        ({"sweating_change_observed": False, "oedema_observed": True}, True),
        ({"pain_duration_weeks": 0}, True),
    ],
)
def test_budapest_needs_disproportion_3_symptom_and_2_sign_categories(overrides, meets):
    intake = {"pain_out_of_proportion": True, **BUDAPEST_3_SYMPTOMS, **BUDAPEST_2_SIGNS}
    assert ("amps_p1_budapest" in matched(**{**intake, **overrides})) is meets


@pytest.mark.parametrize(
    ("overrides", "meets"),
    [
        ({}, True),
        ({"pain_duration_weeks": 12}, False),
        ({"allodynia_observed": False}, False),
        ({"allodynia_observed": False, "hyperalgesia_observed": True}, True),
        ({"school_days_missed_4wk": 0}, False),
        ({"school_days_missed_4wk": 0, "fdi_score": 12}, False),
        ({"school_days_missed_4wk": 0, "fdi_score": 13}, True),
        ({"school_days_missed_4wk": 0, "fdi_score": None}, False),
        ({"school_days_missed_4wk": 0, "mobility_aid": True}, True),
    ],
)
def test_amplified_pain_needs_13_weeks_allodynia_and_function_impact(overrides, meets):
    assert ("amps_p3_amplified_pain" in matched(**{**P3, **overrides})) is meets


# --- Caveats --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "caveat"),
    [
        ({"esr_mm_hr": None}, "cav_labs_not_done"),
        ({"inflammatory_disease": "in_remission"}, "cav_inflammatory_in_remission"),
        ({"safeguarding_concern": True}, "cav_safeguarding"),
    ],
)
def test_caveats_show_with_any_outcome(overrides, caveat):
    for base in ({}, P3, {"fever": True}):
        result = screen(**base, **overrides)
        assert caveat in result.caveats
    message = {c["code"]: c["message"] for c in DEFAULT_CRITERIA}[caveat]
    assert message in screen(**overrides).caveat_messages


def test_neutrophils_are_not_part_of_the_core_labs():
    assert "cav_labs_not_done" not in matched(neutrophils_10e9_l=None)


# --- Precedence -----------------------------------------------------------------------------------


def test_fever_refers_even_when_acr_criteria_met():
    result = screen(**diffuse(), fever=True)
    assert result.outcome == Outcome.REFER
    assert result.red_flags == ["rf_fever"]
    assert result.pathways == ["amps_p2_acr2016"]


def test_every_pathway_is_still_evaluated_and_reported_under_a_red_flag():
    result = screen(**{**diffuse(), **P3, "joint_swelling_observed": True, "esr_mm_hr": 40})
    assert result.outcome == Outcome.REFER
    assert result.red_flags == ["rf_joint_swelling", "rf_labs"]
    assert result.pathways == ["amps_p2_acr2016", "amps_p3_amplified_pain"]
    assert len(result.trace) == 26


def test_a_pathway_without_red_flags_considers_amps():
    assert screen(**P3).outcome == Outcome.CONSIDER_AMPS


# --- Shared examples ------------------------------------------------------------------------------

_EXPECTED = json.loads((EXAMPLES / "expected.json").read_text())
_INTAKES = json.loads((EXAMPLES / "intakes.json").read_text())


@pytest.mark.parametrize("intake", _INTAKES, ids=lambda intake: intake["id"])
def test_every_shared_example_gives_exactly_the_expected_outcome_and_codes(intake):
    inputs, errors = validate_intake(intake)
    assert errors == []
    result = DEFAULT_SET.evaluate(derive(inputs))
    expected = _EXPECTED[intake["id"]]
    assert {
        "outcome": result.outcome,
        "red_flags": result.red_flags,
        "pathways": result.pathways,
        "caveats": result.caveats,
    } == expected


def test_every_expected_example_has_an_intake():
    assert sorted(_EXPECTED) == sorted(intake["id"] for intake in _INTAKES)


# --- Result, trace and explanation ----------------------------------------------------------------


def test_outcomes_and_kinds_are_the_design_codes():
    assert OUTCOMES == ("refer", "consider_amps", "indeterminate")
    assert OUTCOME_LABELS["refer"] == "Refer for inflammatory work-up"
    assert OUTCOME_LABELS["consider_amps"] == "Consider AMPS"
    assert KINDS == ("red_flag", "amps_pathway", "caveat")


def test_trace_has_one_entry_per_active_criterion_with_its_comparisons():
    result = screen(**diffuse())
    assert [entry["code"] for entry in result.trace] == [row[0] for row in SECTION_9]
    p2 = result.trace[21]
    assert (p2["code"], p2["kind"], p2["matched"]) == ("amps_p2_acr2016", "amps_pathway", True)
    assert p2["name"] == "ACR 2016 fibromyalgia criteria (diffuse AMPS)"
    assert p2["comparisons"][0] == {"text": "wpi >= 7", "fact": "wpi", "value": 7, "result": True}


def test_as_dict_is_json_ready_and_complete():
    data = screen(fever=True, esr_mm_hr=None).as_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "outcome",
        "urgency",
        "red_flags",
        "pathways",
        "caveats",
        "caveat_messages",
        "trace",
    }


def test_explanation_of_a_referral_shows_values_and_says_a_red_flag_wins():
    text = explain(screen(**diffuse(), fever=True, esr_mm_hr=None))
    assert text.startswith("Suggestion: Refer for inflammatory work-up — a red flag matched")
    assert "a red flag always wins" in text
    assert "  • rf_fever (Fever): fever — fever is yes ✓" in text
    assert "AMPS pathways matched (not acted on while a red flag is present):" in text
    assert "wpi >= 7 — wpi is 7 ✓" in text
    assert "Caveats:\n  • A baseline full blood count, ESR and CRP are required" in text


def test_explanation_of_consider_amps_lists_the_pathways():
    text = explain(screen(**diffuse()))
    assert text.startswith("Suggestion: Consider AMPS")
    assert "amps_p2_acr2016 (ACR 2016 fibromyalgia criteria (diffuse AMPS)):" in text


def test_explanation_of_indeterminate_lists_the_closest_pathway_first_with_what_failed():
    text = explain(screen(**diffuse(weeks=12)))
    lines = text.splitlines()
    assert lines[0] == "Suggestion: Indeterminate — no red flag and no AMPS pathway matched."
    assert lines[1] == "Closest AMPS pathways (what did not match):"
    assert lines[2] == (
        "  • amps_p2_acr2016 (ACR 2016 fibromyalgia criteria (diffuse AMPS)): "
        "pain_duration_weeks >= 13 — pain_duration_weeks is 12 ✗"
    )


def test_explanation_says_not_recorded_for_null():
    text = explain(screen(**{**diffuse(), "fdi_score": None, "pain_duration_weeks": 2}))
    assert "fdi_score is not recorded ✗" in text


def test_explanation_is_deterministic():
    assert explain(screen(**diffuse())) == explain(screen(**diffuse()))


def test_without_trace_the_codes_match_and_there_is_no_trace_or_explanation():
    facts = facts_for(**diffuse(), fever=True, safeguarding_concern=True)
    quick, full = DEFAULT_SET.evaluate(facts, trace=False), DEFAULT_SET.evaluate(facts)
    assert (quick.outcome, quick.red_flags, quick.pathways, quick.caveats) == (
        full.outcome,
        full.red_flags,
        full.pathways,
        full.caveats,
    )
    assert quick.caveat_messages == full.caveat_messages
    assert quick.trace == [] and explain(quick) == ""


# --- Criteria sets: inactive, order, duck typing, errors, hash ------------------------------------


def spec(code, kind, expression, **extra) -> CriterionSpec:
    return CriterionSpec(code=code, kind=kind, expression=expression, **extra)


def test_inactive_criteria_are_ignored():
    criteria = [
        spec("rf_fever", "red_flag", "fever", active=False),
        spec("p", "amps_pathway", "fever"),
    ]
    result = CompiledCriteria(criteria).evaluate(facts_for(fever=True))
    assert result.outcome == Outcome.CONSIDER_AMPS
    assert [entry["code"] for entry in result.trace] == ["p"]


def test_an_inactive_criterion_may_hold_a_broken_expression():
    CompiledCriteria([spec("old", "red_flag", "wpii >=", active=False)])


def test_criteria_are_evaluated_in_display_order():
    criteria = [
        spec("b", "red_flag", "fever", order=20),
        spec("a", "red_flag", "rash", order=10),
    ]
    result = CompiledCriteria(criteria).evaluate(facts_for(fever=True, rash=True))
    assert result.red_flags == ["a", "b"]


def test_any_object_with_the_attributes_is_a_criterion():
    @dataclasses.dataclass
    class Row:  # stands in for a Django Criterion row
        code: str
        kind: str
        expression: str
        name: str = ""
        message: str = ""
        active: bool = True
        order: int = 0

    result = CompiledCriteria([Row("rf_fever", "red_flag", "fever")]).evaluate({"fever": True})
    assert result.red_flags == ["rf_fever"]


def test_a_bad_expression_names_its_criterion():
    with pytest.raises(ExpressionError) as raised:
        CompiledCriteria([spec("amps_p2_acr2016", "amps_pathway", "wpii >= 7")])
    assert raised.value.criterion == "amps_p2_acr2016"
    assert str(raised.value).startswith("Criterion amps_p2_acr2016: Unknown name 'wpii'")


@pytest.mark.parametrize(
    "criteria",
    [
        [spec("x", "warning", "fever")],
        [spec("x", "red_flag", "fever"), spec("x", "caveat", "rash")],
    ],
)
def test_an_unknown_kind_or_a_repeated_code_is_refused(criteria):
    with pytest.raises(ValueError, match="x"):
        CompiledCriteria(criteria)


def test_content_hash_is_stable_and_independent_of_order_and_wording():
    specs = [
        CriterionSpec(**{k: c[k] for k in ("code", "kind", "expression", "message")})
        for c in DEFAULT_CRITERIA
    ]
    assert content_hash(DEFAULT_CRITERIA) == content_hash(reversed(DEFAULT_CRITERIA))
    assert content_hash(DEFAULT_CRITERIA) == content_hash(specs)
    assert content_hash(DEFAULT_CRITERIA) == DEFAULT_SET.hash
    renamed = [{**c, "name": "other", "rationale": "", "order": 0} for c in DEFAULT_CRITERIA]
    assert content_hash(renamed) == DEFAULT_SET.hash
    assert len(DEFAULT_SET.hash) == 64


@pytest.mark.parametrize(
    "change",
    [
        {"expression": "morning_stiffness_minutes >= 45"},
        {"message": "Different"},
        {"kind": "caveat"},
        {"active": False},
    ],
)
def test_content_hash_changes_when_a_criterion_changes(change):
    changed = [
        {**c, **change} if c["code"] == "rf_morning_stiffness" else c for c in DEFAULT_CRITERIA
    ]
    assert content_hash(changed) != DEFAULT_SET.hash


# --- Properties over random valid intakes ---------------------------------------------------------

RED_FLAG_SETTINGS = [
    *[{field: True} for _, field in BARE_RED_FLAGS],
    {"morning_stiffness_minutes": 30},
    {"limp": True, "age_years": 3},
    {"non_weight_bearing": True},
    {"inflammatory_disease": "active"},
    {"esr_mm_hr": 21},
    {"crp_mg_l": 5.1},
    {"wbc_10e9_l": 3.9},
    {"platelets_10e9_l": 451},
    {"haemoglobin_g_dl": 9.9},
    {"blasts_on_film": True},
]
AMPS_SETTINGS = [
    {},
    diffuse(),
    {**P3, "pain_duration_weeks": 52},
    {"pain_out_of_proportion": True, **BUDAPEST_3_SYMPTOMS, **BUDAPEST_2_SIGNS},
]


@settings(max_examples=200, deadline=None)
@given(
    intake=valid_intakes(),
    red_flag=st.sampled_from(RED_FLAG_SETTINGS),
    amps=st.sampled_from(AMPS_SETTINGS),
)
def test_an_intake_with_a_red_flag_never_gets_consider_amps(intake, red_flag, amps):
    intake = {**intake, **amps, **red_flag}
    inputs, errors = validate_intake(intake)
    assert errors == []
    facts = derive(inputs)
    for trace in (True, False):
        result = DEFAULT_SET.evaluate(facts, trace=trace)
        assert result.outcome == Outcome.REFER
        assert result.red_flags


@settings(max_examples=200, deadline=None)
@given(valid_intakes())
def test_evaluating_with_or_without_trace_gives_the_same_suggestion(intake):
    inputs, errors = validate_intake(intake)
    assert errors == []
    facts = derive(inputs)
    full = DEFAULT_SET.evaluate(facts)
    quick = DEFAULT_SET.evaluate(facts, trace=False)
    codes = ("outcome", "red_flags", "pathways", "caveats", "caveat_messages")
    assert [getattr(quick, name) for name in codes] == [getattr(full, name) for name in codes]
    assert [entry["matched"] for entry in full.trace] == [
        entry["code"] in full.red_flags + full.pathways + full.caveats for entry in full.trace
    ]
    assert (full.outcome == Outcome.CONSIDER_AMPS) == (not full.red_flags and bool(full.pathways))
    if any(intake[name] is True for _, name in BARE_RED_FLAGS):
        assert full.outcome == Outcome.REFER
    assert explain(full).startswith("Suggestion: ")
    json.dumps(full.as_dict())


def test_the_valid_intake_helper_is_valid():
    assert validate_intake(valid_intake())[1] == []
