"""One patient's audit timeline: every access event and every change to the patient, their
intakes, screenings, reviews and addenda, newest first, each change as field: before → after.

Everything is read here and turned into plain entries for the page; nothing is written. The
histories are django-simple-history's (every version of a record with who, when and why)."""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import models
from django.utils import timezone

from audit.models import AccessEvent
from intake.models import Addendum, Intake, Patient, Review, Screening

#: The newest access events read for one page (a record opened thousands of times still
#: answers at once; the page says when there were more).
ACCESS_EVENTS_SHOWN = 1000
# Columns that are bookkeeping, not the record: never listed as changes.
NOT_CHANGES = {"updated_at", "search_text", "current_screening", "review_priority",
               "review_urgency", "screened_at"}  # fmt: skip


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    when: datetime
    who: str
    what: str
    kind: str  # "access", "change" or "screening"
    record: str = ""  # which record ("Intake of 3 Dec 2026"), for changes
    why: str = ""
    changes: list[Change] = field(default_factory=list)


def in_words(value, model_field: models.Field | None = None) -> str:
    """A stored value as the page shows it: choices by their label, dates in words."""
    if value is None or value == "" or value == []:
        return "—"
    if model_field is not None and model_field.choices:
        labels = dict(model_field.flatchoices)
        if isinstance(value, list):
            return ", ".join(str(labels.get(v, v)) for v in value)
        return str(labels.get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%-d %b %Y, %H:%M}"  # the clinic's time
    if isinstance(value, date):
        return f"{value:%-d %b %Y}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _who(user) -> str:
    if user is None:
        return "unknown"
    return user.get_full_name() or user.get_username()


def _history_entries(records, model, describe) -> list[Entry]:
    """Entries for every version of the records in `records` (oldest first per record): a
    creation, then each change as before → after of the fields it changed."""
    entries = []
    previous: dict[int, object] = {}
    for version in records.select_related("history_user").order_by("history_date", "history_id"):
        before = previous.get(version.id)
        previous[version.id] = version
        entry = Entry(
            when=version.history_date,
            who=_who(version.history_user),
            what={"+": "Created", "~": "Changed", "-": "Deleted"}[version.history_type],
            kind="change",
            record=describe(version),
            why=version.history_change_reason or "",
        )
        if before is not None:
            for delta in version.diff_against(before).changes:
                if delta.field in NOT_CHANGES:
                    continue
                model_field = model._meta.get_field(delta.field)
                entry.changes.append(
                    Change(
                        label=str(model_field.verbose_name),
                        before=in_words(delta.old, model_field),
                        after=in_words(delta.new, model_field),
                    )
                )
            if not entry.changes and not entry.why:
                continue  # only bookkeeping moved (a queue key): not a change to the record
        entries.append(entry)
    return entries


def patient_timeline(patient: Patient) -> tuple[list[Entry], bool]:
    """The patient's timeline, newest first, and whether older access events were left out."""
    intakes = {i.pk: i for i in Intake.objects.filter(patient=patient).only("pk", "intake_date")}

    def visit(intake_id) -> str:
        intake = intakes.get(intake_id)
        return f"intake of {intake.intake_date:%-d %b %Y}" if intake else "an intake"

    entries = _history_entries(
        Patient.history.filter(id=patient.pk), Patient, lambda v: "Patient's identity"
    )
    entries += _history_entries(
        Intake.history.filter(id__in=list(intakes)),
        Intake,
        lambda v: f"Intake of {v.intake_date:%-d %b %Y}",
    )
    entries += _history_entries(
        Review.history.filter(intake_id__in=list(intakes)),
        Review,
        lambda v: f"Review of the {visit(v.intake_id)}",
    )
    entries += _history_entries(
        Addendum.history.filter(intake_id__in=list(intakes)),
        Addendum,
        lambda v: f"Addendum to the {visit(v.intake_id)}",
    )
    for screening in (
        Screening.objects.filter(intake_id__in=list(intakes))
        .select_related("created_by", "criteria_set")
        .only(
            "created_at", "outcome", "urgency", "intake_id", "created_by", "criteria_set__version"
        )
    ):
        urgency = f", {screening.urgency}" if screening.urgency else ""
        entries.append(
            Entry(
                when=screening.created_at,
                who=_who(screening.created_by),
                what=f"Screened: {screening.get_outcome_display()}{urgency} "
                f"(criteria version {screening.criteria_set.version})",
                kind="screening",
                record=f"Intake of {intakes[screening.intake_id].intake_date:%-d %b %Y}",
            )
        )
    events = list(
        AccessEvent.objects.filter(patient=patient)
        .select_related("user", "intake")
        .order_by("-created_at", "-pk")[: ACCESS_EVENTS_SHOWN + 1]
    )
    more = len(events) > ACCESS_EVENTS_SHOWN
    for event in events[:ACCESS_EVENTS_SHOWN]:
        detail = event.detail_in_words()
        entries.append(
            Entry(
                when=event.created_at,
                who=_who(event.user) if event.user_id else f"API client: {event.client}",
                what=event.get_action_display() + (f" ({detail})" if detail else ""),
                kind="access",
                record=f"Intake of {event.intake.intake_date:%-d %b %Y}"
                if event.intake_id
                else "Patient record",
            )
        )
    entries.sort(key=lambda entry: entry.when, reverse=True)
    return entries, more
