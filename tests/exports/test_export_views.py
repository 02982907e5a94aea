"""/exports/: every access path, the downloads, the access log and past exports."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from exports.dictionary import dictionary_rows, export_column_names
from tests.exports.conftest import read_back

URL = reverse("exports:export_page")
pytestmark = pytest.mark.django_db


def post(client, **fields):
    data = {
        "profile": "deidentified",
        "format": "csv",
        "values": "codes",
        "status": ["submitted", "signed"],
        **fields,
    }
    return client.post(URL, data)


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_login_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["staff_client", "editor_client"])
def test_staff_and_editors_get_403(request, persona, cohort):
    client = request.getfixturevalue(persona)
    assert client.get(URL).status_code == 403
    assert post(client).status_code == 403
    assert not AccessEvent.objects.filter(action="exported").exists()


def test_a_user_without_a_role_gets_403(client, dave):
    client.force_login(dave)
    assert client.get(URL).status_code == 403


def test_unknown_path_under_exports_is_404(data_client):
    assert data_client.get("/exports/nothing-here/").status_code == 404


def test_data_manager_home_is_the_exports_page(data_client):
    response = data_client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"] == URL


def test_rheumatologist_is_offered_deidentified_only(rheum_client):
    response = rheum_client.get(URL)
    assert response.status_code == 200
    assert response.context["form"].fields["profile"].choices == [
        ("deidentified", "De-identified (pseudonym, shifted dates, no free text)")
    ]
    assert b"Exports</a>" in response.content  # in the navigation
    assert "exports de-identified data only" in response.content.decode()


@pytest.mark.parametrize("profile", ["identified", "limited"])
def test_rheumatologist_cannot_export_identifying_profiles(rheum_client, cohort, profile):
    response = post(rheum_client, profile=profile, purpose="audit")
    assert response.status_code == 200
    assert "not one of the available choices" in response.content.decode()
    assert not AccessEvent.objects.filter(action="exported").exists()


def test_rheumatologist_exports_deidentified_csv_streamed_and_logged(rheum_client, bob, cohort):
    response = post(rheum_client, date_from="2026-01-01", suggestion=[])
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="amps-intakes-deid')
    header, rows = read_back("csv", body(response))
    assert header == export_column_names(dictionary_rows("deidentified"))
    assert len(rows) == 3 + 4  # 3 patient rows, 4 visit rows (REDCap repeating, the default)
    event = AccessEvent.objects.get(action="exported")
    assert (event.user, event.patient, event.intake) == (bob, None, None)
    assert event.detail["profile"] == "deidentified"
    assert event.detail["format"] == "csv"
    assert event.detail["rows"] == 4
    assert event.detail["filters"]["date_from"] == "2026-01-01"
    assert event.detail["filters"]["status"] == ["submitted", "signed"]


def test_a_csv_download_counts_its_rows_once(rheum_client, cohort):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = post(rheum_client)
        body(response)
    counts = [q["sql"] for q in captured.captured_queries if 'COUNT("intake_intake"' in q["sql"]]
    assert len(counts) == 1, counts


@pytest.mark.parametrize("fmt", ["xlsx", "parquet"])
def test_data_manager_downloads_xlsx_and_parquet(data_client, dana, cohort, fmt):
    response = post(data_client, profile="limited", format=fmt)
    assert response.status_code == 200
    header, rows = read_back(fmt, body(response))
    assert header == export_column_names(dictionary_rows("limited"))
    assert len(rows) == 3 + 4  # 3 patient rows, 4 visit rows (REDCap repeating, the default)
    event = AccessEvent.objects.get(action="exported")
    assert (event.user, event.detail["format"], event.detail["rows"]) == (dana, fmt, 4)


def test_identified_export_needs_a_purpose_kept_in_the_log(data_client, cohort):
    response = post(data_client, profile="identified", purpose="   ")
    assert response.status_code == 200
    page = response.content.decode()
    assert "State the purpose of an identified export" in page
    assert 'href="#id_purpose"' in page  # in the summary, linking to the field
    assert not AccessEvent.objects.exists()
    purpose = "Annual service audit 2026, approved by the clinical lead"
    response = post(data_client, profile="identified", purpose=purpose)
    header, rows = read_back("csv", body(response))
    assert "given_name" in header
    assert AccessEvent.objects.get(action="exported").detail["purpose"] == purpose


def test_bad_input_is_reported_beside_the_field_and_kept(data_client, cohort):
    response = post(
        data_client,
        date_from="2026-09-01",
        date_to="2026-01-01",
        criteria_version="seven",
        format="pdf",
        purpose="x" * 501,
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"date_to", "criteria_version", "format", "purpose"}
    page = response.content.decode()
    assert 'value="2026-09-01"' in page and 'value="seven"' in page
    assert not AccessEvent.objects.exists()


def test_missing_pseudonym_key_in_production_is_refused_clearly(data_client, settings, cohort):
    settings.AMPS_EXPORT_PSEUDONYM_KEY = ""
    settings.DEBUG = False
    response = post(data_client, profile="deidentified")
    assert response.status_code == 200
    assert "AMPS_EXPORT_PSEUDONYM_KEY is not set" in response.content.decode()
    assert not AccessEvent.objects.exists()
    # identified exports need no pseudonyms
    response = post(data_client, profile="identified", purpose="audit")
    assert response.status_code == 200
    assert response.streaming


def test_a_short_key_is_refused(data_client, settings, cohort):
    settings.AMPS_EXPORT_PSEUDONYM_KEY = "short"
    response = post(data_client)
    assert "shorter than 32 characters" in response.content.decode()


def test_past_exports_are_the_users_own_or_everyones_for_data_managers(
    rheum_client, data_client, bob, dana, cohort
):
    body(post(rheum_client))
    body(post(data_client, profile="limited", format="parquet"))
    mine = rheum_client.get(URL).context["past_exports"]
    assert [(e.user, e.detail["profile"]) for e in mine] == [(bob, "deidentified")]
    everyone = data_client.get(URL)
    assert {e.user for e in everyone.context["past_exports"]} == {bob, dana}
    assert "Past exports (everyone's)" in everyone.content.decode()
