"""The validator's compiled checks (`compile_validator`, built once from the fact registry)
accept exactly what the rules accept, with the same facts; whatever they do not accept is read
rule by rule, so every error message stays as the rules word it (test_rules_validation.py)."""

import copy

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.rules import validation
from intake.rules.facts import BOOL, INPUT_FACTS, Fact
from tests.rules_helpers import valid_intake, valid_intakes

_ODD_VALUES = st.sampled_from(
    [None, True, False, 0, -1, 7, 10**30, 2.5, float("inf"), float("nan"), "", "x", "none",
     "\ud800", "a\x00b", [], ["none"], ["none", "none"], [1], [[]], {}, {"a": 1}, (1,)]
)  # fmt: skip


def _both(data):
    accepted = validation._accept(data)
    rules = validation._read_rule_by_rule(data)
    return accepted, rules


@settings(max_examples=300, deadline=None)
@given(valid_intakes())
def test_every_valid_intake_is_accepted_at_once_with_the_rules_facts(intake):
    accepted, (facts, errors) = _both(intake)
    assert errors == []
    assert accepted == facts and list(accepted) == list(facts)
    assert validation.validate_intake(intake) == (facts, [])


@settings(max_examples=500, deadline=None)
@given(
    valid_intakes(),
    st.lists(
        st.tuples(
            st.sampled_from([*INPUT_FACTS, "id", "clinical_notes", "wpi", "fevr"]),
            _ODD_VALUES | st.text(max_size=5) | st.integers(),
        ),
        min_size=1,
        max_size=4,
    ),  # fmt: skip
    st.lists(st.sampled_from(list(INPUT_FACTS)), max_size=3),
)
def test_a_changed_intake_is_accepted_only_when_the_rules_accept_it(intake, changes, removed):
    intake = copy.deepcopy(intake)
    for name in removed:
        intake.pop(name, None)
    for name, value in changes:
        intake[name] = value
    accepted, (facts, errors) = _both(intake)
    if accepted is not None:
        assert errors == [] and accepted == facts
    result = validation.validate_intake(intake)
    assert result == (facts, errors)


def test_an_intake_over_the_size_limit_is_left_to_the_rules():
    # Valid values are bounded by the registry, so only a long id needs counting.
    assert validation._accept(valid_intake(clinical_notes="x" * 5_000, id="y" * 40_000))
    intake = valid_intake(clinical_notes="x" * 4_990, id="y" * 60_000)
    assert validation._accept(intake) is None
    assert validation.validate_intake(intake)[1][0].code == "too_large"


def test_a_new_fact_in_the_registry_is_checked_with_no_change_in_the_validator():
    extra = Fact("new_red_flag_detail", BOOL, "A new detail", "5a", nullable=True)
    accept = validation.compile_validator({**INPUT_FACTS, extra.name: extra})
    intake = valid_intake()
    assert accept(intake)["new_red_flag_detail"] is None
    assert accept({**intake, "new_red_flag_detail": True})["new_red_flag_detail"] is True
    assert accept({**intake, "new_red_flag_detail": "yes"}) is None
