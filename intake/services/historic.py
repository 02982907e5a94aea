"""Historic intakes: another system's past visits (a REDCap import), stored and screened in one
transaction, never queued for review."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from intake.models import CriteriaSet, Intake, IntakeStatus, Patient, Screening
from intake.search import patient_search_text
from intake.services.intakes import _screening_of

#: The reason kept in the change history of every patient and intake an import creates.
IMPORT_REASON = "Imported from a REDCap export"
#: Rows a bulk insert writes at a time.
BATCH = 500
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
        if fields == ["intake_date"]:
            message = f"MRN {mrn} already has an intake on one of these dates"
        else:
            message = f"MRN {mrn} is registered with another {', '.join(fields)}"
        super().__init__(f"{message}; nothing was imported.")
        self.mrn, self.fields = mrn, fields


@dataclass(frozen=True)
class HistoricImport:
    patients_created: int
    patients_known: int
    intakes: int
    criteria_version: int


def import_historic_intakes(
    *,
    patients: list[HistoricPatient],
    user,
    progress: Callable[[int], None] | None = None,
) -> HistoricImport:
    """Store every patient (a known MRN reuses its patient, whose identity must be the same)
    and their visits as historic intakes made by `user`, each screened with the published
    criteria set at its own intake date (the facts read the age on that day).

    The screening (the costly part) is done first, reading only, with `progress(n)` told as
    each patient's visits are screened; then everything is stored in one transaction, in
    bulk (with its change history): all or nothing. HistoricConflict when an MRN's identity
    differs."""
    criteria_set = CriteriaSet.objects.published()
    now = timezone.now()
    prepared = []
    for record in patients:
        patient = Patient(**{key: getattr(record, key) for key in PATIENT_KEYS})
        intakes = []
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
            intakes.append((intake, screening))
        prepared.append((patient, intakes))
        if progress is not None:
            progress(1 + len(record.visits))
    created = _store(prepared, user=user)
    return HistoricImport(
        patients_created=created,
        patients_known=len(patients) - created,
        intakes=sum(len(intakes) for _, intakes in prepared),
        criteria_version=criteria_set.version,
    )


@transaction.atomic
def _store(prepared: list, *, user) -> int:
    """Insert the patients that are new, the intakes and their screenings, in bulk, with the
    history rows of the patients and intakes; returns how many patients were created."""
    # Locked and read again inside the transaction: a second run of the same import (a worker
    # taken back while it was still storing) waits here, then finds these visits stored.
    known = _known_patients([patient.mrn for patient, _ in prepared], lock=True)
    stored_dates = set(
        Intake.objects.filter(patient__in=list(known.values())).values_list(
            "patient__mrn", "intake_date"
        )
    )
    new_patients = []
    for patient, intakes in prepared:
        existing = known.get(patient.mrn)
        if existing is None:
            patient.search_text = patient_search_text(
                given_name=patient.given_name, family_name=patient.family_name, mrn=patient.mrn
            )
            new_patients.append(patient)
            continue
        differ = [
            key for key in PATIENT_KEYS[1:] if getattr(existing, key) != getattr(patient, key)
        ]
        if differ:
            raise HistoricConflict(patient.mrn, differ)
        for intake, _ in intakes:
            if (patient.mrn, intake.intake_date) in stored_dates:
                raise HistoricConflict(patient.mrn, ["intake_date"])
            intake.patient = existing
    bulk_create_with_history(
        new_patients,
        Patient,
        batch_size=BATCH,
        default_user=user,
        default_change_reason=IMPORT_REASON,
    )
    intakes = [intake for _, pairs in prepared for intake, _ in pairs]
    for intake in intakes:
        intake.patient_id = intake.patient.pk
    bulk_create_with_history(
        intakes, Intake, batch_size=BATCH, default_user=user, default_change_reason=IMPORT_REASON
    )
    screenings = []
    for _, pairs in prepared:
        for intake, screening in pairs:
            screening.intake = intake
            screenings.append(screening)
    Screening.objects.bulk_create(screenings, batch_size=BATCH)
    return len(new_patients)


def _known_patients(mrns: list[str], *, lock: bool = False) -> dict[str, Patient]:
    found: dict[str, Patient] = {}
    patients = Patient.objects.select_for_update() if lock else Patient.objects.all()
    for start in range(0, len(mrns), 500):
        for patient in patients.filter(mrn__in=mrns[start : start + 500]).order_by("pk"):
            found[patient.mrn] = patient
    return found
