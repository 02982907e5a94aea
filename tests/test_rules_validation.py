"""Validation of a JSON intake: every rule of data-dictionary section 8."""

import json
from pathlib import Path

import pytest

from intake.rules.facts import DERIVED_FACTS, INPUT_FACTS, RED_FLAG_FIELDS
from intake.rules.validation import FieldError, validate_intake
from tests.rules_helpers import valid_intake

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures" / "examples" / "intakes.json"


def errors_of(data: object) -> list[tuple[str, str]]:
    facts, errors = validate_intake(data)
    assert (facts is None) == bool(errors), "a result is either facts or errors, never both"
    return [(error.field, error.code) for error in errors]


def only_error(**overrides: object) -> FieldError:
    facts, errors = validate_intake(valid_intake(**overrides))
    assert facts is None
    assert len(errors) == 1, errors
    return errors[0]


def test_a_complete_intake_is_valid_and_gives_exactly_the_input_facts():
    facts, errors = validate_intake(valid_intake())
    assert errors == []
    assert list(facts) == list(INPUT_FACTS)


@pytest.mark.parametrize("example", json.loads(EXAMPLES.read_text()), ids=lambda x: x["id"])
def test_every_shared_example_intake_is_valid(example):
    facts, errors = validate_intake(example)
    assert errors == []
    assert "id" not in facts and "clinical_notes" not in facts


def test_omitted_nullables_become_null():
    intake = valid_intake()
    for name in ("temperature_difference_c", "fdi_score", "ldh_raised", "haemoglobin_g_dl"):
        del intake[name]
    facts, errors = validate_intake(intake)
    assert errors == []
    assert facts["temperature_difference_c"] is None
    assert facts["fdi_score"] is None
    assert facts["ldh_raised"] is None
    assert facts["haemoglobin_g_dl"] is None


def test_decimals_are_normalised_to_float_and_codes_to_a_list():
    facts, errors = validate_intake(valid_intake(crp_mg_l=3, pain_sites=("neck", "chest")))
    assert errors == []
    assert facts["crp_mg_l"] == 3.0 and type(facts["crp_mg_l"]) is float
    assert facts["pain_sites"] == ["neck", "chest"]


def test_id_and_clinical_notes_are_allowed_but_never_facts():
    facts, errors = validate_intake(valid_intake(id="V99", clinical_notes="Seen with mother."))
    assert errors == []
    assert "id" not in facts and "clinical_notes" not in facts


@pytest.mark.parametrize(
    "name",
    [name for name, fact in INPUT_FACTS.items() if not fact.nullable and fact.default is None],
)
def test_every_non_nullable_field_is_required(name):
    intake = valid_intake()
    del intake[name]
    assert errors_of(intake) == [(name, "required")]


def test_an_intake_without_a_visit_type_is_an_initial_visit():
    intake = valid_intake(visit_type="follow_up")
    assert validate_intake(intake)[0]["visit_type"] == "follow_up"
    del intake["visit_type"]
    facts, errors = validate_intake(intake)
    assert errors == [] and facts["visit_type"] == "initial"


def test_a_visit_type_outside_its_codes_is_refused():
    assert only_error(visit_type="second").code == "choice"


@pytest.mark.parametrize("name", ["fever", "allodynia_observed", "sex", "pain_sites"])
def test_null_is_not_an_answer_for_a_required_field(name):
    assert only_error(**{name: None}).code == "required"


def test_a_red_flag_left_unanswered_is_not_a_no():
    error = only_error(fever=None)
    assert error.field == "fever"
    assert "not asked is not a 'no'" in error.message
    assert all(name in INPUT_FACTS for name in RED_FLAG_FIELDS)


@pytest.mark.parametrize("name", ["wpi", "sss", "core_labs_done", "pian_sites", "mrn"])
def test_unknown_keys_are_refused_including_derived_facts(name):
    error = only_error(**{name: 1})
    assert (error.field, error.code) == (name, "unknown")


def test_a_derived_fact_is_explained_as_worked_out():
    assert "worked out" in only_error(wpi=11).message
    assert set(DERIVED_FACTS) >= {"wpi"}


def test_a_misspelt_key_suggests_the_field():
    assert "did you mean 'pain_sites'" in only_error(pain_site=["neck"]).message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fever", 1),
        ("fever", 0),
        ("fever", "true"),
        ("ldh_raised", "yes"),
        ("fatigue", True),
        ("fatigue", 2.0),
        ("fatigue", "2"),
        ("pain_duration_weeks", 13.5),
        ("platelets_10e9_l", 250.0),
        ("crp_mg_l", True),
        ("crp_mg_l", "5"),
        ("crp_mg_l", float("nan")),
        ("crp_mg_l", float("inf")),
        ("sex", 1),
        ("pain_sites", "neck"),
        ("pain_sites", [1]),
        ("triggers", {"none": True}),
    ],
)
def test_wrong_types_are_refused(name, value):
    error = only_error(**{name: value})
    assert (error.field, error.code) == (name, "type")


