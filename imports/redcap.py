"""Reading a REDCap export of intakes: its data dictionary and its data (CSV, raw codes), checked
against this app's fields, every row validated like a JSON intake.

What is known comes from the export's own definitions (`exports.columns`, generated from the
fact registry), so a field added to the registry is read here without a line of its own:
- the patient instrument (record_id = MRN, given_name, family_name, date_of_birth, sex) makes
  or finds the patient;
- the visit instrument's input facts, `visit_type`, `intake_date` and `clinical_notes` make the
  intake, validated by `intake.rules.validation.validate_intake` (with `age_years` worked out
  from the date of birth at the intake date);
- what this app works out itself (`visit_number`, `intake_status`, the derived facts, the
  screening and the review columns) and REDCap's `<form>_complete` columns are accepted and not
  read: the import screens every intake again, and a signature is never imported.
The three layouts of an export are read: REDCap repeating instrument (a patient row with empty
repeat columns, then `visit` rows by instance), REDCap events (`enrolment_arm_1`, then
`visit_N_arm_1`), and flat (the patient's fields on every visit row). Any other column, a field
the dictionary describes differently, a file that is not UTF-8 CSV, or a file over the size
limit is refused as a whole (ImportRefused); everything wrong with a row is a RowError naming
the record, the visit and the field.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.utils import timezone

from amps_screen.spreadsheets import FORMULA_START
from exports.columns import (
    ENROLMENT_EVENT,
    EVENT_NAME,
    PATIENT_FIELDS,
    PATIENT_FORM,
    REPEAT_INSTANCE,
    REPEAT_INSTRUMENT,
    VISIT_FORM,
    Field,
    Kind,
    Layout,
    Profile,
    fields_for,
)
from exports.dictionary import HEADER
from intake.forms.intake import FIRST_INTAKE_DATE, MAX_AGE_YEARS, MRN_PATTERN
from intake.models import Intake, Patient, completed_years, model_values
from intake.rules import facts as registry
from intake.rules.validation import CLINICAL_NOTES_MAX_LENGTH, printable, validate_intake
from intake.services import HistoricPatient, HistoricVisit

#: The visit fields an import reads besides the input facts.
VISIT_INPUTS = ("intake_date", "clinical_notes")
NAME_MAX_LENGTH = 100
#: REDCap's dictionary type of each kind (as exports.dictionary writes it).
_FIELD_TYPES = {
    Kind.TEXT: "text",
    Kind.NOTES: "notes",
    Kind.INT: "text",
    Kind.DECIMAL: "text",
    Kind.BOOL: "yesno",
    Kind.CHOICE: "dropdown",
    Kind.CHECKBOX: "checkbox",
    Kind.DATE: "text",
    Kind.DATETIME: "text",
}
_VISIT_EVENT = re.compile(r"visit_([1-9][0-9]{0,5})_arm_1")
_WHOLE = re.compile(r"[+-]?[0-9]{1,12}")
_DECIMAL = re.compile(r"[+-]?(?:[0-9]{1,12}(?:\.[0-9]{0,12})?|\.[0-9]{1,12})")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
#: The most problems a refusal lists (the rest are counted).
SHOWN_PROBLEMS = 20


class ImportRefused(Exception):
    """The files cannot be read at all (size, encoding, columns, dictionary): nothing else is
    checked. `problems` are sentences."""

    def __init__(self, problems: list[str]):
        shown = problems[:SHOWN_PROBLEMS]
        if len(problems) > SHOWN_PROBLEMS:
            shown.append(f"… and {len(problems) - SHOWN_PROBLEMS} more.")
        super().__init__(" ".join(shown))
        self.problems = shown


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of one record: `place` says which row ("patient row", "visit 2"), `line`
    is the file's line (the header is line 1)."""

    record: str
    place: str
    line: int
    field: str
    message: str

    def __str__(self) -> str:
        where = f"record {self.record or '(no record_id)'}, {self.place} (line {self.line})"
        return f"{where}, {self.field or 'row'}: {self.message}"

    def as_json(self) -> dict:
        return {
            "record": self.record,
            "place": self.place,
            "line": self.line,
            "field": self.field,
            "message": self.message,
        }


