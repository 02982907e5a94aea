"""The import page: upload, dry run (a background job) listing errors by record and field, then
the import of the same files; who may use it; refusals beside the fields."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from audit.models import AccessEvent
from intake.models import Intake, Patient
from jobs.models import Job, JobStatus
from tests.imports.conftest import dictionary_csv, empty_the_database, export_csv

pytestmark = pytest.mark.django_db
URL = reverse("imports:redcap_import")


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def page_text(response) -> str:
    """The page's text with tags and runs of white space gone."""
    import html
    import re

    text = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(text))


def upload(client, data: bytes, dictionary: bytes | None = None, name="data.csv"):
    return client.post(
        URL,
        {
            "dictionary": SimpleUploadedFile("dictionary.csv", dictionary or dictionary_csv()),
            "data": SimpleUploadedFile(name, data),
        },
    )


def test_only_data_managers_import(client, staff_client, rheum_client, data_client):
    assert client.get(URL).status_code == 302
    assert staff_client.get(URL).status_code == 403
    assert rheum_client.get(URL).status_code == 403
    page = data_client.get(URL)
    assert page.status_code == 200
    assert "Check the files (dry run)" in page_text(page)
    assert "Import intakes from a REDCap export" in page_text(
        data_client.get(reverse("exports:export_page"))
    )


def test_dry_run_then_import_with_a_progress_record(source, data_client, dana):
    data = export_csv()
    empty_the_database()
    response = upload(data_client, data)
    job = Job.objects.get(kind="redcap_import")
    assert response["Location"] == reverse("imports:import_job", args=[job.pk])
    assert (job.status, job.done, job.total) == (JobStatus.SUCCEEDED, 9, 9)  # every row read
    page = page_text(data_client.get(response["Location"]))
    assert "Every row is valid" in page and "6 intakes of 3 patients" in page
    assert not Patient.objects.exists()
    started = data_client.post(reverse("imports:import_start", args=[job.pk]))
    imported = Job.objects.exclude(pk=job.pk).get(kind="redcap_import")
    assert started["Location"] == reverse("imports:import_job", args=[imported.pk])
    assert imported.status == JobStatus.SUCCEEDED and imported.total == 27  # read, screen, store
    page = page_text(data_client.get(started["Location"]))
    assert "6 historic intakes of 3 patients" in page
    assert Intake.objects.filter(status="historic", created_by=dana).count() == 6
    assert [e.detail["dry_run"] for e in AccessEvent.objects.filter(action="imported")] == [
        False,
        True,
    ]  # newest first
    # The files are gone: the same dry run cannot import twice.
    again = data_client.post(reverse("imports:import_start", args=[job.pk]))
    assert again.status_code == 302
    assert Job.objects.filter(kind="redcap_import").count() == 2
    assert Intake.objects.count() == 6


def test_the_dry_run_lists_errors_by_record_and_field(source, data_client):
    rows = list(csv.DictReader(io.StringIO(export_csv().decode())))
    visit = next(r for r in rows if r["record_id"] == "ZQ-51822" and r["redcap_repeat_instance"])
    visit["esr_mm_hr"] = "fast"
    visit["inflammatory_disease"] = "smouldering"
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    empty_the_database()
    response = upload(data_client, output.getvalue().encode())
    page = data_client.get(response["Location"])
    text = page_text(page)
    assert "2 problems in 9 rows" in text
    assert "ZQ-51822" in text and "esr_mm_hr" in text and "inflammatory_disease" in text
    assert "must be a whole number, not 'fast'" in text
    assert "Import 6" not in text
    viewed = AccessEvent.objects.filter(detail__page="redcap_import_errors").get()
    assert viewed.user.username == "dana" and viewed.detail["rows"] == 2
    job = Job.objects.get(kind="redcap_import")
    assert data_client.post(reverse("imports:import_start", args=[job.pk])).status_code == 302
    assert not Patient.objects.exists()


def test_non_csv_and_oversized_files_are_refused_beside_the_field(data_client, settings):
    response = upload(data_client, b"PK\x03\x04", name="data.xlsx")
    assert response.status_code == 400
    assert "Only CSV files are imported" in page_text(response)
    settings.AMPS_IMPORT_MAX_BYTES = 1024
    response = upload(data_client, b"record_id\r\n" + b"x\r\n" * 600)
    assert response.status_code == 400
    assert "over the limit of 1,024 bytes" in page_text(response)
    assert not Job.objects.exists()


def test_unknown_columns_fail_the_job_in_words(source, data_client):
    data = export_csv().replace(b"record_id,", b"record_id,redcap_data_access_group,", 1)
    response = upload(data_client, data)
    job = Job.objects.get(kind="redcap_import")
    assert job.status == JobStatus.FAILED
    assert "does not describe: redcap_data_access_group" in job.error
    assert "redcap_data_access_group" in page_text(data_client.get(response["Location"]))


def test_another_users_import_job_is_403(source, data_client, dana, client):
    from tests.conftest import PASSWORD
    from tests.factories import UserFactory

    data = export_csv()
    empty_the_database()
    response = upload(data_client, data)
    other = UserFactory(username="dina", password=PASSWORD)
    from django.contrib.auth.models import Group

    from intake.roles import DATA_MANAGER

    other.groups.add(Group.objects.get(name=DATA_MANAGER))
    client.force_login(other)
    assert client.get(response["Location"]).status_code == 403
    job = Job.objects.get(kind="redcap_import")
    assert client.post(reverse("imports:import_start", args=[job.pk])).status_code == 403


def test_an_upload_larger_than_the_limits_is_refused_unread(data_client, settings):
    settings.AMPS_IMPORT_MAX_BYTES = 1024
    response = data_client.post(
        URL, {"dictionary": SimpleUploadedFile("d.csv", b"x")}, CONTENT_LENGTH="99999999"
    )
    assert response.status_code == 413
    assert "it was not read" in page_text(response)
    assert not Job.objects.exists()


def test_a_dry_run_is_refused_for_a_missing_file(data_client):
    response = data_client.post(URL, {"data": SimpleUploadedFile("data.csv", b"record_id\n")})
    assert response.status_code == 400
    assert "Data dictionary (CSV): This field is required." in page_text(response)
    assert not Job.objects.exists()
