"""The data dictionary of an export, in REDCap's column layout, generated from the fields.

One row per field; a `checkbox` field is one row whose export columns are `field___code`, one
per choice (REDCap's convention), so `export_column_names(rows)` gives an export's columns.
"""

import csv
from collections.abc import Iterable
from typing import TextIO

from exports.columns import Field, Kind, fields_for

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
    "visit": "Visit",
    "patient": "Patient (facts)",
    "pain": "Pain",
    "budapest_grid": "Sensory and autonomic findings (Budapest grid)",
    "symptom_severity": "Symptom severity",
    "red_flags": "Red flags",
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


def dictionary_rows(profile: str) -> list[dict[str, str]]:
    """The data dictionary of `profile`, one dict per field keyed by HEADER."""
    rows = []
    seen_forms: set[str] = set()
    for field in fields_for(profile):
        field_type, validation = _REDCAP_TYPE[field.kind]
        section = ""
        if field.form not in seen_forms:
            seen_forms.add(field.form)
            section = _SECTION_HEADERS.get(field.form, field.form)
        values = (
            field.name,
            field.form,
            section,
            field_type,
            field.label,
            _choices(field),
            field.note,
            validation,
            _number(field.minimum),
            _number(field.maximum),
            "y" if field.identifier else "",
            "",
            "y" if field.name == "record_id" else "",
            "",
            "",
            "",
            "",
            field.annotation,
        )
        rows.append(dict(zip(HEADER, values, strict=True)))
    return rows


def export_column_names(rows: Iterable[dict[str, str]]) -> list[str]:
    """The export's column names that these data-dictionary rows describe (checkbox fields
    expanded to `field___code`), like REDCap's "export field names"."""
    names = []
    for row in rows:
        name = row["Variable / Field Name"]
        if row["Field Type"] == "checkbox":
            codes = [choice.split(",", 1)[0].strip() for choice in row[HEADER[5]].split("|")]
            names.extend(f"{name}___{code}" for code in codes)
        else:
            names.append(name)
    return names


def write_dictionary_csv(*, profile: str, output: TextIO) -> int:
    """Write the data dictionary of `profile` as CSV; returns the number of fields."""
    rows = dictionary_rows(profile)
    writer = csv.DictWriter(output, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return len(rows)
