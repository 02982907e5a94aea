"""Writes that span models, one transaction each. Views call exactly one of these."""

from django.db import transaction
from django.utils import timezone

from intake.models import (
    CriteriaSet,
    Intake,
    IntakeStatus,
    Patient,
    Screening,
)


class IntakeLocked(Exception):
    """A signed intake cannot be changed."""

    def __init__(self, intake: Intake):
        super().__init__("This intake has been signed and is locked; add an addendum instead.")
        self.intake = intake


def screen_intake(
    *, intake: Intake, criteria_set: CriteriaSet | None = None, user=None
) -> Screening:
    """Evaluate an intake under a criteria set (the published one by default) and store the
    result as a new, append-only Screening with its facts, trace and the set's content hash."""
    criteria_set = criteria_set or CriteriaSet.objects.published()
    compiled = criteria_set.compiled()
    intake_facts = intake.facts()
    result = compiled.evaluate(intake_facts, trace=True)
    return Screening.objects.create(
        intake=intake,
        outcome=result.outcome,
        red_flags=result.red_flags,
        pathways=result.pathways,
        caveats=result.caveats,
        caveat_messages=result.caveat_messages,
        trace=result.trace,
        explanation=result.explanation,
        facts=intake_facts,
        criteria_set=criteria_set,
        criteria_hash=compiled.hash,
        created_by=user,
    )


@transaction.atomic
def save_intake(
    *,
    intake: Intake | None,
    patient_values: dict,
    intake_values: dict,
    user,
    submit: bool,
) -> tuple[Intake, Screening | None]:
    """Save a new or edited intake, as a draft or submitted.

    A known MRN reuses its patient (the form has checked the date of birth). Submitting
    screens the intake with the published criteria set in the same transaction; an edited,
    already-submitted intake submitted again gets a new screening and keeps the earlier ones.
    Saving a submitted intake as a draft takes it back to draft (out of the review queue).
    Returns the intake and the new screening (None for a draft).
    """
    if intake is not None:
        intake = Intake.objects.select_for_update().get(pk=intake.pk)
        if intake.is_locked:
            raise IntakeLocked(intake)
    patient, _ = Patient.objects.get_or_create(mrn=patient_values["mrn"], defaults=patient_values)
    if intake is None:
        intake = Intake(created_by=user)
    intake.patient = patient
    for name, value in intake_values.items():
        setattr(intake, name, value)
    if submit:
        intake.status = IntakeStatus.SUBMITTED
        intake.submitted_at = timezone.now()
    else:
        # Saved as a draft again: it leaves the review queue until it is submitted.
        intake.status = IntakeStatus.DRAFT
    intake.save()
    screening = screen_intake(intake=intake, user=user) if submit else None
    return intake, screening
