"""Reading intakes for an export: the filters, the query (in chunks, with its joins), and the
typed cells of each row."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import batched

from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from exports.columns import (
    CHECKED,
    ENROLMENT_EVENT,
    PATIENT_FORM,
    VISIT_FORM,
    YES_NO,
    Field,
    Kind,
    Layout,
    Profile,
    Visit,
    fields_for,
    layout_columns,
    visit_event,
)
from exports.pseudonyms import Pseudonymiser, pseudonym_key
from intake.models import (
    INTAKE_FACT_FIELDS,
    Addendum,
    Intake,
    IntakeStatus,
    completed_years,
    input_facts_of,
)
from intake.rules.facts import derive

CHUNK_SIZE = 1000
DEFAULT_STATUSES = (IntakeStatus.SUBMITTED, IntakeStatus.SIGNED, IntakeStatus.HISTORIC)


@dataclass(frozen=True)
class ExportOptions:
    """What to export: the profile, the layout of a patient's visits, raw codes or labels,
    and the filters."""

    profile: str
    layout: str = Layout.REPEATING
    labels: bool = False
    date_from: date | None = None
    date_to: date | None = None
    statuses: tuple[str, ...] = DEFAULT_STATUSES
    outcomes: tuple[str, ...] = ()
    criteria_version: int | None = None
    fields: list[Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "fields", fields_for(Profile(self.profile)))
        if self.profile == Profile.DEIDENTIFIED:
            # Whole months at the finest: a de-identified export selected on one true day
            # would put every (shifted) row on that day and give each patient's shift away.
            if self.date_from:
                object.__setattr__(self, "date_from", self.date_from.replace(day=1))
            if self.date_to:
                last = calendar.monthrange(self.date_to.year, self.date_to.month)[1]
                object.__setattr__(self, "date_to", self.date_to.replace(day=last))

    def filters(self) -> dict:
        """The filters as JSON for the access log."""
        return {
            "date_from": self.date_from.isoformat() if self.date_from else None,
            "date_to": self.date_to.isoformat() if self.date_to else None,
            "status": list(self.statuses),
            "suggestion": list(self.outcomes),
            "criteria_version": self.criteria_version,
            "labels": self.labels,
            "layout": self.layout,
        }

    def file_filters(self) -> dict:
        """The filters as written into the export file's own metadata: a de-identified file
        holds no true date, so its date window (whole months) is left out (the access log
        keeps it)."""
        filters = self.filters()
        if self.profile == Profile.DEIDENTIFIED:
            filters["date_from"] = filters["date_to"] = None
            filters["dates"] = "whole months of true intake dates; not recorded in the file"
        return filters

    def as_json(self) -> dict:
        """The options as JSON (a background job's arguments); `from_json` reads them back."""
        return {"profile": self.profile, **self.filters()}

    @classmethod
    def from_json(cls, data: dict) -> ExportOptions:
        day = date.fromisoformat
        return cls(
            profile=data["profile"],
            layout=data.get("layout", Layout.FLAT),  # jobs queued before layouts: flat
            labels=data["labels"],
            date_from=day(data["date_from"]) if data["date_from"] else None,
            date_to=day(data["date_to"]) if data["date_to"] else None,
            statuses=tuple(data["status"]),
            outcomes=tuple(data["suggestion"]),
            criteria_version=data["criteria_version"],
        )

    def column_names(self) -> list[str]:
        names = [name for f in self.fields for name in f.column_names()]
        names[1:1] = layout_columns(self.layout)  # after record_id, as REDCap writes them
        return names

    def column_kinds(self) -> list[str]:
        """One kind per column (a checkbox field's columns are BOOL-like 0/1 flags)."""
        kinds = [
            Kind.CHECKBOX if f.kind == Kind.CHECKBOX else f.kind
            for f in self.fields
            for _ in f.column_names()
        ]
        placing = {Layout.REPEATING: [Kind.TEXT, Kind.INT], Layout.EVENTS: [Kind.TEXT]}
        kinds[1:1] = placing.get(self.layout, [])
        return kinds


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
    """The intakes the filters select."""
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


# What a row reads, by `.values()` key: the intake's own fields, its patient's, its latest
# screening's (all None when it was never screened) and the visit number.
_ROW_VALUES = (
    "pk",
    "intake_date",
    "status",
    *INTAKE_FACT_FIELDS,
    "patient__uuid",
    "patient__date_of_birth",
    "patient__sex",
    "current_screening__outcome",
    "current_screening__urgency",
    "current_screening__red_flags",
    "current_screening__pathways",
    "current_screening__caveats",
    "current_screening__criteria_hash",
    "current_screening__created_at",
    "current_screening__criteria_set__version",
    # One review an intake at most (a named constraint), so this join never repeats a row.
    "reviews__decision",
    "reviews__override_reason",
    "reviews__disposition",
    "reviews__signed_at",
    "visit_number",
)
_IDENTIFIED_VALUES = (
    "clinical_notes",
    "patient__mrn",
    "patient__given_name",
    "patient__family_name",
    "reviews__comment",
    "reviews__note",
)


def visits(
    options: ExportOptions, *, upto_pk: int | None = None, chunk_size: int = CHUNK_SIZE
) -> Iterator[Visit]:
    """Every row of the export as a Visit (intakes up to id `upto_pk` when given), read
    `chunk_size` intakes at a time as plain values (no model instances): one query a chunk
    (intakes with their patient, latest screening and review joined), and one more for their
    addenda when identified.
    Names, MRNs and free text are not even read unless the export is identified."""
    identified = options.profile == Profile.IDENTIFIED
    pseudonymiser = None if identified else Pseudonymiser(pseudonym_key())
    shift = options.profile == Profile.DEIDENTIFIED
    selected = select_intakes(options)
    if upto_pk is not None:
        selected = selected.filter(pk__lte=upto_pk)
    row_values = _ROW_VALUES + (_IDENTIFIED_VALUES if identified else ())
    rows = (
        selected.annotate(visit_number=_visit_number())
        .order_by("patient_id", "intake_date", "pk")
        .values(*row_values)
        .iterator(chunk_size=chunk_size)
    )
    for chunk in batched(rows, chunk_size):
        addenda = _addenda_of([row["pk"] for row in chunk]) if identified else {}
        for row in chunk:
            patient = row["patient__uuid"]
            facts = derive(
                input_facts_of(
                    row,
                    age_years=completed_years(row["patient__date_of_birth"], row["intake_date"]),
                    sex=row["patient__sex"],
                )
            )
            yield Visit(
                row=row,
                facts=facts,
                addenda=addenda.get(row["pk"], []),
                record_id=row["patient__mrn"]
                if identified
                else pseudonymiser.pseudonym(patient, options.profile),
                shift_days=pseudonymiser.shift_days(patient) if shift else 0,
            )


def _addenda_of(ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    addenda = Addendum.objects.filter(intake_id__in=ids).order_by("created_at", "pk")
    for intake_id, text in addenda.values_list("intake_id", "text"):
        found.setdefault(intake_id, []).append(text)
    return found


def layout_rows(options: ExportOptions, visits_: Iterator[Visit]) -> Iterator[list]:
    """The export's rows in the options' layout: flat, one row per visit; or REDCap's, a
    patient row (the patient instrument: record_id, names, date of birth, sex) before each
    patient's first visit row, then one row per visit (the visit instrument) placed by
    redcap_repeat_instrument/redcap_repeat_instance or redcap_event_name, the other
    instrument's columns empty (visits come ordered by patient)."""
    fields, labels, layout = options.fields, options.labels, options.layout
    if layout == Layout.FLAT:
        for visit in visits_:
            yield cells(fields, visit, labels=labels)
        return
    patient_fields = [f for f in fields if f.instrument == PATIENT_FORM]
    visit_fields = [f for f in fields if f.instrument == VISIT_FORM]
    patient_blank = [None] * (sum(len(f.column_names()) for f in patient_fields) - 1)
    visit_blank = [None] * sum(len(f.column_names()) for f in visit_fields)
    repeating = layout == Layout.REPEATING
    current = None
    for visit in visits_:
        patient_cells = cells(patient_fields, visit, labels=labels)
        record_id, number = patient_cells[0], visit.row["visit_number"]
        if visit.row["patient__uuid"] != current:
            current = visit.row["patient__uuid"]
            placing = [None, None] if repeating else [ENROLMENT_EVENT]
            yield [record_id, *placing, *patient_cells[1:], *visit_blank]
        placing = [VISIT_FORM, number] if repeating else [visit_event(number)]
        yield [record_id, *placing, *patient_blank, *cells(visit_fields, visit, labels=labels)]


def cells(fields: list[Field], visit: Visit, *, labels: bool) -> list:
    """One row's typed values: int, float, str, date, datetime or None. Raw exports write
    codes and 1/0 for yes/no and checkboxes; label exports write the labels."""
    row: list = []
    append, extend = row.append, row.extend
    for f in fields:
        value = f.read(visit)
        kind = f.kind
        if kind == Kind.CHECKBOX and value is None and f.branching:
            extend([None] * len(f.choices))  # a red-flag detail that was not asked
        elif kind == Kind.CHECKBOX:
            ticked = frozenset(value or ())
            flags = [1 if code in ticked else 0 for code in f.choices]
            extend([CHECKED[flag] for flag in flags] if labels else flags)
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
