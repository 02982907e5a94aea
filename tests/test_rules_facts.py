"""The fact registry matches the data dictionary, and each derived fact is worked out right."""

import pytest

from intake.rules.facts import (
    BUDAPEST_CATEGORIES,
    DERIVED_FACTS,
    FACTS,
    FUNCTION_FIELDS,
    INPUT_FACTS,
    LAB_FIELDS,
    PAIN_SITE_CODES,
    PAIN_SITES,
    RED_FLAG_DETAIL_FIELDS,
    RED_FLAG_DETAILS,
    RED_FLAG_FIELDS,
    SECTIONS,
    SSS_ITEMS,
    TRIGGER_CODES,
    derive,
)
from tests.rules_helpers import facts_for, valid_intake

SEX = ("female", "male", "other", "unknown")
SCALES = ("nrs", "fps_r", "not_assessable")
DISEASE = ("none", "in_remission", "active")
KAWASAKI = (
    "conjunctival_injection",
    "oral_changes",
    "polymorphous_rash",
    "extremity_changes",
    "cervical_node",
    "none",
)
BUDAPEST_BOOLS = (
    "allodynia_reported allodynia_observed hyperalgesia_observed temperature_asymmetry_reported "
    "skin_colour_change_reported temperature_asymmetry_observed skin_colour_change_observed "
    "oedema_reported sweating_change_reported oedema_observed sweating_change_observed "
    "reduced_motion_reported motor_dysfunction_reported trophic_changes_reported "
    "reduced_motion_observed motor_dysfunction_observed trophic_changes_observed"
).split()
RED_FLAG_BOOLS = (
    "joint_swelling_observed fever rash weight_loss night_pain night_sweats focal_bone_tenderness "
    "lymphadenopathy_or_organomegaly bruising_pallor_or_bleeding limp non_weight_bearing "
    "restricted_hip_rotation proximal_weakness gi_symptoms oral_ulcers_or_photosensitivity "
    "red_eye enthesitis neurological_deficit immunocompromised safeguarding_concern"
).split()

# (name, type, nullable, minimum, maximum, choices): data-dictionary sections 1-7.
DICTIONARY = [
    ("age_years", "int", False, 0, 21, ()),
    ("sex", "choice", False, None, None, SEX),
    ("visit_type", "choice", False, None, None, ("initial", "follow_up", "recurrence")),
    ("pain_sites", "codes", False, 1, None, PAIN_SITE_CODES),
    ("pain_duration_weeks", "int", False, 0, 1040, ()),
    ("pain_pattern", "choice", False, None, None, ("constant", "intermittent")),
    ("pain_scale", "choice", False, None, None, SCALES),
    ("pain_now", "int", True, 0, 10, ()),
    ("pain_worst", "int", True, 0, 10, ()),
    ("pain_out_of_proportion", "bool", False, None, None, ()),
    ("triggers", "codes", False, 1, None, TRIGGER_CODES),
    *[(name, "bool", False, None, None, ()) for name in BUDAPEST_BOOLS],
    ("temperature_difference_c", "decimal", True, 0, 10, ()),
    ("fatigue", "int", False, 0, 3, ()),
    ("waking_unrefreshed", "int", False, 0, 3, ()),
    ("cognitive_symptoms", "int", False, 0, 3, ()),
    *[
        (name, "bool", False, None, None, ())
        for name in (
            "headache_6mo",
            "lower_abdominal_pain_6mo",
            "depression_6mo",
            "sleep_disturbance",
            "anxiety",
        )
    ],
    *[(name, "bool", False, None, None, ()) for name in RED_FLAG_BOOLS],
    ("morning_stiffness_minutes", "int", False, 0, 1440, ()),
    ("inflammatory_disease", "choice", False, None, None, DISEASE),
    # 5a. Red-flag details: every one nullable (null = not asked)
    ("non_weight_bearing_days", "int", True, 0, 3650, ()),
    ("joint_swelling_weeks", "int", True, 0, 1040, ()),
    ("fever_days", "int", True, 1, 365, ()),
    ("highest_temperature_c", "decimal", True, 38.0, 43.0, ()),
    ("kawasaki_features", "codes", True, 1, None, KAWASAKI),
    ("petechiae_or_purpura", "bool", True, None, None, ()),
    ("hepatosplenomegaly", "bool", True, None, None, ()),
    ("sphincter_or_saddle_signs", "bool", True, None, None, ()),
    ("bulbar_or_respiratory_weakness", "bool", True, None, None, ()),
    ("dark_urine", "bool", True, None, None, ()),
    ("haemoglobin_g_dl", "decimal", True, 0, 25, ()),
    ("wbc_10e9_l", "decimal", True, 0, 500, ()),
    ("neutrophils_10e9_l", "decimal", True, 0, 100, ()),
    ("platelets_10e9_l", "int", True, 0, 5000, ()),
    ("esr_mm_hr", "int", True, 0, 200, ()),
    ("crp_mg_l", "decimal", True, 0, 500, ()),
    ("ldh_raised", "bool", True, None, None, ()),
    ("blasts_on_film", "bool", True, None, None, ()),
    ("ck_raised", "bool", True, None, None, ()),
    ("school_days_missed_4wk", "int", False, 0, 20, ()),
    ("fdi_score", "int", True, 0, 60, ()),
    ("mobility_aid", "bool", False, None, None, ()),
]


