"""The red-flag details (data dictionary §5a) a test gives for each red flag it answers yes,
once the fact registry has them: a detail is asked (and required) only under its red flag
answered yes, and refused while its red flag is no. Tests written before the details existed
use these so that they keep passing after."""

from intake.rules import facts

#: JSON-format values of each red flag's details.
DETAILS: dict[str, dict[str, object]] = {
    "fever": {"fever_days": 2, "highest_temperature_c": 39.4, "kawasaki_features": ["none"]},
    "non_weight_bearing": {"non_weight_bearing_days": 1},
    "joint_swelling_observed": {"joint_swelling_weeks": 0},
    "rash": {"petechiae_or_purpura": False},
    "bruising_pallor_or_bleeding": {"petechiae_or_purpura": False},
    "lymphadenopathy_or_organomegaly": {"hepatosplenomegaly": False},
    "neurological_deficit": {"sphincter_or_saddle_signs": False},
    "proximal_weakness": {"bulbar_or_respiratory_weakness": False, "dark_urine": False},
}
#: The details' names: never answered as red flags themselves.
DETAIL_FIELDS = frozenset(name for details in DETAILS.values() for name in details)


def details_for(red_flags_yes) -> dict:
    """The details of these red flags that the registry knows, as JSON values."""
    found = {}
    for red_flag in red_flags_yes:
        for name, value in DETAILS.get(red_flag, {}).items():
            if name in facts.INPUT_FACTS:
                found[name] = value
    return found


def as_form_value(value):
    """A JSON value as the form posts it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return value
    return str(value)
