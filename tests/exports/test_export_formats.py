"""Each format read back (csv module, openpyxl, pyarrow): its columns are the data dictionary's,
a de-identified export leaks nothing identifying, pseudonyms and date shifts are stable per key,
formula cells are neutralised."""

import io
from datetime import date, datetime, timedelta

import pyarrow as pa
import pytest
from django.utils import timezone

from exports import services, writers
from exports.columns import Layout, Profile, column_names
from exports.dictionary import dictionary_rows, export_column_names
from exports.pseudonyms import Pseudonymiser, pseudonym_key
from exports.rows import ExportOptions
from intake.models import Intake
from intake.rules import facts
from tests.exports.conftest import (
    ADDENDUM,
    OTHER_KEY,
    REVIEW_NOTE,
    by_column,
    days_between,
    identifying_strings,
    read_back,
    read_parquet,
)

FORMATS = ("csv", "xlsx", "parquet")
pytestmark = pytest.mark.django_db


def export(profile: str, fmt: str, layout: str = Layout.FLAT, **options) -> bytes:
    """These tests are about formats and profiles, one row per visit; the REDCap layouts have
    their own tests (test_export_layouts.py)."""
    output = io.BytesIO()
    options = ExportOptions(profile=profile, layout=layout, **options)
    services.write_export(options=options, fmt=fmt, output=output)
    return output.getvalue()


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("profile", list(Profile))
def test_columns_are_exactly_the_data_dictionary_rows(cohort, profile, fmt):
    header, rows = read_back(fmt, export(profile, fmt))
    dictionary = dictionary_rows(profile, Layout.FLAT)
    assert header == export_column_names(dictionary, Layout.FLAT)
    assert len(header) == len(set(header))
    assert len(rows) == 4  # the submitted intakes; the draft is not exported by default


def test_every_registry_fact_is_a_column_and_codes_are_one_column_per_code():
    columns = set(column_names(Profile.DEIDENTIFIED))
    for fact in facts.FACTS.values():
        if fact.type == facts.CODES:
            assert fact.name not in columns
            assert {f"{fact.name}___{code}" for code in fact.choices} <= columns
        else:
            assert fact.name in columns
    assert "pain_sites___neck" in columns


def test_dictionary_marks_identifiers_and_deidentified_has_none():
    identified = {r["Variable / Field Name"]: r for r in dictionary_rows(Profile.IDENTIFIED)}
    marked = {name for name, row in identified.items() if row["Identifier?"] == "y"}
    assert {"record_id", "given_name", "family_name", "date_of_birth", "clinical_notes"} <= marked
    assert {"review_note", "review_comment", "addenda", "intake_date"} <= marked
    deidentified = dictionary_rows(Profile.DEIDENTIFIED)
    assert [r for r in deidentified if r["Identifier?"] == "y"] == []
    names = {r["Variable / Field Name"] for r in deidentified}
    assert not names & {"given_name", "family_name", "date_of_birth", "clinical_notes", "addenda"}
    pain = identified["pain_sites"]
    assert pain["Field Type"] == "checkbox"
    assert pain["Choices, Calculations, OR Slider Labels"].startswith("jaw_left, Jaw, left | ")
    assert identified["fever"]["Choices, Calculations, OR Slider Labels"] == "1, Yes | 0, No"
    assert identified["wpi"]["Form Name"] == "visit"
    assert identified["wpi"]["Section Header"] == "Derived facts"
    assert identified["given_name"]["Form Name"] == "patient"
    assert identified["esr_mm_hr"]["Text Validation Max"] == "200"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("profile", [Profile.DEIDENTIFIED, Profile.LIMITED])
def test_pseudonymised_exports_hold_no_name_mrn_birth_date_or_note(cohort, profile, fmt):
    header, rows = read_back(fmt, export(profile, fmt))
    cells = [str(cell) for row in rows for cell in row if cell is not None]
    cells += [
        value.date().isoformat() if isinstance(value, datetime) else str(value)
        for row in rows
        for value in row
        if isinstance(value, date | datetime)
    ]
    for secret in identifying_strings():
        if len(secret) < 5:  # a short MRN: no cell may be it
            assert all(cell.strip("'") != secret for cell in cells), secret
        else:
            assert not [cell for cell in cells if secret in cell], secret
    assert len(rows) == 4