@pytest.mark.parametrize(("name", "type_", "nullable", "low", "high", "choices"), DICTIONARY)
def test_every_dictionary_field_is_an_input_fact_with_its_rules(
    name, type_, nullable, low, high, choices
):
    fact = INPUT_FACTS[name]
    assert (fact.type, fact.nullable, fact.minimum, fact.maximum, fact.choices) == (
        type_,
        nullable,
        low,
        high,
        choices,
    )
    assert fact.label and fact.section and fact.description
    assert not fact.derived


def test_the_registry_holds_exactly_the_dictionary_fields():
    assert len(INPUT_FACTS) == len(DICTIONARY) == 81
    assert {row[0] for row in DICTIONARY} == set(INPUT_FACTS)


def test_input_facts_follow_the_dictionary_order_by_section():
    assert list(SECTIONS) == [
        "Patient",
        "Pain",
        "Budapest grid",
        "Symptom severity",
        "Red flags",
        "Red-flag details",
        "Laboratory",
        "Function",
    ]
    assert list(INPUT_FACTS)[:11] == [
        "age_years",
        "sex",
        "visit_type",
        "pain_sites",
        "pain_duration_weeks",
        "pain_pattern",
        "pain_scale",
        "pain_now",
        "pain_worst",
        "pain_out_of_proportion",
        "triggers",
    ]
    assert list(INPUT_FACTS) == [name for names in SECTIONS.values() for name in names]


@pytest.mark.parametrize(
    "name",
    [
        "mrn",
        "given_name",
        "family_name",
        "date_of_birth",
        "intake_date",
        "clinical_notes",
        "id",
    ],
)
def test_identifying_fields_and_notes_are_never_facts(name):
    assert name not in FACTS


def test_section_tuples_hold_their_dictionary_fields_in_order():
    assert RED_FLAG_FIELDS[:4] == (
        "joint_swelling_observed",
        "fever",
        "rash",
        "morning_stiffness_minutes",
    )
    assert len(RED_FLAG_FIELDS) == 22
    assert "inflammatory_disease" in RED_FLAG_FIELDS
    assert RED_FLAG_FIELDS[-1] == "safeguarding_concern"
    assert LAB_FIELDS == (
        "haemoglobin_g_dl",
        "wbc_10e9_l",
        "neutrophils_10e9_l",
        "platelets_10e9_l",
        "esr_mm_hr",
        "crp_mg_l",
        "ldh_raised",
        "blasts_on_film",
        "ck_raised",
    )
    assert FUNCTION_FIELDS == ("school_days_missed_4wk", "fdi_score", "mobility_aid")
    assert SSS_ITEMS == (
        "fatigue",
        "waking_unrefreshed",
        "cognitive_symptoms",
        "headache_6mo",
        "lower_abdominal_pain_6mo",
        "depression_6mo",
    )


