"""Patients: identity corrections (kept in the patient's history with who, when and why) and
the re-screening a correction of an engine-read fact calls for."""

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction

from intake.models import PATIENT_FIELDS, Intake, IntakeStatus, Patient, Screening
from intake.services.intakes import screen_intake

# What the engine reads of a patient: age (from the date of birth) and sex.
ENGINE_IDENTITY_FIELDS = frozenset({"date_of_birth", "sex"})


class MrnTaken(Exception):
    """The MRN belongs to another patient."""

    def __init__(self, mrn: str):
        super().__init__(f"MRN {mrn} belongs to another patient.")
        self.mrn = mrn


@dataclass
class Correction:
    """What a correction changed ({field: (before, after)}) and the screenings it made."""

    changed: dict[str, tuple] = field(default_factory=dict)
    rescreened: list[Screening] = field(default_factory=list)


@transaction.atomic
def correct_patient_identity(*, patient: Patient, values: dict, reason: str, user) -> Correction:
    """Correct a patient's identity (any of PATIENT_FIELDS in `values`) with a reason.

    The change is one new version in the patient's history, with the user, the time and the
    reason. When the date of birth or the sex changed, the patient's unsigned submitted
    intakes are screened again with the published criteria set (signed ones never are).
    Nothing changes when no value differs. Raises MrnTaken when the new MRN is another
    patient's (nothing is saved).
    """
    patient = Patient.objects.select_for_update().get(pk=patient.pk)
    changed = {
        name: (getattr(patient, name), values[name])
        for name in PATIENT_FIELDS
        if name in values and values[name] != getattr(patient, name)
    }
    if not changed:
        return Correction()
    for name, (_, after) in changed.items():
        setattr(patient, name, after)
    patient._change_reason = reason
    patient._history_user = user
    try:
        with transaction.atomic():
            patient.save()
    except IntegrityError:
        raise MrnTaken(values["mrn"]) from None
    rescreened = []
    if ENGINE_IDENTITY_FIELDS & changed.keys():
        rescreened = rescreen_patient_intakes(patient=patient, user=user)
    return Correction(changed=changed, rescreened=rescreened)


def rescreen_patient_intakes(*, patient: Patient, user=None) -> list[Screening]:
    """Screen every unsigned submitted intake of the patient again with the published
    criteria set: a new Screening each, the earlier ones kept. Signed intakes and drafts are
    left alone. Returns the new screenings, oldest intake first.

    Called inside the correction's transaction today; written to run on its own (a
    background task) as well."""
    intakes = (
        Intake.objects.select_for_update()
        .filter(patient=patient, status=IntakeStatus.SUBMITTED)
        .order_by("intake_date", "pk")
    )
    screenings = []
    for intake in intakes:
        intake.patient = patient
        screenings.append(screen_intake(intake=intake, user=user))
    return screenings
