"""Historic intakes: another system's past visits (a REDCap import), stored and screened in one
transaction, never queued for review."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone

from intake.models import CriteriaSet, Intake, IntakeStatus, Patient
from intake.services.intakes import _screening_of

#: The reason kept in the change history of every patient and intake an import creates.
IMPORT_REASON = "Imported from a REDCap export"
PATIENT_KEYS = ("mrn", "given_name", "family_name", "date_of_birth", "sex")


@dataclass
class HistoricVisit:
    """One past visit, checked: its intake date and its Intake field values (the data
    dictionary's names, model types: `model_values` of a valid JSON intake), notes included."""

    intake_date: date
    values: dict


@dataclass
class HistoricPatient:
    """A patient (identity checked) and their past visits, oldest first."""

    mrn: str
    given_name: str
    family_name: str
    date_of_birth: date
    sex: str
    visits: list[HistoricVisit] = field(default_factory=list)


class HistoricConflict(Exception):
    """A patient's MRN was registered (meanwhile) with another identity: nothing is saved."""

    def __init__(self, mrn: str, fields: list[str]):
        super().__init__(
            f"MRN {mrn} is registered with another {', '.join(fields)}; nothing was imported."
        )
        self.mrn, self.fields = mrn, fields


@dataclass(frozen=True)
class HistoricImport:
    patients_created: int
    patients_known: int
    intakes: int
    criteria_version: int


@transaction.atomic
def import_historic_intakes(
    *,
    patients: list[HistoricPatient],
    user,
    progress: Callable[[int], None] | None = None,
) -> HistoricImport:
    """Store every patient (a known MRN reuses its patient, whose identity must be the same)
    and their visits as historic intakes made by `user`, each screened now with the published
    criteria set at its own intake date (the facts read the age on that day). All or
    nothing: one transaction; HistoricConflict when an MRN's identity differs. `progress(n)`
    is told as each patient's visits are stored."""
    criteria_set = CriteriaSet.objects.published()
    known = _known_patients([p.mrn for p in patients])
    created = 0
    intakes = 0
    now = timezone.now()
    for record in patients:
        patient = known.get(record.mrn)
        if patient is None:
            patient = Patient(**{key: getattr(record, key) for key in PATIENT_KEYS})
            patient._change_reason = IMPORT_REASON
            patient.save()
            created += 1
        else:
            differ = [
                key for key in PATIENT_KEYS[1:] if getattr(patient, key) != getattr(record, key)
            ]
            if differ:
                raise HistoricConflict(record.mrn, differ)
        for visit in record.visits:
            intake = Intake(
                patient=patient,
                created_by=user,
                intake_date=visit.intake_date,
                status=IntakeStatus.HISTORIC,
                submitted_at=now,
                **visit.values,
            )
            screening = _screening_of(intake=intake, criteria_set=criteria_set, user=user)
            for name, value in intake.queue_keys(screening).items():
                setattr(intake, name, value)
            intake._change_reason = IMPORT_REASON
            intake.save()
            screening.save()
            intakes += 1
        if progress is not None:
            progress(1 + len(record.visits))
    return HistoricImport(
        patients_created=created,
        patients_known=len(patients) - created,
        intakes=intakes,
        criteria_version=criteria_set.version,
    )


def _known_patients(mrns: list[str]) -> dict[str, Patient]:
    found: dict[str, Patient] = {}
    for start in range(0, len(mrns), 500):
        for patient in Patient.objects.filter(mrn__in=mrns[start : start + 500]):
            found[patient.mrn] = patient
    return found
