"""The data dictionary of an export, in REDCap's column layout, generated from the fields.

One row per field; a `checkbox` field is one row whose export columns are `field___code`, one
per choice (REDCap's convention), so `export_column_names(rows, layout)` gives an export's
columns. Two instruments (Form Name): `patient` (not repeating: record_id, names, date of
birth, sex) and `visit` (repeating, or one event per visit), each section of the visit under
its own Section Header. Which instrument repeats is set in a REDCap project, not in its
dictionary, so the first field of each instrument says it in its Section Header and Field
Annotation.
"""

import csv
from collections.abc import Iterable
from typing import TextIO

from exports.columns import (
    ENROLMENT_EVENT,
    PATIENT_FORM,
    VISIT_FORM,
    Field,
    Kind,
    Layout,
    fields_for,
    layout_columns,
)

HEADER = (
    "Variable / Field Name",
    "Form Name",
    "Section Header",
    "Field Type",
    "Field Label",
    "Choices, Calculations, OR Slider Labels",
    "Field Note",
    "Text Validation Type OR Show Slider Number",
    "Text Validation Min",
    "Text Validation Max",
    "Identifier?",
    "Branching Logic (Show field only if...)",
    "Required Field?",
    "Custom Alignment",
    "Question Number (surveys only)",
    "Matrix Group Name",
    "Matrix Ranking?",
    "Field Annotation",
)

# kind -> (REDCap field type, text validation type)
_REDCAP_TYPE = {
    Kind.TEXT: ("text", ""),
    Kind.NOTES: ("notes", ""),
    Kind.INT: ("text", "integer"),
    Kind.DECIMAL: ("text", "number"),
    Kind.BOOL: ("yesno", ""),
    Kind.CHOICE: ("dropdown", ""),
    Kind.CHECKBOX: ("checkbox", ""),
    Kind.DATE: ("text", "date_ymd"),
    Kind.DATETIME: ("text", "datetime_seconds_ymd"),
}
_SECTION_HEADERS = {
    "patient": "Patient",
    "visit": "Visit",
    "patient_facts": "Age at the visit",
    "pain": "Pain",
    "budapest_grid": "Sensory and autonomic findings (Budapest grid)",
    "symptom_severity": "Symptom severity",
    "red_flags": "Red flags",
    "red_flag_details": "Red-flag details (asked when their red flag is yes; empty = not asked)",
    "laboratory": "Laboratory results (empty = not done)",
    "function": "Function",
    "derived_facts": "Derived facts",
    "screening": "Screening (the latest suggestion)",
    "review": "Review (the signature)",
}


def _number(value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else str(value)


def _choices(field: Field) -> str:
    if field.kind == Kind.BOOL:
        return "1, Yes | 0, No"
    return " | ".join(f"{code}, {label}" for code, label in field.choices.items())


#: What the first field of each instrument says about its rows, per layout.
_REPEATS = {
    Layout.REPEATING: {
        PATIENT_FORM: "Not repeating: one row per patient, with redcap_repeat_instrument and "
        "redcap_repeat_instance empty",
        VISIT_FORM: "Repeating instrument 'visit': one row per visit, redcap_repeat_instrument "
        "'visit' and redcap_repeat_instance the visit number",
    },
    Layout.EVENTS: {
        PATIENT_FORM: f"Event {ENROLMENT_EVENT} only: one row per patient",
        VISIT_FORM: "One event per visit: visit_1_arm_1, visit_2_arm_1, … (the visit number)",
    },
    Layout.FLAT: {
        PATIENT_FORM: "Repeated on every visit row (flat layout, not for REDCap)",
        VISIT_FORM: "One row per visit (flat layout, not for REDCap)",
    },
}


def dictionary_rows(profile: str, layout: str = Layout.REPEATING) -> list[dict[str, str]]:
    """The data dictionary of `profile`, one dict per field keyed by HEADER; the first field
    of each instrument says how the `layout` repeats it."""
    rows = []
    seen_forms: set[str] = set()
    seen_instruments: set[str] = set()
    for field in fields_for(profile):
        field_type, validation = _REDCAP_TYPE[field.kind]
        section = ""
        annotation = field.annotation
        if field.form not in seen_forms:
            seen_forms.add(field.form)
            section = _SECTION_HEADERS.get(field.form, field.form)
        if field.instrument not in seen_instruments:
            seen_instruments.add(field.instrument)
            repeats = _REPEATS[layout][field.instrument]
            section = f"{section} ({repeats})"
            annotation = f"{annotation}; {repeats}" if annotation else repeats
        values = (
            field.name,
            field.instrument,
            section,
            field_type,
            field.label,
            _choices(field),
            field.note,
            validation,
            _number(field.minimum),
            _number(field.maximum),
            "y" if field.identifier else "",
            field.branching,
            "y" if field.name == "record_id" else "",
            "",
            "",
            "",
            "",
            annotation,
        )
        rows.append(dict(zip(HEADER, values, strict=True)))
    return rows


def export_column_names(
    rows: Iterable[dict[str, str]], layout: str = Layout.REPEATING
) -> list[str]:
    """The export's column names that these data-dictionary rows describe (checkbox fields
    expanded to `field___code`), like REDCap's "export field names", with the layout's
    placing columns (redcap_repeat_instrument and redcap_repeat_instance, or
    redcap_event_name) after record_id, as REDCap writes them."""
    names = []
    for row in rows:
        name = row["Variable / Field Name"]
        if row["Field Type"] == "checkbox":
            codes = [choice.split(",", 1)[0].strip() for choice in row[HEADER[5]].split("|")]
            names.extend(f"{name}___{code}" for code in codes)
        else:
            names.append(name)
        if name == "record_id":
            names.extend(layout_columns(layout))
    return names


def write_dictionary_csv(*, profile: str, output: TextIO, layout: str = Layout.REPEATING) -> int:
    """Write the data dictionary of `profile` as CSV; returns the number of fields."""
    rows = dictionary_rows(profile, layout)
    writer = csv.DictWriter(output, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)
