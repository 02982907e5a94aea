"""Large exports as background jobs (Django's Tasks framework under a jobs.Job that records
their progress): the worker writes the file in chunks to the default storage, logs the export
as the user who asked for it, and the page offers the file once the job has finished."""

import tempfile
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files import File
from django.core.files.storage import default_storage
from django.utils import timezone

from exports import services
from exports.pseudonyms import PseudonymKeyMissing
from exports.rows import ExportOptions
from jobs.models import Job, JobStatus
from jobs.services import JobError, job_task, start_job

EXPORT_JOB = "export"
STORAGE_FOLDER = "export-files"


@job_task
def export_intakes_job(
    progress, *, user_id: int, options: dict, fmt: str, bom: bool, stated_purpose: str
) -> dict:
    """Write the export to the default storage, with progress; log it as the user."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise JobError("The user who asked for this export can no longer sign in.")
    export = ExportOptions.from_json(options)
    try:
        services.check_allowed(user=user, options=export, purpose=stated_purpose)
    except (services.ExportNotAllowed, PseudonymKeyMissing) as refused:
        raise JobError(str(refused)) from None
    delete_expired_files()  # the files of older exports, whose time is up
    counted = services.count_rows(export)
    progress.set_total(counted[0])
    with tempfile.TemporaryFile() as output:
        rows = services.write_export(
            options=export,
            fmt=fmt,
            output=output,
            bom=bom,
            progress=progress.advance,
            counted=counted,
        )
        output.seek(0)
        name = default_storage.save(f"{STORAGE_FOLDER}/{progress.job.pk}.{fmt}", File(output))
    services.log_export(
        user=user,
        options=export,
        fmt=fmt,
        rows=rows,
        purpose=stated_purpose,
        job=str(progress.job.pk),
    )
    filename = f"amps-intakes-{export.profile}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    return {"file": name, "filename": filename, "rows": rows, "format": fmt}


def start_export_job(
    *, user, options: ExportOptions, fmt: str, bom: bool = False, purpose: str = ""
) -> Job:
    """Queue a large export; refused at once (ExportNotAllowed, PseudonymKeyMissing) when the
    user may not make it. The worker checks again and logs the export when the file is
    written."""
    services.check_allowed(user=user, options=options, purpose=purpose)
    return start_job(
        task=export_intakes_job,
        user=user,
        kind=EXPORT_JOB,
        purpose=f"Export ({options.profile}, {fmt})",
        user_id=user.pk,
        options=options.as_json(),
        fmt=fmt,
        bom=bom,
        stated_purpose=purpose,
    )


def finished_file(job: Job) -> dict | None:
    """A finished export job's file (its storage name and download filename), or None: not
    finished, or finished more than AMPS_EXPORT_FILE_HOURS ago (whether or not the file has
    been deleted yet)."""
    if job.kind != EXPORT_JOB or job.status != JobStatus.SUCCEEDED or not job.result:
        return None
    if job.finished_at is None or job.finished_at < _file_cutoff():
        return None
    return job.result if default_storage.exists(job.result["file"]) else None


def delete_expired_files() -> int:
    """Delete the export files written more than AMPS_EXPORT_FILE_HOURS ago (they hold patient
    data); return how many were deleted."""
    try:
        _, names = default_storage.listdir(STORAGE_FOLDER)
    except FileNotFoundError:
        return 0
    cutoff, deleted = _file_cutoff(), 0
    for name in names:
        path = f"{STORAGE_FOLDER}/{name}"
        if default_storage.get_modified_time(path) < cutoff:
            default_storage.delete(path)
            deleted += 1
    return deleted


def _file_cutoff():
    return timezone.now() - timedelta(hours=settings.AMPS_EXPORT_FILE_HOURS)
