"""A criterion's wording against its expression: numbers its name or rationale quote that the
expression no longer uses are found (rules.wording); saving a draft warns about them."""

from decimal import Decimal

import pytest

from intake import services
from intake.models import CriteriaSet, CriteriaSetStatus
from intake.rules import language, wording


def test_the_expression_numbers_come_from_the_language_parser():
    text = "morning_stiffness_minutes >= 60 and (4 <= wpi <= 6.5 or not esr_mm_hr > 40.0)"
    assert language.numeric_literals(text) == {Decimal(n) for n in ("60", "4", "6.5", "40")}
    assert language.numeric_literals('fever and onset in ["sudden"]') == frozenset()
    with pytest.raises(language.ExpressionError):
        language.numeric_literals("wpi >=")


@pytest.mark.parametrize(
    ("name", "rationale", "expression", "stale"),
    [
        ("Morning stiffness 30 minutes or more", "", "morning_stiffness_minutes >= 60", ["30"]),
        ("Morning stiffness 60 minutes or more", "", "morning_stiffness_minutes >= 60", []),
        ("Morning stiffness 60 minutes or more", "", "morning_stiffness_minutes >= 60.0", []),
        ("WPI 7 or more", "", "wpi >= 7 and sss >= 5", []),
        # Years, references and the 10 of a unit such as ×10⁹/L are not thresholds.
        ("Budapest 2010 pattern (p. 12, §4.1)", "", "fever", []),
        ("WBC under 4 ×10⁹/L", "", "wbc_10e9_l < 4", []),
        # The rationale: only numbers stated as thresholds.
        (
            "Stiffness",
            "Stiffness over 30 minutes suggests arthritis.",
            "morning_stiffness_minutes >= 60",
            ["30"],
        ),
        (
            "Stiffness",
            "Stiffness of 30 minutes or more (Jones 2006).",
            "morning_stiffness_minutes >= 60",
            ["30"],
        ),
        (
            "Stiffness",
            "In 300 children aged 2–16 years, 40% had stiffness (Jones 2006, p. 4).",
            "morning_stiffness_minutes >= 60",
            [],
        ),
        # An expression that does not parse is reported by its check, not here.
        ("Stiffness 30 minutes", "", "morning_stiffness_minutes >=", []),
    ],
)
def test_stale_numbers(name, rationale, expression, stale):
    assert wording.stale_numbers(name=name, rationale=rationale, expression=expression) == stale


@pytest.mark.django_db
def test_every_version_made_by_the_migrations_says_what_it_does():
    for criteria_set in CriteriaSet.objects.all():
        assert services.wording_warnings(criteria=criteria_set.criteria.all()) == []


@pytest.mark.django_db
def test_a_warning_names_the_criterion_what_it_says_and_what_it_uses():
    published = CriteriaSet.objects.get(status=CriteriaSetStatus.PUBLISHED)
    stiffness = published.criteria.get(code="rf_morning_stiffness")
    stiffness.expression = "morning_stiffness_minutes >= 60"
    assert services.wording_warnings(criteria=[stiffness]) == [
        f"The name or rationale of rf_morning_stiffness ({stiffness.name}) says 30 but the "
        "expression uses 60. Update the wording if the threshold changed: every explanation "
        "shows it."
    ]
    stiffness.active = False
    assert services.wording_warnings(criteria=[stiffness]) == []
