"""REDCap's layouts of a patient's visits: repeating-instrument rows (the default) or events, the
data dictionary saying what repeats, and the dictionary download on the exports page."""

import io
from itertools import groupby

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from exports import services
from exports.columns import Layout, Profile
from exports.dictionary import dictionary_rows, export_column_names
from exports.rows import ExportOptions
from tests.exports.conftest import by_column, read_back, read_csv

pytestmark = pytest.mark.django_db
PATIENT_COLUMNS = ("given_name", "family_name", "date_of_birth", "sex")


def export(layout=None, profile=Profile.IDENTIFIED, fmt="csv", **options):
    if layout is not None:
        options["layout"] = layout
    output = io.BytesIO()
    services.write_export(options=ExportOptions(profile=profile, **options), fmt=fmt, output=output)
    return read_back(fmt, output.getvalue())


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_repeating_is_the_default_a_patient_row_then_a_row_per_visit(cohort, fmt):
    header, rows = export(fmt=fmt)
    assert header[:3] == ["record_id", "redcap_repeat_instrument", "redcap_repeat_instance"]
    assert header == export_column_names(dictionary_rows(Profile.IDENTIFIED), Layout.REPEATING)
    rows = by_column(header, rows)
    empty = (None, "")
    visit_columns = [c for c in header[3:] if c not in PATIENT_COLUMNS]
    places = []
    for record, group in groupby(rows, key=lambda row: row["record_id"]):
        group = list(group)
        patient, visits = group[0], group[1:]
        # REDCap's convention: the non-repeating instrument sits in a row with empty repeat
        # columns, and carries nothing of the visit.
        assert patient["redcap_repeat_instrument"] in empty
        assert patient["redcap_repeat_instance"] in empty
        assert patient["given_name"] and patient["date_of_birth"] and patient["sex"]
        assert all(patient[c] in empty for c in visit_columns)
        for visit in visits:
            assert visit["redcap_repeat_instrument"] == "visit"
            assert int(visit["redcap_repeat_instance"]) == int(visit["visit_number"])
            assert all(visit[c] in empty for c in PATIENT_COLUMNS)
            assert visit["intake_date"] and visit["screening_outcome"]
            places.append((record, int(visit["redcap_repeat_instance"])))
    assert len(places) == len(set(places)) == 4  # record_id + instance are unique
    two = [row for row in rows if row["record_id"] == "ZQ-40417"]
    assert [row["redcap_repeat_instance"] in empty for row in two] == [True, False, False]


def test_events_layout_has_an_enrolment_event_then_one_event_per_visit(cohort):
    header, rows = export(Layout.EVENTS)
    assert header[:2] == ["record_id", "redcap_event_name"]
    assert "redcap_repeat_instrument" not in header
    events = [(row["record_id"], row["redcap_event_name"]) for row in by_column(header, rows)]
    assert events[:3] == [
        ("ZQ-40417", "enrolment_arm_1"),
        ("ZQ-40417", "visit_1_arm_1"),
        ("ZQ-40417", "visit_2_arm_1"),
    ]
    assert len(events) == len(set(events)) == 7


def test_a_filtered_export_keeps_the_visit_numbers_as_instances(cohort):
    from datetime import date

    header, rows = export(date_from=date(2026, 8, 1))
    rows = by_column(header, rows)
    assert [(r["record_id"], r["redcap_repeat_instance"]) for r in rows] == [
        ("ZQ-40417", ""),
        ("ZQ-40417", "2"),
    ]


def test_flat_layout_is_one_row_per_visit_with_the_patient_on_each(cohort):
    header, rows = export(Layout.FLAT)
    assert "redcap_repeat_instrument" not in header and "redcap_event_name" not in header
    assert len(rows) == 4
    assert all(row["given_name"] for row in by_column(header, rows))


@pytest.mark.parametrize("layout", list(Layout))
def test_the_dictionary_has_two_instruments_and_says_which_repeats(layout):
    rows = dictionary_rows(Profile.DEIDENTIFIED, layout)
    forms = [row["Form Name"] for row in rows]
    assert forms[0] == "patient" and rows[0]["Variable / Field Name"] == "record_id"
    assert [form for form, _ in groupby(forms)] == ["patient", "visit"]  # each one together
    assert {row["Variable / Field Name"] for row in rows if row["Form Name"] == "patient"} == {
        "record_id",
        "sex",
    }
    first_visit = next(row for row in rows if row["Form Name"] == "visit")
    said = first_visit["Section Header"] + first_visit["Field Annotation"]
    expected = {"repeating": "Repeating instrument 'visit'", "events": "visit_1_arm_1"}
    assert expected.get(layout, "flat layout") in said
    sections = [row["Section Header"] for row in rows if row["Section Header"]]
    assert {"Pain", "Red flags", "Derived facts"} <= set(sections)


def test_the_layout_is_chosen_on_the_page_and_logged(data_client, cohort):
    response = data_client.post(
        reverse("exports:export_page"),
        {"profile": "limited", "format": "csv", "layout": "events", "values": "codes",
         "status": ["submitted", "signed"]},
    )  # fmt: skip
    header, _ = read_csv(b"".join(response.streaming_content))
    assert header[1] == "redcap_event_name"
    assert AccessEvent.objects.get(action="exported").detail["filters"]["layout"] == "events"


def test_export_command_takes_the_layout(cohort, tmp_path):
    from django.core.management import call_command

    target = tmp_path / "out.csv"
    call_command(
        "export_intakes", "--profile", "identified", "--purpose", "audit", "--format", "csv",
        "--layout", "events", "--output", str(target), stdout=io.StringIO(),
    )  # fmt: skip
    header, rows = read_csv(target.read_bytes())
    assert header[1] == "redcap_event_name" and rows[0][1] == "enrolment_arm_1"


def test_data_dictionary_download_per_profile_is_logged(data_client, dana):
    url = reverse("exports:data_dictionary")
    response = data_client.get(url, {"profile": "limited", "layout": "repeating"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith(
        'attachment; filename="amps-data-dictionary-limited-repeating'
    )
    header, rows = read_csv(response.content)
    assert header[0] == "Variable / Field Name"
    assert [row[0] for row in rows] == [
        row["Variable / Field Name"] for row in dictionary_rows("limited")
    ]
    event = AccessEvent.objects.get(action="exported")
    assert event.user == dana and event.patient is None
    assert event.detail["data_dictionary"] is True and event.detail["profile"] == "limited"
    page = data_client.get(reverse("exports:export_page"))
    assert b"Download the data dictionary" in page.content
    assert b"data-dictionary.csv" in page.content
    assert b"No exports yet." in page.content  # a dictionary is not an export made


def test_data_dictionary_download_only_for_allowed_profiles(rheum_client, client):
    url = reverse("exports:data_dictionary")
    assert rheum_client.get(url, {"profile": "deidentified"}).status_code == 200
    assert rheum_client.get(url, {"profile": "identified"}).status_code == 403
    assert rheum_client.get(url, {"profile": "nonsense"}).status_code == 400
    assert rheum_client.get(url, {"profile": "deidentified", "layout": "x"}).status_code == 400
    assert client.get(url, {"profile": "deidentified"}).status_code == 302  # sign in first
    assert AccessEvent.objects.filter(action="exported").count() == 1
