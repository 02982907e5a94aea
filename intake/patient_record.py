"""A patient's record for the screen: their visits newest first (suggestion, matched
criteria, review), the identity corrections in their history, and the trend charts.

A fixed number of queries whatever the number of visits: the intakes with their current
screenings, their reviews, the names of the matched criteria, the patient's history.
"""

from dataclasses import dataclass, field
from datetime import datetime

from intake.models import PATIENT_FIELDS, Criterion, Intake, IntakeStatus, Patient, Review

FIELD_LABELS = {name: Patient._meta.get_field(name).verbose_name for name in PATIENT_FIELDS}


@dataclass
class Visit:
    intake: Intake
    review: Review | None
    matched_names: list[str]
    facts: dict
    corrected_after_signing: bool = False

    @property
    def screening(self):
        return self.intake.current_screening

    @property
    def charted(self) -> bool:
        """Submitted and signed visits are charted; a draft may be half-typed."""
        return self.intake.status != IntakeStatus.DRAFT


@dataclass
class FieldChange:
    name: str
    label: str
    before: object
    after: object


@dataclass
class IdentityCorrection:
    at: datetime
    by: str
    reason: str
    changes: list[FieldChange] = field(default_factory=list)

    @property
    def fields_label(self) -> str:
        labels = [change.label for change in self.changes]
        return ", ".join(labels[:-1]) + (" and " if len(labels) > 1 else "") + labels[-1]


def identity_corrections(patient: Patient) -> list[IdentityCorrection]:
    """The corrections in the patient's history (versions saved with a reason), newest
    first, each with what it changed. One query."""
    versions = list(
        patient.history.select_related("history_user").order_by("history_date", "history_id")
    )
    corrections = []
    for before, after in zip(versions, versions[1:], strict=False):
        if not after.history_change_reason:
            continue
        user = after.history_user
        corrections.append(
            IdentityCorrection(
                at=after.history_date,
                by=(user.get_full_name() or user.get_username()) if user else "unknown",
                reason=after.history_change_reason,
                changes=[
                    FieldChange(
                        name, FIELD_LABELS[name], getattr(before, name), getattr(after, name)
                    )
                    for name in PATIENT_FIELDS
                    if getattr(before, name) != getattr(after, name)
                ],
            )
        )
    corrections = [c for c in corrections if c.changes]
    corrections.reverse()
    return corrections


def patient_visits(patient: Patient, corrections: list[IdentityCorrection]) -> list[Visit]:
    """Every intake of the patient, newest first, with its review and matched criteria."""
    intakes = list(
        Intake.objects.filter(patient=patient)
        .select_related("current_screening", "created_by")
        .without_screening_snapshot()
        .order_by("-intake_date", "-created_at", "-pk")
    )
    reviews = {
        review.intake_id: review
        for review in Review.objects.filter(intake__patient=patient).select_related("reviewer")
    }
    screenings = [intake.current_screening for intake in intakes if intake.current_screening]
    names = Criterion.names_for(screenings)
    visits = []
    for intake in intakes:
        intake.patient = patient
        screening = intake.current_screening
        matched = []
        if screening is not None:
            codes = [*screening.red_flags, *screening.pathways]
            matched = [names.get((screening.criteria_set_id, code), code) for code in codes]
        review = reviews.get(intake.pk)
        visits.append(
            Visit(
                intake=intake,
                review=review,
                matched_names=matched,
                facts=intake.facts(),
                corrected_after_signing=bool(review)
                and any(c.at > review.signed_at for c in corrections),
            )
        )
    return visits


def corrections_after(intake: Intake, signed_at: datetime | None) -> list[IdentityCorrection]:
    """The identity corrections made after an intake was signed (none if unsigned)."""
    if signed_at is None:
        return []
    return [c for c in identity_corrections(intake.patient) if c.at > signed_at]
