"""The criteria language: what it refuses (with a useful message and column), what it accepts,
how null behaves, and what a trace holds."""

import json

import pytest
from hypothesis import given, settings

from intake.rules.defaults import DEFAULT_CRITERIA
from intake.rules.facts import derive
from intake.rules.language import (
    CompiledExpression,
    ExpressionError,
    check_expression,
    compile_expression,
)
from tests.rules_helpers import facts_for, valid_intakes


def only_problem(text: str) -> ExpressionError:
    errors = check_expression(text)
    assert len(errors) == 1, [str(error) for error in errors]
    return errors[0]


def holds(text: str, facts: dict) -> bool:
    compiled = compile_expression(text)
    result, _ = compiled.trace(facts)
    assert result == compiled.evaluate(facts)
    return result


# --- What the language refuses ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code", "column", "words"),
    [
        ("max(wpi, 7) >= 7", "not_allowed", 1, "no functions"),
        ('__import__("os")', "not_allowed", 1, "no functions"),
        ("fever.real", "not_allowed", 6, "names have no parts"),
        ('pain_sites[0] == "neck"', "not_allowed", 11, '"neck" in pain_sites'),
        ("lambda x: x", "not_allowed", 1, "not part of the criteria language"),
        ("[s for s in pain_sites]", "not_allowed", 4, "not part of the criteria language"),
        ("wpi + sss >= 12", "not_allowed", 5, "no arithmetic"),
        ("wpi * 2 >= 12", "not_allowed", 5, "no arithmetic"),
        ("wpi - 1 >= 6", "not_allowed", 5, "no arithmetic"),
        ("wpi = 7", "syntax", 5, "write =="),
        ("fever && rash", "syntax", 7, "write and"),
        ("fever || rash", "syntax", 7, "write or"),
        ("!fever", "syntax", 1, "write not"),
        ("fever == True", "not_allowed", 10, "write true"),
        ("ldh_raised is None", "not_allowed", 15, "write null"),
        ("inflammatory_disease == 'active'", "not_allowed", 25, "double quotes"),
        ("fever AND rash", "syntax", 7, "lower case"),
        ("wpi >= 7 if fever else sss >= 5", "not_allowed", 10, "not part"),
        ("wpi >= 7 # comment", "syntax", 10, "cannot be used"),
        ("wpi >= 1e3", "syntax", 8, "not a number"),
        ("(wpi >= 7", "syntax", 1, "add the matching )"),
        ("wpi >= 7)", "syntax", 9, "no matching"),
        ("wpi >= 7 sss >= 5", "syntax", 10, "and / or"),
        ("wpi >=", "syntax", 7, "ends too early"),
        ("fever and", "syntax", 10, "ends too early"),
        ("fever and and rash", "syntax", 11, "a fact or a value"),
        ("wpi is 7", "syntax", 5, "is null"),
        ('inflammatory_disease == "active', "syntax", 25, "never closed"),
        ("inflammatory_disease in [1, 2]", "syntax", 26, "codes in double quotes"),
    ],
)
def test_outside_the_language_is_refused_with_its_column(text, code, column, words):
    error = only_problem(text)
    assert (error.code, error.position) == (code, column), str(error)
    assert words in str(error)
    assert f"at column {column}" in str(error)


@pytest.mark.parametrize("text", ["", "   ", "\n"])
def test_an_empty_expression_is_an_error(text):
    error = only_problem(text)
    assert error.code == "empty"
    assert error.position is None


def test_deep_nesting_is_refused_not_crashed():
    text = "(" * 200 + "fever" + ")" * 200
    assert only_problem(text).code == "syntax"
    assert only_problem("not " * 100 + "fever").code == "syntax"


def test_an_unknown_name_suggests_the_close_fact():
    error = only_problem("wpii >= 7")
    assert (error.code, error.position) == ("unknown_name", 1)
    assert str(error) == "Unknown name 'wpii' at column 1: did you mean 'wpi'?"


def test_a_name_in_capitals_is_pointed_to_its_lower_case_fact():
    assert "lower case: wpi" in str(only_problem("WPI >= 7"))