# --- Pain sites ---------------------------------------------------------------------------------

SITE_TABLE = [
    ("jaw_left", True, None),
    ("jaw_right", True, None),
    ("shoulder_girdle_left", True, "left_upper"),
    ("upper_arm_left", True, "left_upper"),
    ("lower_arm_left", True, "left_upper"),
    ("shoulder_girdle_right", True, "right_upper"),
    ("upper_arm_right", True, "right_upper"),
    ("lower_arm_right", True, "right_upper"),
    ("hip_left", True, "left_lower"),
    ("upper_leg_left", True, "left_lower"),
    ("lower_leg_left", True, "left_lower"),
    ("hip_right", True, "right_lower"),
    ("upper_leg_right", True, "right_lower"),
    ("lower_leg_right", True, "right_lower"),
    ("neck", True, "axial"),
    ("upper_back", True, "axial"),
    ("lower_back", True, "axial"),
    ("chest", True, None),
    ("abdomen", True, None),
    ("hand_wrist_left", False, None),
    ("hand_wrist_right", False, None),
    ("knee_left", False, None),
    ("knee_right", False, None),
    ("ankle_foot_left", False, None),
    ("ankle_foot_right", False, None),
]


def test_the_25_sites_are_in_dictionary_order_with_wpi_and_region():
    assert [(site.code, site.wpi, site.region) for site in PAIN_SITES] == SITE_TABLE
    assert PAIN_SITE_CODES == tuple(row[0] for row in SITE_TABLE)
    assert all(site.label for site in PAIN_SITES)
    assert PAIN_SITES[2].label == "Shoulder girdle, left"


def test_the_first_19_sites_are_exactly_the_wpi_areas():
    assert [site.wpi for site in PAIN_SITES] == [True] * 19 + [False] * 6


def test_triggers_are_the_dictionary_codes_in_order():
    assert TRIGGER_CODES == (
        "injury",
        "fracture",
        "surgery",
        "immobilisation",
        "illness",
        "psychological_stress",
        "other",
        "none",
    )


def test_budapest_categories_group_the_grid_fields():
    assert [category.code for category in BUDAPEST_CATEGORIES] == [
        "sensory",
        "vasomotor",
        "sudomotor_oedema",
        "motor_trophic",
    ]
    grouped = [name for c in BUDAPEST_CATEGORIES for name in c.reported + c.observed]
    assert sorted(grouped) == sorted(BUDAPEST_BOOLS)
    assert all(name.endswith("_reported") for c in BUDAPEST_CATEGORIES for name in c.reported)
    assert BUDAPEST_CATEGORIES[0].observed == ("allodynia_observed", "hyperalgesia_observed")


# --- Derived facts ------------------------------------------------------------------------------


def test_the_derived_facts_are_registered_as_derived():
    assert list(DERIVED_FACTS) == [
        "wpi",
        "generalized_pain_regions",
        "pain_site_count",
        "budapest_symptom_categories",
        "budapest_sign_categories",
        "sss",
        "core_labs_done",
        "kocher_predictors",
        "pain_laterality",
        "cytopenia_lines",
        "kawasaki_feature_count",
    ]
    assert all(fact.derived and fact.section == "Derived" for fact in DERIVED_FACTS.values())
    assert DERIVED_FACTS["wpi"].maximum == 19
    assert DERIVED_FACTS["core_labs_done"].type == "bool"
    assert set(FACTS) == set(INPUT_FACTS) | set(DERIVED_FACTS)