@pytest.mark.parametrize("fmt", FORMATS)
def test_identified_export_has_names_notes_review_and_addenda(cohort, fmt):
    header, rows = read_back(fmt, export(Profile.IDENTIFIED, fmt))
    first = by_column(header, rows)[0]
    assert first["record_id"] == "ZQ-40417"
    assert (first["given_name"], first["family_name"]) == ("Ottilie", "Fairweather")
    assert first["review_note"] == REVIEW_NOTE
    assert first["addenda"] == ADDENDUM
    assert first["review_decision"] == "override"
    assert first["review_override_reason"] == "clinical_judgement"
    assert first["review_disposition"] == "other_referral"
    assert first["intake_status"] == "signed"


def _dates_by_record(profile, fmt="csv", **options):
    header, rows = read_back(fmt, export(profile, fmt, **options))
    found = {}
    for row in by_column(header, rows):
        day = row["intake_date"]
        day = date.fromisoformat(day) if isinstance(day, str) else day
        day = day.date() if isinstance(day, datetime) else day
        found[(row["record_id"], int(row["visit_number"]))] = day
    return found


def test_each_profile_has_its_own_pseudonyms_the_same_in_every_export(cohort):
    first = _dates_by_record(Profile.DEIDENTIFIED)
    assert _dates_by_record(Profile.DEIDENTIFIED, "parquet") == first
    real = _dates_by_record(Profile.LIMITED)  # real dates: its pseudonyms are others
    assert _dates_by_record(Profile.LIMITED, "parquet") == real
    assert len(real) == len(first) == 4
    # Nothing to join a limited export on: its true dates never reveal the shifts.
    assert not {record for record, _ in first} & {record for record, _ in real}


def test_one_date_shift_per_patient(cohort):
    """Joined by what only the key holder can compute (the patient's pseudonym per profile)."""
    from exports.pseudonyms import Pseudonymiser, pseudonym_key
    from intake.models import Patient

    pseudonymiser = Pseudonymiser(pseudonym_key())
    same = {
        pseudonymiser.pseudonym(uuid, Profile.DEIDENTIFIED): pseudonymiser.pseudonym(
            uuid, Profile.LIMITED
        )
        for uuid in Patient.objects.values_list("uuid", flat=True)
    }
    shifted = _dates_by_record(Profile.DEIDENTIFIED)
    real = _dates_by_record(Profile.LIMITED)
    shifts = {}
    for (record, visit), day in shifted.items():
        shift = days_between(real[(same[record], visit)], day)
        assert 1 <= shift <= 364
        shifts.setdefault(record, set()).add(shift)
    assert all(len(days) == 1 for days in shifts.values())  # one offset per patient
    assert len(shifts) == 3


def test_another_key_gives_other_pseudonyms_and_shifts(cohort, settings):
    first = _dates_by_record(Profile.DEIDENTIFIED)
    settings.AMPS_EXPORT_PSEUDONYM_KEY = OTHER_KEY
    second = _dates_by_record(Profile.DEIDENTIFIED)
    assert not {record for record, _ in first} & {record for record, _ in second}
    assert sorted(first.values()) != sorted(second.values())