def test_every_unknown_name_is_reported_with_its_column():
    errors = check_expression("foo and wpi >= 7 and bar > 3")
    assert [(error.code, error.position) for error in errors] == [
        ("unknown_name", 1),
        ("unknown_name", 22),
    ]


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ('wpi >= "seven"', 8, "compare it with a number"),
        ("wpi and sss >= 5", 1, "wpi is a number: compare it"),
        ("inflammatory_disease", 1, "is a choice"),
        ("pain_sites", 1, "is a list of codes"),
        ("fever == 1", 10, "fever is yes or no"),
        ("fever > 0", 7, "fever is yes or no"),
        ('inflammatory_disease > "none"', 22, "is a choice"),
        ('pain_sites == "neck"', 15, '"jaw_left" in pain_sites'),
        ("wpi == fever", 8, "wpi is a number and fever is yes or no"),
        ("wpi == null", 8, "is null"),
        ("null == wpi", 1, "is null"),
        ("7 < 8", 1, "needs a fact"),
        ("wpi in pain_sites", 1, "in double quotes before in"),
        ('"neck" in wpi', 11, "a list of codes on its right"),
        ('wpi in ["a"]', 1, "wpi is a number"),
        ("inflammatory_disease in []", 25, "at least one code"),
        ('"active" in ["active"]', 1, "put a choice fact before in"),
        ("true", 1, "not a condition"),
        ("(fever or rash) == true", 2, "condition inside a comparison"),
        ('wpi >= ["a"]', 8, "a list follows in"),
        ("7 is null", 1, "tests a fact"),
    ],
)
def test_type_errors_are_explained_for_a_clinician(text, column, words):
    error = only_problem(text)
    assert (error.code, error.position) == ("type", column), str(error)
    assert words in str(error)


@pytest.mark.parametrize(
    ("text", "column", "words"),
    [
        ('inflammatory_disease == "activ"', 25, 'did you mean "active"'),
        ('inflammatory_disease == "activ"', 25, "codes are none, in_remission, active"),
        ('"nek" in pain_sites', 1, 'did you mean "neck"'),
        ('sex in ["female", "f"]', 19, "female, male, other, unknown"),
        ('"stress" not in triggers', 1, "codes are"),
    ],
)
def test_a_code_that_is_not_one_of_the_facts_codes_is_refused(text, column, words):
    error = only_problem(text)
    assert (error.code, error.position) == ("unknown_code", column)
    assert words in str(error)


def test_the_brief_message_for_a_wrong_choice_code():
    assert str(only_problem('inflammatory_disease == "activ"')) == (
        '"activ" is not a code of inflammatory_disease at column 25: did you mean "active"? '
        "The codes are none, in_remission, active"
    )


def test_compile_raises_the_first_problem():
    with pytest.raises(ExpressionError) as raised:
        compile_expression("wpii >= 7 and foo")
    assert raised.value.code == "unknown_name"
    assert raised.value.position == 1
    assert raised.value.message == "Unknown name 'wpii': did you mean 'wpi'?"


def test_an_error_names_its_criterion_when_told():
    error = only_problem("wpii >= 7").for_criterion("amps_p2_acr2016")
    assert str(error).startswith("Criterion amps_p2_acr2016: Unknown name 'wpii'")


# --- What it accepts ------------------------------------------------------------------------------


@pytest.mark.parametrize("criterion", DEFAULT_CRITERIA, ids=lambda c: c["code"])
def test_every_default_expression_is_accepted(criterion):
    assert check_expression(criterion["expression"]) == []
    assert isinstance(compile_expression(criterion["expression"]), CompiledExpression)


