"""Shared helpers for the rules tests: valid intakes built from the fact registry."""

from __future__ import annotations

from hypothesis import strategies as st

from intake.rules import CompiledCriteria, derive, validate_intake
from intake.rules.defaults import DEFAULT_CRITERIA
from intake.rules.facts import (
    FPS_R_SCORES,
    INPUT_FACTS,
    KAWASAKI_NONE,
    RED_FLAG_DETAIL_FIELDS,
    RED_FLAG_FIELDS,
    TRIGGER_NONE,
)

DEFAULT_SET = CompiledCriteria(DEFAULT_CRITERIA)

#: Values that make an intake unremarkable: no red flag, no AMPS pathway, no caveat.
_QUIET = {
    "age_years": 12,
    "sex": "female",
    "pain_sites": ["knee_left"],
    "pain_duration_weeks": 4,
    "pain_pattern": "intermittent",
    "pain_scale": "nrs",
    "pain_now": 3,
    "pain_worst": 5,
    "triggers": ["none"],
    "inflammatory_disease": "none",
    "haemoglobin_g_dl": 13.0,
    "wbc_10e9_l": 7.0,
    "neutrophils_10e9_l": 3.5,
    "platelets_10e9_l": 250,
    "esr_mm_hr": 5,
    "crp_mg_l": 1.0,
}


def valid_intake(**overrides: object) -> dict:
    """A valid JSON intake with every yes/no answer false, normal core labs and nothing that
    matches a default criterion; `overrides` replace fields."""
    intake: dict[str, object] = {}
    for name, fact in INPUT_FACTS.items():
        if fact.nullable:
            intake[name] = None
        elif fact.type == "bool":
            intake[name] = False
        elif fact.type == "int":
            intake[name] = fact.minimum
    intake.update(_QUIET)
    intake.update(overrides)
    return intake


def facts_for(**overrides: object) -> dict:
    """The derived facts of `valid_intake(**overrides)`; fails if that intake is not valid."""
    inputs, errors = validate_intake(valid_intake(**overrides))
    assert errors == [], errors
    return derive(inputs)


def screen(**overrides: object):
    """The default criteria's result for `valid_intake(**overrides)`."""
    return DEFAULT_SET.evaluate(facts_for(**overrides))


# --- Hypothesis: random valid intakes, built from the registry -----------------------------------

_RARELY = st.integers(0, 7).map(lambda n: n == 0)


def _value_strategy(name: str) -> st.SearchStrategy:
    fact = INPUT_FACTS[name]
    if fact.type == "bool":
        values = _RARELY if name in RED_FLAG_FIELDS else st.booleans()
    elif fact.type == "int":
        values = st.integers(int(fact.minimum), int(fact.maximum))
    elif fact.type == "decimal":
        values = st.floats(fact.minimum, fact.maximum, allow_nan=False).map(lambda x: round(x, 1))
    elif fact.type == "choice":
        values = st.sampled_from(fact.choices)
    else:
        values = st.lists(st.sampled_from(fact.choices), min_size=1, unique=True)
    return st.none() | values if fact.nullable else values


@st.composite
def valid_intakes(draw: st.DrawFn) -> dict:
    """Any valid JSON intake (data-dictionary section 8)."""
    intake = {name: draw(_value_strategy(name)) for name in INPUT_FACTS}
    if TRIGGER_NONE in intake["triggers"]:
        intake["triggers"] = [TRIGGER_NONE]
    # A red-flag detail is given only while one of its red flags is yes.
    for name in RED_FLAG_DETAIL_FIELDS:
        if not any(intake[flag] for flag in INPUT_FACTS[name].asked_when):
            intake[name] = None
    if intake["kawasaki_features"] and KAWASAKI_NONE in intake["kawasaki_features"]:
        intake["kawasaki_features"] = [KAWASAKI_NONE]
    if intake["pain_scale"] == "not_assessable":
        intake["pain_now"] = intake["pain_worst"] = None
    else:
        fps_r = intake["pain_scale"] == "fps_r"
        scores = st.sampled_from(FPS_R_SCORES) if fps_r else st.integers(0, 10)
        now, worst = draw(st.lists(scores, min_size=2, max_size=2))
        intake["pain_now"], intake["pain_worst"] = min(now, worst), max(now, worst)
    return intake