@dataclass
class ImportPlan:
    """What a file would import: patients with their visits (only when there are no errors),
    every error, and what was read."""

    layout: str
    rows: int
    patients: list[HistoricPatient] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    not_read: list[str] = field(default_factory=list)
    known_patients: int = 0

    @property
    def intakes(self) -> int:
        return sum(len(patient.visits) for patient in self.patients)

    @property
    def valid(self) -> bool:
        return not self.errors


# -- the files -----------------------------------------------------------------------------------


def read_text(data: bytes, *, what: str) -> str:
    """A file's bytes as text: at most AMPS_IMPORT_MAX_BYTES, UTF-8 (a byte-order mark is
    dropped), no NUL; otherwise ImportRefused."""
    limit = settings.AMPS_IMPORT_MAX_BYTES
    if len(data) > limit:
        raise ImportRefused(
            [
                f"The {what} is {len(data):,} bytes, over the limit of {limit:,} bytes; it was not "
                "read. Split the export (by date) and import each part."
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportRefused(
            [f"The {what} is not UTF-8 text: export it from REDCap as CSV (raw data)."]
        ) from None
    if "\x00" in text:
        raise ImportRefused([f"The {what} holds NUL characters: it is not a CSV file."])
    return text


def _csv_rows(text: str, *, what: str) -> list[list[str]]:
    try:
        return list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as error:
        raise ImportRefused([f"The {what} is not readable CSV ({error})."]) from None


@dataclass(frozen=True, slots=True)
class _Known:
    """One of this app's fields as an import sees it."""

    field: Field
    role: str  # "patient", "input" (read into the intake), "computed" (accepted, not read)

    @property
    def instrument(self) -> str:
        return self.field.instrument


def known_fields() -> dict[str, _Known]:
    """Every field an identified export has, by name, with what the import does with it."""
    known = {}
    for f in fields_for(Profile.IDENTIFIED):
        if f.name in PATIENT_FIELDS:
            role = "patient"
        elif f.name in registry.INPUT_FACTS or f.name in VISIT_INPUTS:
            role = "input"
        else:
            role = "computed"
        known[f.name] = _Known(f, role)
    return known


def check_dictionary(text: str, known: dict[str, _Known]) -> dict[str, dict[str, str]]:
    """The REDCap data dictionary (CSV) checked against this app's fields: every field known,
    of the same type, with no choice this app lacks, and the patient instrument complete.
    Returns its rows by field name; ImportRefused with every problem otherwise."""
    rows = _csv_rows(text, what="data dictionary")
    if not rows or [cell.strip() for cell in rows[0][:6]] != list(HEADER[:6]):
        raise ImportRefused(
            [
                "The data dictionary does not start with REDCap's columns (\"Variable / Field "
                'Name", "Form Name", …): download it from the REDCap project (or from the '
                "exports page here) as CSV."
            ]
        )
    problems, found = [], {}
    for line, cells in enumerate(rows[1:], start=2):
        if not any(cells):
            continue
        row = dict(zip(HEADER, [*cells, *[""] * len(HEADER)], strict=False))
        name = row[HEADER[0]].strip()
        ours = known.get(name)
        if ours is None:
            problems.append(
                f"Dictionary line {line}: the field '{printable(name)}' is not a "
                "field of this app's intakes."
            )
            continue
        kind = ours.field.kind
        their_type = row[HEADER[3]].strip()
        if their_type != _FIELD_TYPES[kind]:
            problems.append(
                f"Dictionary line {line}: {name} is a {_FIELD_TYPES[kind]} field "
                f"here, not {printable(their_type) or 'untyped'}."
            )
            continue
        if kind in (Kind.CHOICE, Kind.CHECKBOX):
            codes = [c.split(",", 1)[0].strip() for c in row[HEADER[5]].split("|") if c.strip()]
            unknown = [code for code in codes if code not in ours.field.choices]
            if unknown:
                problems.append(
                    f"Dictionary line {line}: {name} has choices this app does not "
                    f"know: {', '.join(printable(c) for c in unknown)}."
                )
                continue
        found[name] = row
    missing = [name for name in PATIENT_FIELDS if name not in found]
    if missing:
        problems.append(
            "An import needs the identified patient fields (the MRN as record_id, names, date "
            f"of birth, sex); the dictionary lacks {', '.join(missing)}."
        )
    if "intake_date" not in found:
        problems.append("The dictionary lacks intake_date: a visit cannot be placed without it.")
    if problems:
        raise ImportRefused(problems)
    return found


def _columns_of(dictionary: dict[str, dict[str, str]], known: dict[str, _Known]) -> set[str]:
    columns = set()
    for name in dictionary:
        columns.update(known[name].field.column_names())
    forms = {row[HEADER[1]].strip() for row in dictionary.values()}
    columns.update(f"{form}_complete" for form in forms | {PATIENT_FORM, VISIT_FORM})
    return columns


def check_header(header: list[str], dictionary, known) -> str:
    """The data's header checked: record_id first, no column twice, every column a field of
    the dictionary (or REDCap's own); returns the layout it is in."""
    if not header or header[0] != "record_id":
        raise ImportRefused(["The data's first column must be record_id (REDCap's record id)."])
    placing = {REPEAT_INSTRUMENT, REPEAT_INSTANCE, EVENT_NAME}
    allowed = _columns_of(dictionary, known) | placing
    unknown = [name for name in header if name not in allowed]
    problems = []
    if unknown:
        problems.append(
            f"The data has {len(unknown)} column{'s' if len(unknown) != 1 else ''} that the data "
            f"dictionary does not describe: {', '.join(printable(n) for n in unknown[:20])}"
            f"{' …' if len(unknown) > 20 else ''}. Export the data with the same dictionary, "
            "without survey or data access group columns."
        )
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        problems.append(f"The data has these columns twice: {', '.join(repeated)}.")
    repeating = REPEAT_INSTRUMENT in header or REPEAT_INSTANCE in header
    if repeating and EVENT_NAME in header:
        problems.append("The data has both events and repeating instruments: export one layout.")
    elif repeating and not {REPEAT_INSTRUMENT, REPEAT_INSTANCE} <= set(header):
        problems.append("The data needs both redcap_repeat_instrument and redcap_repeat_instance.")
    if problems:
        raise ImportRefused(problems)
    if repeating:
        return Layout.REPEATING
    return Layout.EVENTS if EVENT_NAME in header else Layout.FLAT


# -- the rows ------------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    cells: dict[str, str]
    place: str
    visit: int | None  # the visit number (instance or event), None on a patient row


def read_plan(
    dictionary_data: bytes,
    data: bytes,
    *,
    progress: Callable[[int], None] | None = None,
    on_total: Callable[[int], None] | None = None,
) -> ImportPlan:
    """Read and check both files (ImportRefused when they cannot be read), then every row:
    the plan holds the patients to import when every row is valid, else every error.
    `on_total(rows)` is told the number of data rows once they are read; `progress(n)` as
    they are checked."""
    known = known_fields()
    dictionary = check_dictionary(read_text(dictionary_data, what="data dictionary"), known)
    rows = _csv_rows(read_text(data, what="data file"), what="data file")
    if not rows:
        raise ImportRefused(["The data file is empty."])
    header = [name.strip() for name in rows[0]]
    layout = check_header(header, dictionary, known)
    body = [(line, cells) for line, cells in enumerate(rows[1:], start=2) if any(cells)]
    if on_total is not None:
        on_total(len(body))
    plan = ImportPlan(layout=layout, rows=len(body))
    plan.not_read = [
        name for name in dictionary if known[name].role == "computed"
    ]  # accepted, worked out again here
    records: dict[str, list[_Row]] = {}
    for line, cells in body:
        if len(cells) != len(header):
            record = cells[0].strip() if cells else ""
            plan.errors.append(
                RowError(
                    record,
                    "row",
                    line,
                    "",
                    f"has {len(cells)} cells where the header has {len(header)} columns",
                )
            )
            continue
        values = {name: _unneutralised(cell) for name, cell in zip(header, cells, strict=True)}
        row = _placed(values, line, layout, plan.errors)
        if row is not None:
            records.setdefault(values["record_id"].strip(), []).append(row)
    existing = _existing(list(records))
    checked = 0
    for record, record_rows in records.items():
        patient = _record(record, record_rows, layout, known, existing, plan.errors)
        if patient is not None:
            plan.patients.append(patient)
            plan.known_patients += record in existing
        checked += len(record_rows)
        if progress is not None and checked >= 200:
            progress(checked)
            checked = 0
    if progress is not None and checked:
        progress(checked)
    if plan.errors:
        plan.patients = []
    return plan


def _unneutralised(cell: str) -> str:
    """A cell as it was before an export put a `'` before text a spreadsheet would run as a
    formula (`'-42` is the MRN -42): the inverse of exports.writers.neutralise."""
    if cell[:1] == "'" and cell[1:2] and cell[1:2] in FORMULA_START:
        return cell[1:]
    return cell


def _placed(values: dict[str, str], line: int, layout: str, errors: list[RowError]) -> _Row | None:
    record = values["record_id"].strip()
    if layout == Layout.FLAT:
        return _Row(line, values, "row", 0)
    if layout == Layout.EVENTS:
        event = values[EVENT_NAME].strip()
        if event == ENROLMENT_EVENT:
            return _Row(line, values, "patient row", None)
        match = _VISIT_EVENT.fullmatch(event)
        if match:
            number = int(match.group(1))
            return _Row(line, values, f"visit {number}", number)
        errors.append(
            RowError(
                record,
                "row",
                line,
                EVENT_NAME,
                f"'{printable(event)}' is not an event of this layout "
                f"({ENROLMENT_EVENT}, visit_1_arm_1, visit_2_arm_1, …)",
            )
        )
        return None
    instrument = values[REPEAT_INSTRUMENT].strip()
    instance = values[REPEAT_INSTANCE].strip()
    if not instrument and not instance:
        return _Row(line, values, "patient row", None)
    if instrument != VISIT_FORM:
        errors.append(
            RowError(
                record,
                "row",
                line,
                REPEAT_INSTRUMENT,
                f"'{printable(instrument)}' is not a repeating instrument here "
                f"(only '{VISIT_FORM}' repeats)",
            )
        )
        return None
    if not (instance.isascii() and instance.isdigit()) or not 1 <= int(instance) <= 999_999:
        errors.append(
            RowError(
                record,
                "row",
                line,
                REPEAT_INSTANCE,
                f"must be a whole number from 1, not '{printable(instance)}'",
            )
        )
        return None
    return _Row(line, values, f"visit {int(instance)}", int(instance))


def _existing(mrns: list[str]) -> dict[str, dict]:
    """The patients already here with these MRNs: identity and intake dates."""
    found: dict[str, dict] = {}
    for start in range(0, len(mrns), 500):
        chunk = mrns[start : start + 500]
        for patient in Patient.objects.filter(mrn__in=chunk).values(
            "pk", "mrn", "given_name", "family_name", "date_of_birth", "sex"
        ):
            found[patient["mrn"]] = {**patient, "dates": set()}
        by_pk = {p["pk"]: p for p in found.values()}
        dates = Intake.objects.filter(patient_id__in=list(by_pk)).values_list(
            "patient_id", "intake_date"
        )
        for patient_id, day in dates:
            by_pk[patient_id]["dates"].add(day)
    return found


def _record(record, rows, layout, known, existing, errors) -> HistoricPatient | None:
    """One record's rows: its patient (from the patient row, or every row when flat) and its
    visits, each validated; None when anything is wrong (its errors added)."""
    before = len(errors)
    if not record:
        for row in rows:
            errors.append(RowError("", row.place, row.line, "record_id", "is empty"))
        return None
    if not MRN_PATTERN.match(record):
        errors.append(
            RowError(
                record,
                rows[0].place,
                rows[0].line,
                "record_id",
                "must be the patient's MRN: 1-20 letters, digits or hyphens",
            )
        )
    if layout == Layout.FLAT:
        patient_rows, visit_rows = rows, rows
        for number, row in enumerate(rows, start=1):
            row.visit, row.place = number, f"visit {number}"
    else:
        patient_rows = [row for row in rows if row.visit is None]
        visit_rows = [row for row in rows if row.visit is not None]
        if not patient_rows:
            errors.append(
                RowError(
                    record,
                    visit_rows[0].place,
                    visit_rows[0].line,
                    "",
                    "the record has no patient row (the row with empty "
                    "repeat columns, or the enrolment event)",
                )
            )
        for extra in patient_rows[1:]:
            errors.append(
                RowError(
                    record, extra.place, extra.line, "", "a second patient row for this record"
                )
            )
        _misplaced(record, patient_rows, visit_rows, known, errors)
        seen: dict[int, int] = {}
        for row in visit_rows:
            if row.visit in seen:
                errors.append(
                    RowError(
                        record,
                        row.place,
                        row.line,
                        "",
                        f"visit {row.visit} is also on line {seen[row.visit]}",
                    )
                )
            seen.setdefault(row.visit, row.line)
    identity = _identity(record, patient_rows[:1] if layout != Layout.FLAT else rows, errors)
    if layout == Layout.FLAT:
        for row in rows[1:]:
            _same_identity(record, rows[0], row, errors)
    known_patient = existing.get(record)
    if identity is not None and known_patient is not None:
        differ = [key for key in identity if key != "mrn" and identity[key] != known_patient[key]]
        for key in differ:
            errors.append(
                RowError(
                    record,
                    patient_rows[0].place,
                    patient_rows[0].line,
                    key,
                    f"MRN {record} is registered here with another {key}; "
                    "identity is corrected on the patient's page, never by an "
                    "import",
                )
            )
    visits = []
    for row in sorted(visit_rows, key=lambda r: r.visit):
        visit = _visit(record, row, identity, known, errors)
        if visit is None:
            continue
        if known_patient is not None and visit.intake_date in known_patient["dates"]:
            errors.append(
                RowError(
                    record,
                    row.place,
                    row.line,
                    "intake_date",
                    f"the patient already has an intake on {visit.intake_date} "
                    "here (imported before?)",
                )
            )
            continue
        visits.append(visit)
    if len(errors) > before or identity is None:
        return None
    visits.sort(key=lambda v: v.intake_date)
    return HistoricPatient(**identity, visits=visits)


def _misplaced(record, patient_rows, visit_rows, known, errors) -> None:
    """A value in the other instrument's columns would be lost: REDCap never writes one."""
    for rows, wanted, where in (
        (patient_rows, PATIENT_FORM, "the patient row"),
        (visit_rows, VISIT_FORM, "a visit row"),
    ):
        for row in rows:
            for name, value in row.cells.items():
                if not value.strip() or name in (REPEAT_INSTRUMENT, REPEAT_INSTANCE, EVENT_NAME):
                    continue
                base = name.split("___", 1)[0]
                ours = known.get(base)
                if ours is not None and ours.instrument != wanted and name != "record_id":
                    errors.append(
                        RowError(
                            record,
                            row.place,
                            row.line,
                            name,
                            f"belongs to the {ours.instrument} instrument and cannot be on {where}",
                        )
                    )


def _identity(record: str, rows: list[_Row], errors) -> dict | None:
    if not rows:
        return None
    row = rows[0]
    before = len(errors)
    values = {"mrn": record}

    def fail(name, message):
        errors.append(RowError(record, row.place, row.line, name, message))

    for name in ("given_name", "family_name"):
        text = row.cells.get(name, "").strip()
        if not text:
            fail(name, "is required")
        elif len(text) > NAME_MAX_LENGTH:
            fail(name, f"must be at most {NAME_MAX_LENGTH} characters")
        values[name] = text
    born = _date(row.cells.get("date_of_birth", ""))
    if born is None:
        fail("date_of_birth", _date_message(row.cells.get("date_of_birth", "")))
    elif born > timezone.localdate():
        fail("date_of_birth", "is in the future")
    values["date_of_birth"] = born
    sex = row.cells.get("sex", "").strip()
    if sex not in registry.INPUT_FACTS["sex"].choices:
        codes = ", ".join(registry.INPUT_FACTS["sex"].choices)
        fail("sex", f"must be one of {codes}, not '{printable(sex)}'" if sex else "is required")
    values["sex"] = sex
    return None if len(errors) > before else values


def _same_identity(record, first: _Row, row: _Row, errors) -> None:
    for name in PATIENT_FIELDS[1:]:
        if row.cells.get(name, "").strip() != first.cells.get(name, "").strip():
            errors.append(
                RowError(
                    record,
                    row.place,
                    row.line,
                    name,
                    f"differs from line {first.line} of the same record",
                )
            )


def _visit(record, row: _Row, identity, known, errors) -> HistoricVisit | None:
    """One visit row as a JSON intake, validated by the rules' validate_intake."""
    cells = row.cells
    before = len(errors)

    def fail(name, message):
        errors.append(RowError(record, row.place, row.line, name, message))

    day = _date(cells.get("intake_date", ""))
    if day is None:
        fail("intake_date", _date_message(cells.get("intake_date", "")))
    elif day > timezone.localdate():
        fail("intake_date", "is in the future")
    elif day < FIRST_INTAKE_DATE:
        fail("intake_date", "is before 1990: check the year")
    data: dict = {}
    unreadable: set[str] = set()
    for name, fact in registry.INPUT_FACTS.items():
        if name in ("age_years", "sex"):
            continue
        try:
            value = _fact_value(fact, cells)
        except ValueError as problem:
            fail(name, str(problem))
            unreadable.add(name)
            continue
        if value is not None:
            data[name] = value
    notes = cells.get("clinical_notes", "")
    if notes.strip():
        data["clinical_notes"] = notes
    if identity is not None and day is not None:
        born = identity["date_of_birth"]
        if born > day:
            fail("intake_date", "is before the date of birth")
        else:
            age = completed_years(born, day)
            data["age_years"] = age
            if age > MAX_AGE_YEARS:
                fail("intake_date", "the patient must be under 22 years old on the intake date")
            given = cells.get("age_years", "").strip()
            if given and given != str(age):
                fail(
                    "age_years",
                    f"is {printable(given)}, but the date of birth and intake date give {age}",
                )
        data["sex"] = identity["sex"]
    if "age_years" in data and data["age_years"] > MAX_AGE_YEARS:
        data["age_years"] = MAX_AGE_YEARS  # reported above, on intake_date
    if identity is None or day is None:
        return None
    facts, problems = validate_intake(data)
    for problem in problems:
        if problem.field not in unreadable:
            fail(problem.field, problem.message)
    if len(errors) > before or facts is None:
        return None
    values = model_values(facts)
    values["clinical_notes"] = data.get("clinical_notes", "")
    if len(values["clinical_notes"]) > CLINICAL_NOTES_MAX_LENGTH:  # validate_intake said so
        return None
    return HistoricVisit(intake_date=day, values=values)


def _fact_value(fact: registry.Fact, cells: dict[str, str]):
    """A fact's value from its REDCap cells in the JSON intake's types; None when empty or not
    in the file; ValueError (a message) when it cannot be read."""
    if fact.type == registry.CODES:
        columns = [(code, cells.get(f"{fact.name}___{code}")) for code in fact.choices]
        given = [(code, value.strip()) for code, value in columns if value is not None]
        if not any(value for _, value in given):
            return None
        bad = [value for _, value in given if value not in ("", "0", "1")]
        if bad:
            raise ValueError(
                f"a checkbox column must be 1 (ticked) or 0, not '{printable(bad[0])}'"
            )
        return [code for code, value in given if value == "1"]
    text = cells.get(fact.name)
    if text is None or not text.strip():
        return None
    text = text.strip()
    if fact.type == registry.BOOL:
        if text in ("1", "0"):
            return text == "1"
        raise ValueError(f"must be 1 (yes) or 0 (no), not '{printable(text)}'")
    if fact.type == registry.INT:
        if _WHOLE.fullmatch(text):
            return int(text)
        raise ValueError(f"must be a whole number, not '{printable(text)}'")
    if fact.type == registry.DECIMAL:
        if _DECIMAL.fullmatch(text):
            return float(text)
        raise ValueError(f"must be a number (a point for decimals), not '{printable(text)}'")
    return text  # a choice: its code, checked by validate_intake


def _date(text: str) -> date | None:
    text = text.strip()
    if not _DAY.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _date_message(text: str) -> str:
    text = text.strip()
    return f"must be a date YYYY-MM-DD, not '{printable(text)}'" if text else "is required"