@pytest.mark.parametrize(
    "text",
    [
        "fever",
        "not fever",
        "not not fever",
        "fever and (rash or not night_pain)",
        "4 <= wpi <= 6",
        "0 <= pain_now <= pain_worst <= 10",
        "pain_worst >= pain_now",
        "crp_mg_l > 5",
        "crp_mg_l > 5.0 and haemoglobin_g_dl >= 10",
        "temperature_difference_c > -1",
        "fever == true and rash != false",
        '"neck" in pain_sites',
        '"none" not in triggers',
        'inflammatory_disease in ["active", "in_remission",]',
        'sex not in ["unknown"]',
        "esr_mm_hr is null",
        "esr_mm_hr is not null",
        "wpi is null",
        "sex == sex",
        "(((fever)))",
    ],
)
def test_the_language_accepts(text):
    assert check_expression(text) == []


def test_names_are_the_facts_an_expression_reads():
    compiled = compile_expression("(wpi >= 7 and sss >= 5) or 4 <= wpi <= 6")
    assert compiled.names == frozenset({"wpi", "sss"})


# --- Meaning --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "overrides", "expected"),
    [
        ("esr_mm_hr > 20", {"esr_mm_hr": None}, False),
        ("esr_mm_hr <= 20", {"esr_mm_hr": None}, False),
        ("not esr_mm_hr > 20", {"esr_mm_hr": None}, True),
        ("esr_mm_hr != 20", {"esr_mm_hr": None}, False),
        ("ldh_raised", {"ldh_raised": None}, False),
        ("not ldh_raised", {"ldh_raised": None}, True),
        ("ldh_raised is null", {"ldh_raised": None}, True),
        ("ldh_raised is not null", {"ldh_raised": None}, False),
        ("ldh_raised is null", {"ldh_raised": False}, False),
        ("fdi_score >= 13 or mobility_aid", {"fdi_score": None}, False),
        (
            "pain_worst >= pain_now",
            {"pain_scale": "not_assessable", "pain_now": None, "pain_worst": None},
            False,
        ),
    ],
)
def test_null_makes_comparisons_false_and_is_null_finds_it(text, overrides, expected):
    assert holds(text, facts_for(**overrides)) is expected


def test_a_fact_missing_from_the_facts_counts_as_null():
    assert holds("fever", {}) is False
    assert holds("wpi >= 0", {}) is False
    assert holds("wpi is null", {}) is True


@pytest.mark.parametrize(("wpi", "expected"), [(3, False), (4, True), (6, True), (7, False)])
def test_a_chained_comparison_tests_both_ends(wpi, expected):
    assert holds("4 <= wpi <= 6", {"wpi": wpi}) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('"neck" in pain_sites', True),
        ('"chest" in pain_sites', False),
        ('"chest" not in pain_sites', True),
        ('inflammatory_disease in ["active", "in_remission"]', True),
        ('inflammatory_disease not in ["active", "in_remission"]', False),
        ('inflammatory_disease == "in_remission"', True),
        ('inflammatory_disease != "active"', True),
        ("7 <= wpi", False),
        ("pain_worst >= pain_now", True),
        ("pain_now > pain_worst", False),
    ],
)
def test_in_not_in_and_fact_comparisons(text, expected):
    facts = facts_for(
        pain_sites=["neck", "knee_left"], inflammatory_disease="in_remission", pain_now=2
    )
    assert holds(text, facts) is expected


def test_not_in_on_a_null_choice_is_false_like_every_comparison():
    assert holds('inflammatory_disease not in ["active"]', {"inflammatory_disease": None}) is False


# --- Trace ----------------------------------------------------------------------------------------


def test_trace_lists_every_comparison_in_reading_order_without_short_circuit():
    compiled = compile_expression(
        "((wpi >= 7 and sss >= 5) or (4 <= wpi <= 6 and sss >= 9)) and pain_duration_weeks >= 13"
    )
    result, comparisons = compiled.trace({"wpi": 11, "sss": 10, "pain_duration_weeks": 30})
    assert result is True
    assert comparisons == [
        {"text": "wpi >= 7", "fact": "wpi", "value": 11, "result": True},
        {"text": "sss >= 5", "fact": "sss", "value": 10, "result": True},
        {"text": "4 <= wpi <= 6", "fact": "wpi", "value": 11, "result": False},
        {"text": "sss >= 9", "fact": "sss", "value": 10, "result": True},
        {
            "text": "pain_duration_weeks >= 13",
            "fact": "pain_duration_weeks",
            "value": 30,
            "result": True,
        },
    ]