def test_visit_numbers_follow_intake_dates_per_patient_whatever_the_filter(cohort):
    rows = _dates_by_record(Profile.LIMITED)
    visits = sorted(number for (_, number) in rows)
    assert visits == [1, 1, 1, 2]
    late = _dates_by_record(Profile.LIMITED, date_from=date(2026, 8, 1))
    assert [number for (_, number) in late] == [2]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_formula_cells_are_neutralised(cohort, fmt):
    header, rows = read_back(fmt, export(Profile.IDENTIFIED, fmt))
    row = next(r for r in by_column(header, rows) if str(r["family_name"]).endswith("SUM(A1)"))
    assert row["record_id"] == "'-42"
    assert row["given_name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["family_name"] == "'@SUM(A1)"
    assert row["clinical_notes"] == "'+cmd|' /C calc'!A0"


def test_tab_and_carriage_return_starts_are_neutralised_and_negative_numbers_stay_numbers():
    rows = [["\tx", "\rmore", -3, -2.5, "plain"]]
    data = b"".join(writers.csv_chunks(["a", "b", "c", "d", "e"], rows))
    assert read_back("csv", data)[1] == [["'\tx", "'\rmore", "-3", "-2.5", "plain"]]
    assert data.decode().endswith(",-3,-2.5,plain\r\n")  # numbers unquoted, unprefixed
    output = io.BytesIO()
    kinds = ["text", "text", "int", "decimal", "text"]
    writers.write_xlsx(output, ["a", "b", "c", "d", "e"], kinds, iter(rows), dictionary=[])
    header, read = read_back("xlsx", output.getvalue())
    # openpyxl shows the stored carriage return as Excel's escape _x000D_
    assert read == [["'\tx", "'_x000D_more", -3, -2.5, "plain"]]


def test_csv_byte_order_mark_is_optional(cohort):
    output = io.BytesIO()
    options = ExportOptions(profile=Profile.DEIDENTIFIED)
    services.write_export(options=options, fmt="csv", output=output, bom=True)
    # record_id first in every layout
    assert output.getvalue().startswith("\ufeffrecord_id,".encode())
    assert not export(Profile.DEIDENTIFIED, "csv").startswith(b"\xef\xbb\xbf")


def test_labels_instead_of_codes(cohort):
    header, rows = read_back("csv", export(Profile.IDENTIFIED, "csv", labels=True))
    first = by_column(header, rows)[0]
    assert first["sex"] == "Female"
    assert first["fever"] == "No"
    assert first["pain_sites___neck"] in ("Checked", "Unchecked")
    assert first["review_decision"] == "Override the suggestion"
    header, rows = read_back("csv", export(Profile.IDENTIFIED, "csv"))
    raw = by_column(header, rows)[0]
    assert (raw["sex"], raw["fever"], raw["pain_sites___neck"]) == ("female", "0", "1")


def test_parquet_columns_are_typed_and_carry_the_dictionary(cohort):
    import json

    _, rows, table = read_parquet(export(Profile.DEIDENTIFIED, "parquet"))
    schema = table.schema
    assert schema.field("visit_number").type == pa.int64()
    assert schema.field("intake_date").type == pa.date32()
    assert schema.field("crp_mg_l").type == pa.float64()
    assert schema.field("fever").type == pa.bool_()
    assert schema.field("pain_sites___neck").type == pa.bool_()
    assert schema.field("screened_at").type == pa.timestamp("us", tz="UTC")
    metadata = {key.decode(): value.decode() for key, value in schema.metadata.items()}
    dictionary = json.loads(metadata["amps_screen.data_dictionary"])
    assert dictionary == dictionary_rows(Profile.DEIDENTIFIED, Layout.FLAT)
    assert json.loads(metadata["amps_screen.profile"]) == "deidentified"


def test_filters_select_the_intakes(cohort):
    def count(**options):
        return len(read_back("csv", export(Profile.LIMITED, "csv", **options))[1])

    assert count() == 4
    assert count(statuses=("draft",)) == 1
    assert count(statuses=("signed",)) == 1
    assert count(date_from=date(2026, 6, 1), date_to=date(2026, 7, 1)) == 2
    version = cohort[0].current_screening.criteria_set.version  # the published one
    assert count(criteria_version=version) == 4
    assert count(criteria_version=version + 1) == 0
    outcome = cohort[0].current_screening.outcome
    assert count(outcomes=(outcome,)) >= 1
    assert count(outcomes=("no_such",)) == 0


def test_rows_are_read_in_chunks_with_constant_queries(django_assert_num_queries, alice):
    from exports.rows import visits
    from intake.services import screen_intake
    from tests.factories import IntakeFactory

    def queries_for(n):
        for _ in range(n):
            screen_intake(intake=IntakeFactory(created_by=alice), user=alice)
        options = ExportOptions(profile=Profile.IDENTIFIED)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            list(visits(options, chunk_size=1000))
        return len(captured)

    assert queries_for(2) == queries_for(10) == 2  # intakes with their joins; addenda


def test_a_referral_carries_its_urgency_and_others_none(alice):
    from intake.models import Urgency
    from intake.services import screen_intake
    from tests.factories import IntakeFactory

    refer = screen_intake(intake=IntakeFactory(example_id="V17", created_by=alice), user=alice)
    screen_intake(intake=IntakeFactory(created_by=alice), user=alice)
    assert refer.outcome == "refer" and refer.urgency
    header, rows = read_back("csv", export(Profile.DEIDENTIFIED, "csv"))
    found = {
        (row["screening_outcome"], row["screening_urgency"]) for row in by_column(header, rows)
    }
    assert ("refer", refer.urgency) in found
    assert {urgency for outcome, urgency in found if outcome != "refer"} == {""}
    header, rows = read_back("csv", export(Profile.DEIDENTIFIED, "csv", labels=True))
    labels = {row["screening_urgency"] for row in by_column(header, rows)}
    assert Urgency(refer.urgency).label in labels


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_export_that_selects_nothing_has_the_columns_and_no_rows(cohort, fmt):
    header, rows = read_back(fmt, export(Profile.DEIDENTIFIED, fmt, date_from=date(2030, 1, 1)))
    assert header == export_column_names(dictionary_rows(Profile.DEIDENTIFIED), Layout.FLAT)
    assert rows == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_progress_is_reported_as_rows_are_written(cohort, fmt, monkeypatch):
    monkeypatch.setattr(services, "PROGRESS_EVERY", 3)
    reported = []
    output = io.BytesIO()
    options = ExportOptions(profile=Profile.LIMITED)
    rows = services.write_export(options=options, fmt=fmt, output=output, progress=reported.append)
    assert rows == 4
    assert reported == [3, 1]


def test_the_visit_columns_come_first_in_every_profile():
    for profile in Profile:
        names = column_names(profile)
        assert names[0] == "record_id"
        start = names.index("visit_number")
        assert names[start : start + 3] == ["visit_number", "visit_type", "intake_date"]


# -- Issue 26: de-identification that holds ---------------------------------------------------


def test_a_deidentified_export_selects_whole_months_never_one_true_day(cohort):
    one_day = {"date_from": date(2026, 6, 11), "date_to": date(2026, 6, 11)}
    options = ExportOptions(profile=Profile.DEIDENTIFIED, **one_day)
    assert (options.date_from, options.date_to) == (date(2026, 6, 1), date(2026, 6, 30))
    limited = ExportOptions(profile=Profile.LIMITED, **one_day)
    assert (limited.date_from, limited.date_to) == (date(2026, 6, 11), date(2026, 6, 11))
    # Through the background job's arguments too.
    assert ExportOptions.from_json(options.as_json()) == options


def shifted_days(intakes) -> set[date]:
    """Every day a de-identified export of these intakes may show: each of the days of their
    records (visit, timestamps of intake, screening, review, addendum) shifted by each of
    their patients' shifts."""
    pseudonymiser = Pseudonymiser(pseudonym_key())
    shifts = {pseudonymiser.shift_days(intake.patient.uuid) for intake in intakes}
    days = set()
    for intake in Intake.objects.filter(pk__in=[i.pk for i in intakes]):
        days.add(intake.intake_date)
        stamps = [intake.created_at, intake.submitted_at, intake.updated_at]
        stamps += list(intake.screenings.values_list("created_at", flat=True))
        stamps += list(intake.reviews.values_list("signed_at", flat=True))
        stamps += list(intake.addenda.values_list("created_at", flat=True))
        days |= {timezone.localdate(stamp) for stamp in stamps if stamp} | {
            stamp.date() for stamp in stamps if stamp
        }
    return {day - timedelta(days=shift) for day in days for shift in shifts}


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_true_date_anywhere_in_a_deidentified_file(cohort, fmt):
    window = {"date_from": date(2026, 5, 2), "date_to": date(2026, 8, 20)}
    data = export(Profile.DEIDENTIFIED, fmt, **window)
    if fmt == "xlsx":
        import zipfile

        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            text = "".join(
                archive.read(name).decode("utf-8", "replace") for name in archive.namelist()
            )
    else:
        text = data.decode("latin-1")
    true_days = set(Intake.objects.values_list("intake_date", flat=True)) | {
        date(2026, 5, 1),
        date(2026, 8, 31),
        *window.values(),
    }
    # A true day that is also some record's shifted date (a timestamp of today shifted back
    # onto another visit's day: the shifts are random per patient) cannot be told apart in
    # the text; the columns' own tests check each is shifted. The rest must not be there.
    shifted = shifted_days(cohort)
    assert len(true_days - shifted) >= len(true_days) - 2, "the check would be empty"
    for day in true_days - shifted:
        assert day.isoformat() not in text, day
        if fmt == "xlsx":  # Excel keeps dates as serial numbers
            assert f">{(day - date(1899, 12, 30)).days}<" not in text, day


def test_the_parquet_metadata_of_a_deidentified_export_holds_no_date_window(cohort):
    import json

    data = export(Profile.DEIDENTIFIED, "parquet", date_from=date(2026, 5, 2))
    _, _, table = read_parquet(data)
    metadata = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    filters = json.loads(metadata["amps_screen.filters"])
    assert filters["date_from"] is None and filters["date_to"] is None
    limited = export(Profile.LIMITED, "parquet", date_from=date(2026, 5, 2))
    _, _, table = read_parquet(limited)
    metadata = {k.decode(): v.decode() for k, v in table.schema.metadata.items()}
    assert json.loads(metadata["amps_screen.filters"])["date_from"] == "2026-05-02"


def test_export_files_are_readable_by_their_owner_only(cohort, tmp_path, settings):
    import os
    import stat

    from django.core.management import call_command

    old = os.umask(0o022)
    try:
        path = tmp_path / "out.csv"
        path.write_text("old")
        path.chmod(0o644)
        call_command(
            "export_intakes", profile="deidentified", format="csv", output=str(path),
            purpose="test",
        )  # fmt: skip
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        # Background exports go to the default storage.
        from django.core.files.base import ContentFile
        from django.core.files.storage import default_storage

        settings.MEDIA_ROOT = str(tmp_path / "media")
        name = default_storage.save("exports/x.csv", ContentFile(b"x"))
        saved = tmp_path / "media" / name
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert stat.S_IMODE(saved.parent.stat().st_mode) == 0o700
    finally:
        os.umask(old)


def test_red_flag_details_are_columns_with_branching_logic_and_empty_when_not_asked(alice):
    from intake.services import screen_intake
    from tests.factories import IntakeFactory

    asked = IntakeFactory(
        example_id="V17",
        created_by=alice,
        fever_days=6,
        highest_temperature_c="39.4",
        kawasaki_features=["oral_changes", "cervical_node"],
    )
    screen_intake(intake=asked, user=alice)
    screen_intake(intake=IntakeFactory(created_by=alice), user=alice)  # V01: no fever
    header, rows = read_back("csv", export(Profile.DEIDENTIFIED, "csv"))
    found = sorted(
        (
            row["fever_days"],
            row["highest_temperature_c"],
            row["kawasaki_features___oral_changes"],
            row["kawasaki_features___none"],
            row["kocher_predictors"],
        )
        for row in by_column(header, rows)
    )
    assert found == [("", "", "", "", "0"), ("6", "39.4", "1", "0", "1")]
    dictionary = {r["Variable / Field Name"]: r for r in dictionary_rows(Profile.DEIDENTIFIED)}
    assert dictionary["fever_days"]["Form Name"] == "visit"  # the repeating instrument
    assert dictionary["non_weight_bearing_days"]["Section Header"].startswith("Red-flag details")
    assert dictionary["fever_days"]["Branching Logic (Show field only if...)"] == "[fever] = '1'"
    assert dictionary["petechiae_or_purpura"]["Branching Logic (Show field only if...)"] == (
        "[rash] = '1' or [bruising_pallor_or_bleeding] = '1'"
    )
    assert dictionary["highest_temperature_c"]["Text Validation Min"] == "38"
    assert dictionary["fever"]["Branching Logic (Show field only if...)"] == ""
