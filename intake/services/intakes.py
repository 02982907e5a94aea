"""Intakes: save (draft or submitted), screen, and log who opened them."""

from django.db import IntegrityError, transaction
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


class PatientRegisteredMeanwhile(Exception):
    """Someone registered this MRN a moment ago, with another date of birth."""

    def __init__(self, patient: Patient):
        super().__init__(f"MRN {patient.mrn} was registered meanwhile with another date of birth.")
        self.patient = patient


def _screening_of(*, intake: Intake, criteria_set: CriteriaSet | None, user) -> Screening:
    """The intake's values (stored or not yet) evaluated under a criteria set, the published
    one by default: an unsaved Screening. A signed intake is never screened again."""
    if intake.is_locked:
        raise IntakeLocked(intake)
    criteria_set = criteria_set or CriteriaSet.objects.published()
    compiled = criteria_set.compiled()
    intake_facts = intake.facts()
    return Screening.of(
        intake=intake,
        result=compiled.evaluate(intake_facts, trace=True),
        facts=intake_facts,
        criteria_set=criteria_set,
        criteria_hash=compiled.hash,
        user=user,
    )


def screen_intake(
    *, intake: Intake, criteria_set: CriteriaSet | None = None, user=None
) -> Screening:
    """Evaluate a stored intake under a criteria set (the published one by default) and store
    the result as a new, append-only Screening with its facts, trace and the set's content
    hash. The screening becomes the intake's current one. A signed intake is never
    re-screened. (Submitting a form screens through save_intake, which stores the intake and
    its screening together.)"""
    screening = _screening_of(intake=intake, criteria_set=criteria_set, user=user)
    screening.save()
    # A plain update: the pointer and the queue keys are derived data, not a change to the
    # record (no history row).
    queue = intake.queue_keys(screening)
    Intake.objects.filter(pk=intake.pk).update(**queue)
    for name, value in queue.items():
        setattr(intake, name, value)
    return screening


def save_intake(
    *,
    intake: Intake | None,
    patient_values: dict,
    intake_values: dict,
    user,
    submit: bool,
    patient: Patient | None = None,
) -> tuple[Intake, Screening | None]:
    """Save a new or edited intake, as a draft or submitted.

    A known MRN reuses its patient (the form has checked the date of birth, and may pass the
    patient it found). Submitting screens the intake with the published criteria set in the
    same transaction; an edited, already-submitted intake submitted again gets a new
    screening and keeps the earlier ones.
    Saving a submitted intake as a draft takes it back to draft (out of the review queue).
    Returns the intake and the new screening (None for a draft). Raises IntakeLocked for a
    signed intake, and PatientRegisteredMeanwhile when the MRN was registered since the
    form was checked, with another date of birth (nothing is saved).
    """
    arguments = dict(
        intake=intake,
        patient_values=patient_values,
        intake_values=intake_values,
        user=user,
        submit=submit,
    )
    try:
        return _save_intake(patient=patient, **arguments)
    except IntegrityError:
        # Someone created this MRN's patient between the form's check and this save (the
        # transaction was rolled back whole): save again with that patient. Checking for it
        # here, not with a savepoint around every new patient, saves two round trips a save.
        existing = Patient.objects.filter(mrn=patient_values["mrn"]).first()
        if existing is None or existing == patient:
            raise
        born = patient_values.get("date_of_birth")
        if born is not None and existing.date_of_birth != born:
            raise PatientRegisteredMeanwhile(existing) from None
        return _save_intake(patient=existing, **arguments)


@transaction.atomic
def _save_intake(
    *,
    intake: Intake | None,
    patient_values: dict,
    intake_values: dict,
    user,
    submit: bool,
    patient: Patient | None,
) -> tuple[Intake, Screening | None]:
    if intake is not None:
        intake = Intake.objects.select_for_update().get(pk=intake.pk)
        if intake.is_locked:
            raise IntakeLocked(intake)
    if patient is None or patient.mrn != patient_values["mrn"]:
        patient = Patient.objects.create(**patient_values)
    if intake is None:
        intake = Intake(created_by=user)
    intake.patient = patient
    for name, value in intake_values.items():
        setattr(intake, name, value)
    screening = None
    if submit:
        intake.status = IntakeStatus.SUBMITTED
        intake.submitted_at = timezone.now()
        # Screened before it is stored, so that the intake row is written once, already
        # pointing at its screening and placed in the queue.
        screening = _screening_of(intake=intake, criteria_set=None, user=user)
        for name, value in intake.queue_keys(screening).items():
            setattr(intake, name, value)
    else:
        # Saved as a draft again: it leaves the review queue until it is submitted.
        intake.status = IntakeStatus.DRAFT
    intake.save()
    if screening is not None:
        screening.save()  # its intake now has a primary key
    return intake, screening