def test_an_int_field_names_the_range_and_the_bad_value():
    error = only_error(fatigue=2.0)
    assert error.message == "must be a whole number from 0 to 3, not 2.0"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("age_years", -1),
        ("age_years", 22),
        ("pain_duration_weeks", 1041),
        ("fatigue", 4),
        ("morning_stiffness_minutes", 1441),
        ("haemoglobin_g_dl", 25.1),
        ("crp_mg_l", -0.1),
        ("platelets_10e9_l", 5001),
        ("esr_mm_hr", 201),
        ("temperature_difference_c", 10.5),
        ("school_days_missed_4wk", 21),
        ("fdi_score", 61),
        ("pain_now", 11),
    ],
)
def test_values_outside_their_range_are_refused(name, value):
    overrides = {name: value}
    if name == "pain_now":
        overrides["pain_worst"] = 10
    error = only_error(**overrides)
    assert (error.field, error.code) == (name, "range")


@pytest.mark.parametrize(
    ("name", "value"), [("age_years", 0), ("age_years", 21), ("fdi_score", 60), ("crp_mg_l", 500)]
)
def test_range_ends_are_allowed(name, value):
    assert errors_of(valid_intake(**{name: value})) == []


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("sex", "f"),
        ("inflammatory_disease", "activ"),
        ("pain_scale", "vas"),
        ("pain_sites", ["nek"]),
        ("triggers", ["stress"]),
    ],
)
def test_unknown_codes_are_refused(name, value):
    error = only_error(**{name: value})
    assert (error.field, error.code) == (name, "choice")


def test_an_unknown_code_suggests_the_close_one_and_lists_short_code_lists():
    message = only_error(inflammatory_disease="activ").message
    assert "did you mean 'active'" in message
    assert "none, in_remission, active" in message


def test_a_repeated_code_is_refused():
    error = only_error(pain_sites=["neck", "chest", "neck"])
    assert (error.field, error.code) == ("pain_sites", "duplicate")
    assert "'neck'" in error.message


@pytest.mark.parametrize("name", ["pain_sites", "triggers"])
def test_codes_fields_need_at_least_one_code(name):
    assert (only_error(**{name: []}).code) == "required"


def test_none_trigger_must_stand_alone():
    error = only_error(triggers=["none", "injury"])
    assert (error.field, error.code) == ("triggers", "trigger_none_alone")


@pytest.mark.parametrize("score", [0, 2, 4, 6, 8, 10])
def test_fps_r_accepts_its_six_scores(score):
    assert errors_of(valid_intake(pain_scale="fps_r", pain_now=score, pain_worst=10)) == []


@pytest.mark.parametrize("score", [1, 3, 5, 7, 9])
def test_fps_r_refuses_odd_scores(score):
    error = only_error(pain_scale="fps_r", pain_now=0, pain_worst=score)
    assert (error.field, error.code) == ("pain_worst", "fps_r")


@pytest.mark.parametrize("scale", ["nrs", "fps_r"])
@pytest.mark.parametrize("name", ["pain_now", "pain_worst"])
def test_scores_are_required_with_a_scale(scale, name):
    intake = valid_intake(pain_scale=scale, pain_now=2, pain_worst=4)
    del intake[name]
    assert errors_of(intake) == [(name, "required")]


def test_not_assessable_accepts_omitted_or_null_scores():
    intake = valid_intake(pain_scale="not_assessable", pain_now=None)
    del intake["pain_worst"]
    facts, errors = validate_intake(intake)
    assert errors == []
    assert facts["pain_now"] is None and facts["pain_worst"] is None


def test_not_assessable_refuses_scores():
    assert errors_of(valid_intake(pain_scale="not_assessable", pain_now=3, pain_worst=5)) == [
        ("pain_now", "not_assessable_scores"),
        ("pain_worst", "not_assessable_scores"),
    ]


def test_worst_pain_below_pain_now_is_refused():
    error = only_error(pain_now=6, pain_worst=5)
    assert (error.field, error.code) == ("pain_worst", "worst_below_now")
    assert errors_of(valid_intake(pain_now=5, pain_worst=5)) == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"clinical_notes": "x" * 5001}, "too_long"),
        ({"clinical_notes": 5}, "type"),
        ({"id": 17}, "type"),
    ],
)
def test_id_and_notes_have_their_own_rules(overrides, code):
    assert only_error(**overrides).code == code


def test_notes_of_5000_characters_are_allowed():
    assert errors_of(valid_intake(clinical_notes="x" * 5000)) == []