def test_trace_of_a_fact_compared_with_a_fact_shows_both():
    _, comparisons = compile_expression("pain_worst >= pain_now").trace(
        {"pain_worst": 7, "pain_now": 5}
    )
    assert comparisons == [
        {
            "text": "pain_worst >= pain_now",
            "fact": "pain_worst",
            "value": 7,
            "result": True,
            "other": "pain_now",
            "other_value": 5,
        }
    ]


def test_trace_of_not_on_a_fact_is_one_negated_comparison():
    _, comparisons = compile_expression("not core_labs_done").trace({"core_labs_done": False})
    assert comparisons == [
        {"text": "not core_labs_done", "fact": "core_labs_done", "value": False, "result": True}
    ]


def test_trace_of_a_codes_fact_copies_the_codes_and_shows_null():
    facts = {"pain_sites": ["neck"]}
    _, comparisons = compile_expression('"neck" in pain_sites and esr_mm_hr is null').trace(facts)
    assert comparisons[0]["value"] == ["neck"]
    assert comparisons[0]["value"] is not facts["pain_sites"]
    assert comparisons[1] == {
        "text": "esr_mm_hr is null",
        "fact": "esr_mm_hr",
        "value": None,
        "result": True,
    }


def test_trace_text_is_normalised_whatever_the_spacing():
    _, comparisons = compile_expression("wpi>=7   and  4<=wpi<=6").trace({"wpi": 5})
    assert [entry["text"] for entry in comparisons] == ["wpi >= 7", "4 <= wpi <= 6"]


def test_deciding_comparisons_are_the_true_ones_of_a_true_or_and_the_false_ones_of_a_false_and():
    compiled = compile_expression("(fever or rash) and esr_mm_hr > 20 and night_pain")
    facts = {"fever": False, "rash": True, "esr_mm_hr": 5, "night_pain": True}
    result, comparisons = compiled.trace(facts)
    assert result is False
    assert [comparisons[i]["text"] for i in compiled.deciding(comparisons)] == ["esr_mm_hr > 20"]
    facts["esr_mm_hr"] = 30
    result, comparisons = compiled.trace(facts)
    assert result is True
    deciding = [comparisons[i]["text"] for i in compiled.deciding(comparisons)]
    assert deciding == ["rash", "esr_mm_hr > 20", "night_pain"]


_DEFAULT_EXPRESSIONS = [compile_expression(c["expression"]) for c in DEFAULT_CRITERIA]
_EXTRA_EXPRESSIONS = [
    compile_expression(text)
    for text in (
        "not (fever or rash) and not (4 <= wpi <= 6)",
        '"neck" in pain_sites or "none" not in triggers',
        'inflammatory_disease not in ["none"] or pain_worst >= pain_now',
        "0 <= pain_now <= pain_worst or temperature_difference_c is not null",
    )
]


@settings(max_examples=150, deadline=None)
@given(valid_intakes())
def test_trace_result_always_equals_evaluate_and_is_json_ready(intake):
    facts = derive(intake)
    for compiled in _DEFAULT_EXPRESSIONS + _EXTRA_EXPRESSIONS:
        result, comparisons = compiled.trace(facts)
        assert result == compiled.evaluate(facts)
        assert len(comparisons) == compiled.size
        json.dumps(comparisons)
        deciding = compiled.deciding(comparisons)
        assert deciding and all(0 <= index < compiled.size for index in deciding)


def test_compiled_expressions_never_run_text():
    # A name that would do harm if evaluated as Python is only ever an unknown fact.
    assert only_problem("__import__").code == "unknown_name"


def test_a_fact_named_without_its_unit_is_suggested_with_it():
    (error,) = check_expression("esr > 20")
    assert str(error) == "Unknown name 'esr' at column 1: did you mean 'esr_mm_hr'?"
    (error,) = check_expression("crp > 5")
    assert str(error) == "Unknown name 'crp' at column 1: did you mean 'crp_mg_l'?"
