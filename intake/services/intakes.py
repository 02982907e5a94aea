"""Intakes: save (draft or submitted) and screen."""

import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.models import (
    IDENTITY_FIELDS,
    CriteriaSet,
    Intake,
    IntakeStatus,
    Patient,
    Screening,
    SubmitToken,
)


class IntakeLocked(Exception):
    """A signed or historic intake cannot be changed."""

    def __init__(self, intake: Intake):
        if intake.status == IntakeStatus.HISTORIC:
            message = "This visit was imported from a past record; it cannot be edited."
        else:
            message = "This intake has been signed and is locked; add an addendum instead."
        super().__init__(message)
        self.intake = intake


class PatientRegisteredMeanwhile(Exception):
    """Someone registered this MRN a moment ago, with another date of birth."""

    def __init__(self, patient: Patient):
        super().__init__(f"MRN {patient.mrn} was registered meanwhile with another date of birth.")
        self.patient = patient


class AlreadySubmitted(Exception):
    """This form was submitted already (a double click, a retry): its intake is the result."""

    def __init__(self, intake: Intake):
        super().__init__("This form was submitted already; nothing was saved again.")
        self.intake = intake


class FormTokenRefused(Exception):
    """The form's token was used by another user, or for another intake."""


class IdentityKept(Exception):
    """The form changes the patient's identity, which is not changed from an intake: the
    patient has other visits (`own`: the intake is theirs), or the MRN is another patient's."""

    def __init__(self, patient: Patient, fields: list[str], *, own: bool):
        super().__init__(f"The identity of patient {patient.pk} is not changed from an intake.")
        self.patient, self.fields, self.own = patient, fields, own


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
    token: uuid.UUID | None = None,
    change_reason: str = "",
) -> tuple[Intake, Screening | None]:
    """Save a new or edited intake, as a draft or submitted.

    `change_reason` (required by the form for a submitted intake) is kept with the change in
    the intake's history.

    A known MRN reuses its patient (the form has checked its identity, and may pass the
    patient it found). The patient's identity (names, date of birth, sex) changes with the
    form only when the patient is this intake's own, with no other intake; otherwise a change
    raises IdentityKept. Submitting screens the intake with the published criteria set in the
    same transaction; an edited, already-submitted intake submitted again gets a new
    screening and keeps the earlier ones.
    Saving a submitted intake as a draft takes it back to draft (out of the review queue).

    `token` is the form's one-time token. The first save with it records it; a later save
    with the same token acts on the intake the token saved (a draft saved twice stays one
    intake; a draft then submitted submits it), and once the token has submitted, a save with
    it raises AlreadySubmitted (nothing is saved again). Another user's token, or a token
    that saved another intake, raises FormTokenRefused.

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
        token=token,
        change_reason=change_reason,
    )
    try:
        return _save_intake(patient=patient, **arguments)
    except IntegrityError:
        # Someone created this MRN's patient, or saved this same form, between the form's
        # check and this save (the transaction was rolled back whole): save again with that
        # patient and token. Checking for it here, not with a savepoint around every new row,
        # saves two round trips a save.
        existing = Patient.objects.filter(mrn=patient_values["mrn"]).first()
        if token is not None and SubmitToken.objects.filter(token=token).exists():
            return _save_intake(patient=existing or patient, **arguments)
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
    token: uuid.UUID | None,
    change_reason: str = "",
) -> tuple[Intake, Screening | None]:
    used = _used_token(token=token, user=user, intake=intake)
    if used is not None:
        intake = used.intake
    if intake is not None:
        intake = Intake.objects.select_for_update().get(pk=intake.pk)
        if intake.is_read_only:
            raise IntakeLocked(intake)
    if patient is None or patient.mrn != patient_values["mrn"]:
        patient = Patient.objects.create(**patient_values)
    else:
        patient = _with_identity(patient=patient, values=patient_values, intake=intake)
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
    if change_reason:
        intake._change_reason = change_reason  # django-simple-history keeps it with the change
    intake.save()
    if screening is not None:
        screening.save()  # its intake now has a primary key
    if used is None and token is not None:
        SubmitToken.objects.create(token=token, user=user, intake=intake, submitted=submit)
    elif used is not None and submit:
        SubmitToken.objects.filter(pk=used.pk).update(submitted=True)
    return intake, screening


def _used_token(*, token: uuid.UUID | None, user, intake: Intake | None) -> SubmitToken | None:
    """The record of this form token's earlier save (None for its first), locked; raises
    AlreadySubmitted once it has submitted, FormTokenRefused when it is not this user's or
    saved another intake."""
    if token is None:
        return None
    used = SubmitToken.objects.select_for_update().filter(token=token).first()
    if used is None:
        return None
    if used.user_id != user.pk or (intake is not None and used.intake_id != intake.pk):
        raise FormTokenRefused
    if used.submitted:
        raise AlreadySubmitted(Intake.objects.get(pk=used.intake_id))
    return used


def _with_identity(*, patient: Patient, values: dict, intake: Intake | None) -> Patient:
    """The patient, with the form's identity saved to it when it changed and the patient is
    this intake's own (no other intake); raises IdentityKept otherwise."""
    if all(getattr(patient, name) == values[name] for name in IDENTITY_FIELDS):
        return patient
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = [name for name in IDENTITY_FIELDS if getattr(patient, name) != values[name]]
    if changed and not patient.identity_editable_from(intake):
        own = intake is not None and intake.patient_id == patient.pk
        raise IdentityKept(patient, changed, own=own)
    for name in changed:
        setattr(patient, name, values[name])
    patient.save()
    return patient
