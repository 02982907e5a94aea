"""Reading intakes for an export: the filters, the query (in chunks, with its joins), and the
typed cells of each row."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Coalesce

from exports.columns import CHECKED, YES_NO, Field, Kind, Profile, Visit, fields_for
from exports.pseudonyms import Pseudonymiser, pseudonym_key
from intake.models import Addendum, Intake, IntakeStatus, Review

CHUNK_SIZE = 2000
DEFAULT_STATUSES = (IntakeStatus.SUBMITTED, IntakeStatus.SIGNED)
# A screening's bulky snapshot columns, which an export never writes.
_HEAVY = ("current_screening__trace", "current_screening__facts", "current_screening__explanation")


@dataclass(frozen=True)
class ExportOptions:
    """What to export: the profile, raw codes or labels, and the filters."""

    profile: str
    labels: bool = False
    date_from: date | None = None
    date_to: date | None = None
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    outcomes: tuple[str, ...] = ()
    criteria_version: int | None = None
    fields: list[Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "fields", fields_for(Profile(self.profile)))

    def filters(self) -> dict:
        """The filters as JSON for the access log."""
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "status": list(self.statuses),
            "suggestion": list(self.outcomes),
            "criteria_version": self.criteria_version,
            "labels": self.labels,
        }

    def column_names(self) -> list[str]:
        return [name for f in self.fields for name in f.column_names()]

    def column_kinds(self) -> list[str]:
        """One kind per column (a checkbox field's columns are BOOL-like 0/1 flags)."""
        return [
            Kind.CHECKBOX if f.kind == Kind.CHECKBOX else f.kind
            for f in self.fields
            for _ in f.column_names()
        ]


def _visit_number():
    """1 + the patient's intakes before this one (by intake date, then id), as a subquery,
    so that filtering the export never renumbers a patient's visits."""
    earlier = (
        Intake.objects.filter(patient=OuterRef("patient"))
        .filter(
            Q(intake_date__lt=OuterRef("intake_date"))
            | Q(intake_date=OuterRef("intake_date"), pk__lt=OuterRef("pk"))
        )
        .order_by()
        .values("patient")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(earlier, output_field=IntegerField()), Value(0)) + Value(1)


def select_intakes(options: ExportOptions):
    """The filtered intakes, in record then visit order, with what the fields read joined
    (patient, latest screening and its criteria set) or prefetched per chunk (review, addenda)."""
    queryset = Intake.objects.filter(status__in=options.statuses)
    if options.date_from:
        queryset = queryset.filter(intake_date__gte=options.date_from)
    if options.date_to:
        queryset = queryset.filter(intake_date__lte=options.date_to)
    if options.outcomes:
        queryset = queryset.filter(current_screening__outcome__in=options.outcomes)
    if options.criteria_version is not None:
        queryset = queryset.filter(
            current_screening__criteria_set__version=options.criteria_version
        )
    return queryset


def visits(
    options: ExportOptions, *, upto_pk: int | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[Visit]:
    """Every row of the export as a Visit (intakes up to id `upto_pk` when given), read
    `chunk_size` intakes at a time: three queries a chunk (intakes with their joins, reviews,
    and addenda for identified exports)."""
    identified = options.profile == Profile.IDENTIFIED
    pseudonymiser = None if identified else Pseudonymiser(pseudonym_key())
    prefetches = [Prefetch("reviews", queryset=Review.objects.order_by("signed_at"))]
    if identified:
        prefetches.append(Prefetch("addenda", queryset=Addendum.objects.order_by("created_at")))
    selected = select_intakes(options)
    if upto_pk is not None:
        selected = selected.filter(pk__lte=upto_pk)
    queryset = (
        selected.select_related("patient", "current_screening__criteria_set")
        .defer(*_HEAVY)
        .annotate(visit_number=_visit_number())
        .prefetch_related(*prefetches)
        .order_by("patient_id", "intake_date", "pk")
    )
    shift = options.profile == Profile.DEIDENTIFIED
    for intake in queryset.iterator(chunk_size=chunk_size):
        patient = intake.patient
        reviews = intake.reviews.all()
        if pseudonymiser is None:
            record_id = patient.mrn
        else:
            record_id = pseudonymiser.pseudonym(patient.uuid)
        yield Visit(
            intake=intake,
            facts=intake.facts(),
            screening=intake.current_screening,
            review=reviews[0] if reviews else None,
            addenda=list(intake.addenda.all()) if identified else [],
            record_id=record_id,
            shift_days=pseudonymiser.shift_days(patient.uuid) if shift else 0,
        )


def cells(fields: list[Field], visit: Visit, *, labels: bool) -> list:
    """One row's typed values: int, float, str, date, datetime or None. Raw exports write
    codes and 1/0 for yes/no and checkboxes; label exports write the labels."""
    row: list = []
    append = row.append
    for f in fields:
        value = f.read(visit)
        kind = f.kind
        if kind == Kind.CHECKBOX:
            ticked = value or ()
            for code in f.choices:
                flag = 1 if code in ticked else 0
                append(CHECKED[flag] if labels else flag)
        elif value is None or value == "":
            append(None)
        elif kind == Kind.BOOL:
            append(YES_NO[str(int(value))] if labels else int(value))
        elif kind == Kind.CHOICE:
            append(f.choices.get(value, value) if labels else value)
        elif kind == Kind.DECIMAL:
            append(float(value))
        else:
            append(value)
    return row