def test_every_error_is_reported_at_once():
    intake = valid_intake(
        wpi=11, fever=1, fatigue=7, sex="f", triggers=["none", "injury"], pain_now=8, pain_worst=3
    )
    del intake["rash"]
    assert sorted(errors_of(intake)) == sorted(
        [
            ("wpi", "unknown"),
            ("fever", "type"),
            ("fatigue", "range"),
            ("sex", "choice"),
            ("triggers", "trigger_none_alone"),
            ("pain_worst", "worst_below_now"),
            ("rash", "required"),
        ]
    )


@pytest.mark.parametrize("data", [[], "intake", None, 3, [valid_intake()]])
def test_anything_but_an_object_is_one_error_about_the_whole_intake(data):
    assert errors_of(data) == [("", "type")]


def test_a_field_error_reads_as_field_then_message():
    assert str(only_error(fatigue=4)) == "fatigue: must be a whole number from 0 to 3, not 4"


# --- §5a: red-flag details ----------------------------------------------------------------------

DETAIL_VALUES = {
    "non_weight_bearing_days": ("non_weight_bearing", 3),
    "joint_swelling_weeks": ("joint_swelling_observed", 2),
    "fever_days": ("fever", 6),
    "highest_temperature_c": ("fever", 39.4),
    "kawasaki_features": ("fever", ["oral_changes"]),
    "petechiae_or_purpura": ("rash", True),
    "hepatosplenomegaly": ("lymphadenopathy_or_organomegaly", False),
    "sphincter_or_saddle_signs": ("neurological_deficit", True),
    "bulbar_or_respiratory_weakness": ("proximal_weakness", False),
    "dark_urine": ("proximal_weakness", True),
}


def test_an_intake_without_any_detail_is_valid_and_every_detail_is_null():
    intake = valid_intake(fever=True, non_weight_bearing=True)
    for name in DETAIL_VALUES:
        intake.pop(name, None)
    inputs, errors = validate_intake(intake)
    assert errors == []
    assert all(inputs[name] is None for name in DETAIL_VALUES)


@pytest.mark.parametrize(("name", "flag_and_value"), DETAIL_VALUES.items())
def test_a_detail_is_kept_while_its_red_flag_is_yes(name, flag_and_value):
    flag, value = flag_and_value
    inputs, errors = validate_intake(valid_intake(**{flag: True, name: value}))
    assert errors == []
    assert inputs[name] == value


@pytest.mark.parametrize(("name", "flag_and_value"), DETAIL_VALUES.items())
def test_a_detail_given_while_its_red_flag_is_no_is_an_error_naming_it(name, flag_and_value):
    flag, value = flag_and_value
    _, errors = validate_intake(valid_intake(**{flag: False, name: value}))
    assert [(e.field, e.code) for e in errors] == [(name, "detail_not_asked")]
    assert flag in errors[0].message


def test_petechiae_is_asked_by_either_the_rash_or_the_bruising_red_flag():
    for flag in ("rash", "bruising_pallor_or_bleeding"):
        _, errors = validate_intake(valid_intake(**{flag: True, "petechiae_or_purpura": True}))
        assert errors == []


@pytest.mark.parametrize(
    ("name", "value", "code"),
    [
        ("non_weight_bearing_days", -1, "range"),
        ("non_weight_bearing_days", 3651, "range"),
        ("non_weight_bearing_days", 2.5, "type"),
        ("joint_swelling_weeks", 1041, "range"),
        ("fever_days", 0, "range"),
        ("fever_days", 366, "range"),
        ("highest_temperature_c", 37.9, "range"),
        ("highest_temperature_c", 43.1, "range"),
        ("highest_temperature_c", 39.25, "decimals"),
        ("highest_temperature_c", "39", "type"),
        ("kawasaki_features", [], "required"),
        ("kawasaki_features", ["strawberry"], "choice"),
        ("kawasaki_features", ["none", "oral_changes"], "kawasaki_none_alone"),
        ("kawasaki_features", ["oral_changes", "oral_changes"], "duplicate"),
        ("dark_urine", "yes", "type"),
    ],
)
def test_a_bad_detail_is_an_error_naming_the_field(name, value, code):
    flag = {
        "non_weight_bearing_days": "non_weight_bearing",
        "joint_swelling_weeks": "joint_swelling_observed",
        "dark_urine": "proximal_weakness",
    }.get(name, "fever")
    _, errors = validate_intake(valid_intake(**{flag: True, name: value}))
    assert [(e.field, e.code) for e in errors] == [(name, code)]


def test_the_temperature_bounds_and_one_decimal_are_valid():
    for value in (38.0, 43.0, 38.6, 40):
        _, errors = validate_intake(valid_intake(fever=True, highest_temperature_c=value))
        assert errors == [], value
