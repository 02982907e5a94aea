"""The local CodeSystems of our coded values, taken from the intake models' choices, and the
urgency words both the FHIR resources and the CDS cards read."""

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
URGENCY_LABELS = dict(URGENCY_CHOICES)
# A tier as a FHIR request priority (http://hl7.org/fhir/request-priority): an emergency is
# now / same day (stat), an urgent referral within 48 hours (asap), a routine one routine.
URGENCY_PRIORITY = {Urgency.EMERGENCY: "stat", Urgency.URGENT: "asap", Urgency.ROUTINE: "routine"}


def urgency_of(row) -> str:
    """A red flag's or a referral's urgency (a screening, criterion or engine result); a set
    made before urgencies existed reads as routine."""
    return row.urgency or Urgency.ROUTINE


TERM_SYSTEMS = {
    OUTCOME_SYSTEM: ("AMPS screen outcomes", Outcome.choices),
    URGENCY_SYSTEM: ("AMPS screen urgency", URGENCY_CHOICES),
    CRITERION_KIND_SYSTEM: ("AMPS screen criterion kinds", CriterionKind.choices),
    DECISION_SYSTEM: ("AMPS screen review decisions", Decision.choices),
    DISPOSITION_SYSTEM: ("AMPS screen dispositions", Disposition.choices),
    OVERRIDE_REASON_SYSTEM: ("AMPS screen override reasons", OverrideReason.choices),
}