@pytest.mark.parametrize(
    ("sites", "wpi", "regions", "count"),
    [
        (["knee_left"], 0, 0, 1),
        (["jaw_left", "jaw_right", "chest", "abdomen"], 4, 0, 4),
        (["shoulder_girdle_left", "upper_arm_left", "lower_arm_left"], 3, 1, 3),
        (["neck", "hip_right", "upper_arm_right", "lower_leg_left", "knee_right"], 4, 4, 5),
        (["neck", "hip_right", "upper_arm_right", "lower_leg_left", "lower_arm_left"], 5, 5, 5),
        (list(PAIN_SITE_CODES), 19, 5, 25),
        (["hand_wrist_left", "ankle_foot_right", "knee_left"], 0, 0, 3),
    ],
)
def test_wpi_regions_and_site_count_come_from_the_ticked_sites(sites, wpi, regions, count):
    facts = facts_for(pain_sites=sites)
    assert facts["wpi"] == wpi
    assert facts["generalized_pain_regions"] == regions
    assert facts["pain_site_count"] == count


@pytest.mark.parametrize(
    ("ticked", "symptoms", "signs"),
    [
        ([], 0, 0),
        (["allodynia_reported"], 1, 0),
        (["allodynia_observed", "hyperalgesia_observed"], 0, 1),
        (["temperature_asymmetry_reported", "skin_colour_change_reported"], 1, 0),
        (["oedema_reported", "trophic_changes_reported", "allodynia_reported"], 3, 0),
        (["oedema_observed", "sweating_change_observed", "motor_dysfunction_observed"], 0, 2),
        (BUDAPEST_BOOLS, 4, 4),
    ],
)
def test_budapest_categories_count_categories_with_a_yes(ticked, symptoms, signs):
    facts = facts_for(**dict.fromkeys(ticked, True))
    assert facts["budapest_symptom_categories"] == symptoms
    assert facts["budapest_sign_categories"] == signs


@pytest.mark.parametrize(
    ("overrides", "sss"),
    [
        ({}, 0),
        ({"fatigue": 3, "waking_unrefreshed": 3, "cognitive_symptoms": 3}, 9),
        ({"headache_6mo": True, "lower_abdominal_pain_6mo": True, "depression_6mo": True}, 3),
        (
            {
                "fatigue": 3,
                "waking_unrefreshed": 3,
                "cognitive_symptoms": 3,
                "headache_6mo": True,
                "lower_abdominal_pain_6mo": True,
                "depression_6mo": True,
            },
            12,
        ),
        ({"fatigue": 1, "sleep_disturbance": True, "anxiety": True}, 1),
    ],
)
def test_sss_adds_the_three_scores_and_a_point_per_six_month_item(overrides, sss):
    assert facts_for(**overrides)["sss"] == sss


@pytest.mark.parametrize(
    ("missing", "done"),
    [
        ((), True),
        (("haemoglobin_g_dl",), False),
        (("wbc_10e9_l",), False),
        (("platelets_10e9_l",), False),
        (("esr_mm_hr",), False),
        (("crp_mg_l",), False),
        (("neutrophils_10e9_l", "ldh_raised", "blasts_on_film", "ck_raised"), True),
    ],
)
def test_core_labs_done_needs_fbc_esr_and_crp_only(missing, done):
    assert facts_for(**dict.fromkeys(missing))["core_labs_done"] is done


def test_derive_returns_a_new_dict_with_the_inputs_and_every_derived_fact():
    inputs = valid_intake()
    facts = derive(inputs)
    assert facts is not inputs
    assert "wpi" not in inputs
    assert set(facts) == set(inputs) | set(DERIVED_FACTS)
    assert {name: facts[name] for name in inputs} == inputs


def test_a_missing_input_makes_its_derived_fact_null_not_zero():
    facts = derive({})
    assert facts["wpi"] is None
    assert facts["generalized_pain_regions"] is None
    assert facts["sss"] is None
    assert facts["budapest_sign_categories"] is None
    assert facts["core_labs_done"] is False


# --- §5a: red-flag details and the facts derived from them ---------------------------------------


