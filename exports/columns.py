"""The export's fields: one row per intake (visit), every column generated from the fact registry.

A *field* is one row of the data dictionary (REDCap layout). Most fields give one column; a
`checkbox` field (a `codes` fact such as `pain_sites`) gives one 0/1 column per code, named
REDCap style `pain_sites___neck`. The data-dictionary fields come from `intake.rules.facts`
(input facts, then derived facts, in registry order) and are never listed here by hand; around
them come the visit fields, the screening and the review.

The fields belong to two REDCap instruments: `patient` (record_id, names, date of birth, sex:
once per patient) and `visit` (everything else: once per visit). The layout (`Layout`) decides
how a patient's visits become rows: REDCap repeating-instrument rows (a patient row with empty
repeat columns, then a `visit` row per visit), REDCap events, or flat (one row per visit).

Which fields an export has depends on its profile:
- `identified`: the MRN as record_id, names, date of birth, real dates, free text;
- `limited`: a pseudonym as record_id, real dates; no names, MRN, date of birth or free text;
- `deidentified`: a pseudonym as record_id, every date shifted back by the patient's offset;
  no names, MRN, date of birth or free text. Ages are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.db import models

from intake.models import Decision, Disposition, IntakeStatus, Outcome, OverrideReason, Urgency
from intake.rules import facts as registry


class Profile(models.TextChoices):
    IDENTIFIED = "identified", "Identified (names, MRN, dates, free text)"
    LIMITED = "limited", "Limited (pseudonym, real dates; no names, MRN or free text)"
    DEIDENTIFIED = "deidentified", "De-identified (pseudonym, shifted dates, no free text)"


class Layout(models.TextChoices):
    """How a patient's visits are laid out in rows (REDCap's two ways of repeating, or flat)."""

    REPEATING = "repeating", "REDCap repeating instrument (one patient row, then a row per visit)"
    EVENTS = "events", "REDCap events (an enrolment event row, then a visit_N_arm_1 event row)"
    FLAT = "flat", "Flat (one row per visit, the patient's fields on every row; no REDCap columns)"


#: REDCap's instruments (Form Name): the patient's own fields, once per record, and the visit,
#: which repeats (as a repeating instrument, or one event per visit).
PATIENT_FORM, VISIT_FORM = "patient", "visit"
#: The fields of the non-repeating patient instrument, in order (those of the profile).
PATIENT_FIELDS = ("record_id", "given_name", "family_name", "date_of_birth", "sex")
#: REDCap's own columns that place a row: the repeating instrument and its instance, or the
#: event (unique event name).
REPEAT_INSTRUMENT, REPEAT_INSTANCE, EVENT_NAME = (
    "redcap_repeat_instrument",
    "redcap_repeat_instance",
    "redcap_event_name",
)
ENROLMENT_EVENT = "enrolment_arm_1"


def visit_event(number: int) -> str:
    """The unique event name of visit `number` (REDCap's `<event label>_arm_<n>`)."""
    return f"visit_{number}_arm_1"


def layout_columns(layout: str) -> list[str]:
    """REDCap's placing columns a layout adds after record_id."""
    if layout == Layout.REPEATING:
        return [REPEAT_INSTRUMENT, REPEAT_INSTANCE]
    if layout == Layout.EVENTS:
        return [EVENT_NAME]
    return []


class Kind:
    """How a field's values are typed and written (and its REDCap field type)."""

    TEXT = "text"
    NOTES = "notes"  # free text: identified exports only
    INT = "int"
    DECIMAL = "decimal"
    BOOL = "bool"
    CHOICE = "choice"
    CHECKBOX = "checkbox"
    DATE = "date"
    DATETIME = "datetime"


ALL = frozenset(Profile)
IDENTIFIED_ONLY = frozenset({Profile.IDENTIFIED})
PSEUDONYMISED = frozenset({Profile.LIMITED, Profile.DEIDENTIFIED})
YES_NO = {"1": "Yes", "0": "No"}
CHECKED = {1: "Checked", 0: "Unchecked"}


@dataclass(slots=True)
class Visit:
    """What the fields read for one intake: its `.values()` row (the intake's fields, its
    patient's, its latest screening's and its review's as `patient__…`,
    `current_screening__…`, `reviews__…`), its addenda (texts), the facts worked out once,
    and the patient's record id (MRN or pseudonym) and date shift."""

    row: dict
    facts: dict
    addenda: list[str]
    record_id: str
    shift_days: int

    def shifted(self, value: date | datetime | None) -> date | datetime | None:
        if value is None or not self.shift_days:
            return value
        return value - timedelta(days=self.shift_days)


@dataclass(frozen=True, slots=True)
class Field:
    """One data-dictionary row. `read(visit)` gives the raw value (a code, a list of codes for
    a checkbox, a bool, a number, a date, text or None). `form` is its section ("pain",
    "red_flags", …); `instrument` REDCap's Form Name (PATIENT_FORM or VISIT_FORM), set by
    all_fields()."""

    name: str
    form: str
    kind: str
    label: str
    read: Callable[[Visit], Any]
    profiles: frozenset = ALL
    choices: dict[str, str] = field(default_factory=dict)
    identifier: bool = False
    note: str = ""
    minimum: float | int | None = None
    maximum: float | int | None = None
    annotation: str = ""
    instrument: str = VISIT_FORM
    #: REDCap branching logic: when the field is asked (a red-flag detail: under its red flag).
    branching: str = ""

    def column_names(self) -> list[str]:
        if self.kind == Kind.CHECKBOX:
            return [f"{self.name}___{code}" for code in self.choices]
        return [self.name]


def _value(key: str) -> Callable[[Visit], Any]:
    return lambda visit: visit.row[key]


def _fact(name: str) -> Callable[[Visit], Any]:
    return lambda visit: visit.facts.get(name)


def _screening(name: str) -> Callable[[Visit], Any]:
    return _value(f"current_screening__{name}")


def _review(name: str) -> Callable[[Visit], Any]:
    key = f"reviews__{name}"
    return lambda visit: visit.row[key] or None  # a blank override reason is no code


def _codes_text(name: str) -> Callable[[Visit], Any]:
    key = f"current_screening__{name}"

    def read(visit: Visit):
        codes = visit.row[key]
        return None if codes is None else " ".join(codes)

    return read


_KIND_OF_FACT = {
    registry.BOOL: Kind.BOOL,
    registry.INT: Kind.INT,
    registry.DECIMAL: Kind.DECIMAL,
    registry.CHOICE: Kind.CHOICE,
    registry.CODES: Kind.CHECKBOX,
}
# REDCap form names: lower-case letters, digits and underscores ("red_flag_details").
_FORM_OF_SECTION = {
    section: re.sub(r"[^a-z0-9]+", "_", section.lower()) for section in registry.SECTIONS
}
_FORM_OF_SECTION["Patient"] = "patient_facts"  # age (per visit); "patient" is the instrument


def _fact_field(fact: registry.Fact) -> Field:
    note = fact.description if fact.description != fact.label else ""
    if fact.unit and fact.unit not in note:
        note = f"{note} ({fact.unit})" if note else fact.unit
    return Field(
        name=fact.name,
        form="derived_facts" if fact.derived else _FORM_OF_SECTION[fact.section],
        kind=_KIND_OF_FACT[fact.type],
        label=fact.label,
        read=_fact(fact.name),
        choices=dict(registry.CODE_LABELS.get(fact.name, {})),
        note=note,
        minimum=fact.minimum if fact.type in registry.NUMBER_TYPES else None,
        maximum=fact.maximum if fact.type in registry.NUMBER_TYPES else None,
        annotation="derived from the fields above" if fact.derived else "",
        branching=" or ".join(f"[{flag}] = '1'" for flag in fact.asked_when),
    )


def _visit_fields() -> list[Field]:
    return [
        Field(
            "record_id",
            "visit",
            Kind.TEXT,
            "Patient MRN",
            lambda visit: visit.record_id,
            IDENTIFIED_ONLY,
            identifier=True,
            note="The patient's medical record number",
        ),
        Field(
            "record_id",
            "visit",
            Kind.TEXT,
            "Patient pseudonym",
            lambda visit: visit.record_id,
            PSEUDONYMISED,
            note="HMAC-SHA256 of the patient's id under the export key: the same patient has "
            "the same pseudonym in every export made with that key",
        ),
        Field(
            "given_name",
            "visit",
            Kind.TEXT,
            "Given name",
            _value("patient__given_name"),
            IDENTIFIED_ONLY,
            identifier=True,
        ),
        Field(
            "family_name",
            "visit",
            Kind.TEXT,
            "Family name",
            _value("patient__family_name"),
            IDENTIFIED_ONLY,
            identifier=True,
        ),
        Field(
            "date_of_birth",
            "visit",
            Kind.DATE,
            "Date of birth",
            _value("patient__date_of_birth"),
            IDENTIFIED_ONLY,
            identifier=True,
        ),
        Field(
            "visit_number",
            "visit",
            Kind.INT,
            "Visit number",
            _value("visit_number"),
            note="1 for the patient's first intake, then in intake-date order (all of the "
            "patient's intakes count, exported or not)",
            minimum=1,
        ),
        Field(
            "intake_date",
            "visit",
            Kind.DATE,
            "Intake date",
            _value("intake_date"),
            frozenset({Profile.IDENTIFIED, Profile.LIMITED}),
            identifier=True,
        ),
        Field(
            "intake_date",
            "visit",
            Kind.DATE,
            "Intake date (shifted)",
            lambda visit: visit.shifted(visit.row["intake_date"]),
            frozenset({Profile.DEIDENTIFIED}),
            note="Moved back by the patient's date shift (1-364 days, the same for every date "
            "of that patient): intervals between a patient's dates are true, calendar dates "
            "are not",
        ),
        Field(
            "intake_status",
            "visit",
            Kind.CHOICE,
            "Intake status",
            _value("status"),
            choices=dict(IntakeStatus.choices),
        ),
    ]


def _free_text_fields() -> list[Field]:
    return [
        Field(
            "clinical_notes",
            "function",
            Kind.NOTES,
            "Clinical notes",
            _value("clinical_notes"),
            IDENTIFIED_ONLY,
            identifier=True,
            note="Free text; never a fact",
        )
    ]


def _shifted_datetime(read: Callable[[Visit], Any]) -> Callable[[Visit], Any]:
    return lambda visit: visit.shifted(read(visit))


def _screening_fields() -> list[Field]:
    return [
        Field(
            "screening_outcome",
            "screening",
            Kind.CHOICE,
            "Suggestion",
            _screening("outcome"),
            choices=dict(Outcome.choices),
            note="The latest screening's suggestion (empty for a draft never screened)",
        ),
        Field(
            "screening_urgency",
            "screening",
            Kind.CHOICE,
            "Urgency",
            _screening("urgency"),
            choices=dict(Urgency.choices),
            note="A referral's urgency: the highest of its matched red flags (empty when no "
            "red flag matched, and for referrals screened before red flags carried one)",
        ),
        Field(
            "screening_red_flags",
            "screening",
            Kind.TEXT,
            "Red flags matched",
            _codes_text("red_flags"),
            note="Criterion codes, separated by spaces",
        ),
        Field(
            "screening_pathways",
            "screening",
            Kind.TEXT,
            "AMPS pathways matched",
            _codes_text("pathways"),
            note="Criterion codes, separated by spaces",
        ),
        Field(
            "screening_caveats",
            "screening",
            Kind.TEXT,
            "Caveats matched",
            _codes_text("caveats"),
            note="Criterion codes, separated by spaces",
        ),
        Field(
            "criteria_version",
            "screening",
            Kind.INT,
            "Criteria set version",
            _screening("criteria_set__version"),
            minimum=1,
        ),
        Field(
            "criteria_hash",
            "screening",
            Kind.TEXT,
            "Criteria set content hash",
            _screening("criteria_hash"),
            note="SHA-256 of the criteria set's content when it screened this intake",
        ),
        Field(
            "screened_at",
            "screening",
            Kind.DATETIME,
            "Screened at",
            _shifted_datetime(_screening("created_at")),
            note="Local time; shifted with the patient's dates in de-identified exports",
        ),
    ]


def _review_fields() -> list[Field]:
    return [
        Field(
            "review_decision",
            "review",
            Kind.CHOICE,
            "Review decision",
            _review("decision"),
            choices=dict(Decision.choices),
            note="Empty until a rheumatologist signs",
        ),
        Field(
            "review_override_reason",
            "review",
            Kind.CHOICE,
            "Override reason",
            _review("override_reason"),
            choices=dict(OverrideReason.choices),
        ),
        Field(
            "review_disposition",
            "review",
            Kind.CHOICE,
            "Disposition",
            _review("disposition"),
            choices=dict(Disposition.choices),
        ),
        Field(
            "review_signed_at",
            "review",
            Kind.DATETIME,
            "Signed at",
            _shifted_datetime(_review("signed_at")),
            note="Local time; shifted with the patient's dates in de-identified exports",
        ),
        Field(
            "review_comment",
            "review",
            Kind.NOTES,
            "Override comment",
            _review("comment"),
            IDENTIFIED_ONLY,
            identifier=True,
            note="Free text",
        ),
        Field(
            "review_note",
            "review",
            Kind.NOTES,
            "Review note",
            _review("note"),
            IDENTIFIED_ONLY,
            identifier=True,
            note="Free text",
        ),
        Field(
            "addenda",
            "review",
            Kind.NOTES,
            "Addenda",
            lambda visit: "\n\n".join(visit.addenda) or None,
            IDENTIFIED_ONLY,
            identifier=True,
            note="Free text added after signing, oldest first, separated by a blank line",
        ),
    ]


#: Registry facts about the visit itself, shown with the visit columns (after visit_number)
#: rather than in their section, so every row starts with the record and visit, REDCap style.
VISIT_FACTS = ("visit_type",)


def all_fields() -> list[Field]:
    """Every field of every profile, in export order: the patient instrument (record_id, names,
    date of birth, sex), then the visit instrument: the visit, the data-dictionary sections
    (from the registry), free text, derived facts (from the registry), screening, review.
    REDCap wants each instrument's fields together, the record id first."""
    visit = _visit_fields()
    about_visit = [
        replace(_fact_field(registry.INPUT_FACTS[name]), form="visit")
        for name in VISIT_FACTS
        if name in registry.INPUT_FACTS
    ]
    after_number = next(i for i, f in enumerate(visit) if f.name == "visit_number") + 1
    visit[after_number:after_number] = about_visit
    inputs = [
        _fact_field(fact) for fact in registry.INPUT_FACTS.values() if fact.name not in VISIT_FACTS
    ]
    derived = [_fact_field(fact) for fact in registry.DERIVED_FACTS.values()]
    every = [
        *visit,
        *inputs,
        *_free_text_fields(),
        *derived,
        *_screening_fields(),
        *_review_fields(),
    ]
    patient = [
        replace(f, form=PATIENT_FORM, instrument=PATIENT_FORM)
        for name in PATIENT_FIELDS
        for f in every
        if f.name == name
    ]
    return [*patient, *(f for f in every if f.name not in PATIENT_FIELDS)]


def fields_for(profile: str) -> list[Field]:
    """The fields of one profile, in export order."""
    return [f for f in all_fields() if profile in f.profiles]


def column_names(profile: str) -> list[str]:
    return [name for f in fields_for(profile) for name in f.column_names()]
