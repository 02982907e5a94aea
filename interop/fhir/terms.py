"""The local CodeSystems of our coded values, taken from the intake models' choices."""

from intake.models import (
    CriterionKind,
    Decision,
    Disposition,
    Outcome,
    OverrideReason,
    Urgency,
)

OUTCOME_SYSTEM = "amps-outcome"
URGENCY_SYSTEM = "amps-urgency"
CRITERION_KIND_SYSTEM = "amps-criterion-kind"
DECISION_SYSTEM = "amps-review-decision"
DISPOSITION_SYSTEM = "amps-disposition"
OVERRIDE_REASON_SYSTEM = "amps-override-reason"

URGENCY_CHOICES = Urgency.choices

TERM_SYSTEMS = {
    OUTCOME_SYSTEM: ("AMPS screen outcomes", Outcome.choices),
    URGENCY_SYSTEM: ("AMPS screen urgency", URGENCY_CHOICES),
    CRITERION_KIND_SYSTEM: ("AMPS screen criterion kinds", CriterionKind.choices),
    DECISION_SYSTEM: ("AMPS screen review decisions", Decision.choices),
    DISPOSITION_SYSTEM: ("AMPS screen dispositions", Disposition.choices),
    OVERRIDE_REASON_SYSTEM: ("AMPS screen override reasons", OverrideReason.choices),
}
