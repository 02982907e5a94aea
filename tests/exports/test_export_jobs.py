"""Large exports run as background jobs with progress (Django's Tasks; the tests' backend
runs them at once), then the file is downloaded from the job's page by whoever started it."""

import io
import os
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from exports.dictionary import dictionary_rows, export_column_names
from jobs.models import Job, JobStatus
from tests.exports.conftest import read_back

URL = reverse("exports:export_page")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def small_background_limit(settings, tmp_path):
    settings.AMPS_EXPORT_BACKGROUND_ROWS = 2
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path)},
        },
    }


def start(client, **fields):
    data = {"profile": "limited", "format": "parquet", "values": "codes", **fields}
    data.setdefault("status", ["submitted", "signed"])
    return client.post(URL, data)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_a_large_export_runs_as_a_job_then_downloads(data_client, dana, cohort, fmt):
    response = start(data_client, format=fmt)
    job = Job.objects.get(kind="export")
    assert response.status_code == 302
    assert response["Location"] == reverse("exports:export_job", args=[job.pk])
    assert (job.status, job.done, job.total, job.started_by) == (JobStatus.SUCCEEDED, 4, 4, dana)
    page = data_client.get(response["Location"])
    assert page.status_code == 200
    assert b"Finished: 4 intakes" in page.content
    download = data_client.get(reverse("exports:export_job_download", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith('attachment; filename="amps-intakes-limited')
    header, rows = read_back(fmt, body(download))
    assert header == export_column_names(dictionary_rows("limited"))
    assert len(rows) == 3 + 4  # 3 patient rows, 4 visit rows (REDCap repeating, the default)
    event = AccessEvent.objects.get(action="exported", detail__download__isnull=True)
    assert (event.user, event.detail["rows"], event.detail["job"]) == (dana, 4, str(job.pk))
    # The download itself hands patient data out again: it is in the access log too.
    fetched = AccessEvent.objects.get(action="exported", detail__download=True)
    assert (fetched.user, fetched.detail["job"], fetched.detail["format"]) == (
        dana,
        str(job.pk),
        fmt,
    )
    assert fetched.ip_address


def test_the_download_is_refused_once_the_user_may_no_longer_export_the_profile(
    data_client, dana, cohort
):
    start(data_client, format="csv", profile="identified", purpose="Audit of referrals.")
    job = Job.objects.get(kind="export")
    dana.groups.clear()
    dana.user_permissions.add(Permission.objects.get(codename="export_deidentified"))
    response = data_client.get(reverse("exports:export_job_download", args=[job.pk]))
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(detail__download=True).exists()


def test_past_exports_list_exports_not_downloads_or_documents(data_client, dana, cohort):
    start(data_client, format="csv")
    job = Job.objects.get(kind="export")
    data_client.get(reverse("exports:export_job_download", args=[job.pk]))
    AccessEvent.objects.create(
        user=dana, patient=cohort[0].patient, action="exported", detail={"document": "letter"}
    )
    past = data_client.get(URL).context["past_exports"]
    assert [event.detail["job"] for event in past] == [str(job.pk)]


def test_a_small_export_is_still_streamed_at_once(data_client, cohort, settings):
    settings.AMPS_EXPORT_BACKGROUND_ROWS = 100
    response = start(data_client, format="csv")
    assert response.status_code == 200 and response.streaming
    assert not Job.objects.exists()


def test_only_who_started_it_follows_or_downloads_a_job(data_client, rheum_client, cohort):
    start(data_client)
    job = Job.objects.get()
    for name in ("exports:export_job", "exports:export_job_download"):
        assert rheum_client.get(reverse(name, args=[job.pk])).status_code == 403


def test_job_pages_need_login_and_the_export_permission(client, staff_client, data_client, cohort):
    start(data_client)
    job = Job.objects.get()
    url = reverse("exports:export_job", args=[job.pk])
    assert client.get(url).status_code == 302
    assert staff_client.get(url).status_code == 403


def test_unknown_or_unfinished_job_is_404(data_client, dana):
    import uuid

    assert data_client.get(reverse("exports:export_job", args=[uuid.uuid4()])).status_code == 404
    queued = Job.objects.create(kind="export", purpose="Export", task_path="x", started_by=dana)
    assert data_client.get(reverse("exports:export_job", args=[queued.pk])).status_code == 200
    download = reverse("exports:export_job_download", args=[queued.pk])
    assert data_client.get(download).status_code == 404


def test_a_job_refused_before_queueing_when_the_purpose_is_missing(data_client, cohort):
    response = start(data_client, profile="identified", purpose="")
    assert response.status_code == 200
    assert "State the purpose" in response.content.decode()
    assert not Job.objects.exists()


# -- how long a file is kept ------------------------------------------------------------------


def _age(job, hours):
    """Make the job and its file look `hours` old."""
    from django.core.files.storage import default_storage

    when = timezone.now() - timedelta(hours=hours)
    Job.objects.filter(pk=job.pk).update(finished_at=when)
    path = default_storage.path(job.result["file"])
    os.utime(path, (when.timestamp(), when.timestamp()))
    return path


def test_an_export_file_is_not_offered_after_its_hours(data_client, cohort, settings):
    settings.AMPS_EXPORT_FILE_HOURS = 24
    start(data_client, format="csv")
    job = Job.objects.get(kind="export")
    _age(job, 25)
    page = data_client.get(reverse("exports:export_job", args=[job.pk]))
    assert b"its file is no longer kept" in page.content
    assert data_client.get(reverse("exports:export_job_download", args=[job.pk])).status_code == 404


def test_expired_files_are_deleted_by_the_next_export_and_the_command(
    data_client, cohort, settings
):
    settings.AMPS_EXPORT_FILE_HOURS = 24
    start(data_client, format="csv")
    old = Job.objects.get(kind="export")
    old_file = _age(old, 30)
    start(data_client, format="parquet")  # begins by deleting the expired file
    new = Job.objects.exclude(pk=old.pk).get(kind="export")
    assert not os.path.exists(old_file)
    new_file = _age(new, 23)
    out = io.StringIO()
    call_command("delete_expired_exports", stdout=out)
    assert out.getvalue().strip() == "Deleted 0 expired export files."
    assert os.path.exists(new_file)  # within its 24 hours
    _age(new, 24.5)
    out = io.StringIO()
    call_command("delete_expired_exports", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 expired export file."
    assert not os.path.exists(new_file)