def test_each_detail_is_asked_by_its_red_flags_and_sits_under_the_first():
    assert {name: INPUT_FACTS[name].asked_when for name in RED_FLAG_DETAIL_FIELDS} == {
        "non_weight_bearing_days": ("non_weight_bearing",),
        "joint_swelling_weeks": ("joint_swelling_observed",),
        "fever_days": ("fever",),
        "highest_temperature_c": ("fever",),
        "kawasaki_features": ("fever",),
        "petechiae_or_purpura": ("rash", "bruising_pallor_or_bleeding"),
        "hepatosplenomegaly": ("lymphadenopathy_or_organomegaly",),
        "sphincter_or_saddle_signs": ("neurological_deficit",),
        "bulbar_or_respiratory_weakness": ("proximal_weakness",),
        "dark_urine": ("proximal_weakness",),
    }
    assert RED_FLAG_DETAILS["fever"] == ("fever_days", "highest_temperature_c", "kawasaki_features")
    assert RED_FLAG_DETAILS["rash"] == ("petechiae_or_purpura",)
    assert "bruising_pallor_or_bleeding" not in RED_FLAG_DETAILS
    assert INPUT_FACTS["highest_temperature_c"].decimal_places == 1


@pytest.mark.parametrize(
    ("overrides", "predictors"),
    [
        ({}, 0),
        ({"non_weight_bearing": True}, 1),
        # Fever with no temperature measured counts as over 38.5 °C: the safe direction.
        ({"fever": True}, 1),
        ({"fever": True, "highest_temperature_c": 38.5}, 0),
        ({"fever": True, "highest_temperature_c": 38.6}, 1),
        ({"esr_mm_hr": 41}, 1),
        ({"esr_mm_hr": 40}, 0),
        ({"wbc_10e9_l": 12.1}, 1),
        ({"wbc_10e9_l": 12.0}, 0),
        # A lab not done counts as absent.
        ({"esr_mm_hr": None, "wbc_10e9_l": None}, 0),
        (
            {
                "non_weight_bearing": True,
                "fever": True,
                "highest_temperature_c": 39.0,
                "esr_mm_hr": 55,
                "wbc_10e9_l": 15.0,
            },
            4,
        ),
    ],
)
def test_kocher_predictors_counts_the_four_predictors(overrides, predictors):
    assert facts_for(**overrides)["kocher_predictors"] == predictors


@pytest.mark.parametrize(
    ("sites", "laterality"),
    [
        (["knee_left"], "left"),
        (["knee_left", "hip_left", "lower_back"], "left"),
        (["ankle_foot_right"], "right"),
        (["knee_left", "knee_right"], "both"),
        (["jaw_left", "hand_wrist_right"], "both"),
        (["lower_back"], "midline"),
        (["neck", "upper_back", "lower_back", "chest", "abdomen"], "midline"),
    ],
)
def test_pain_laterality_reads_the_sided_sites(sites, laterality):
    assert facts_for(pain_sites=sites)["pain_laterality"] == laterality


@pytest.mark.parametrize(
    ("overrides", "lines"),
    [
        ({}, 0),
        ({"haemoglobin_g_dl": 9.9}, 1),
        # A low WBC with low neutrophils is one line (white cells).
        ({"wbc_10e9_l": 3.0, "neutrophils_10e9_l": 0.4}, 1),
        ({"neutrophils_10e9_l": 1.4}, 1),
        ({"platelets_10e9_l": 149}, 1),
        ({"haemoglobin_g_dl": 9.0, "platelets_10e9_l": 90}, 2),
        ({"haemoglobin_g_dl": 9.0, "wbc_10e9_l": 2.0, "platelets_10e9_l": 90}, 3),
        ({"haemoglobin_g_dl": None, "wbc_10e9_l": None, "platelets_10e9_l": None}, 0),
    ],
)
def test_cytopenia_lines_counts_cell_lines_not_values(overrides, lines):
    assert facts_for(**overrides)["cytopenia_lines"] == lines


def test_kawasaki_feature_count_ignores_none_and_is_null_when_not_asked():
    assert facts_for()["kawasaki_feature_count"] is None
    assert facts_for(fever=True, kawasaki_features=["none"])["kawasaki_feature_count"] == 0
    assert (
        facts_for(fever=True, kawasaki_features=["oral_changes", "cervical_node"])[
            "kawasaki_feature_count"
        ]
        == 2
    )
