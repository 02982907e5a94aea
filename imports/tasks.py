"""A REDCap import from the page, as a background job: the two uploaded files are kept in the
default storage (patient data: deleted once imported, or after AMPS_EXPORT_FILE_HOURS), a dry
run checks every row and keeps the errors beside them, and the import proper runs on the same
files once the dry run found none."""

import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from imports.services import ImportRefused, run_import
from jobs.models import Job, JobStatus
from jobs.services import JobError, job_task, start_job

IMPORT_JOB = "redcap_import"
STORAGE_FOLDER = "import-files"
DICTIONARY, DATA, ERRORS = "dictionary.csv", "data.csv", "errors.json"
#: The most errors kept for the page (the command lists every one).
ERRORS_KEPT = 5000


def save_upload(*, dictionary: bytes, data: bytes) -> str:
    """Keep the two uploaded files under a new folder name, returned (no patient data in it)."""
    folder = uuid.uuid4().hex
    default_storage.save(f"{STORAGE_FOLDER}/{folder}/{DICTIONARY}", ContentFile(dictionary))
    default_storage.save(f"{STORAGE_FOLDER}/{folder}/{DATA}", ContentFile(data))
    return folder


def has_upload(folder: str) -> bool:
    return default_storage.exists(f"{STORAGE_FOLDER}/{folder}/{DATA}")


def delete_upload(folder: str) -> None:
    for name in (DICTIONARY, DATA, ERRORS):
        path = f"{STORAGE_FOLDER}/{folder}/{name}"
        if default_storage.exists(path):
            default_storage.delete(path)


def read_errors(job: Job) -> list[dict] | None:
    """A finished dry run's errors (None when they are no longer kept)."""
    if not job.result or not job.result.get("errors"):
        return []
    path = f"{STORAGE_FOLDER}/{job.arguments['folder']}/{ERRORS}"
    if not default_storage.exists(path):
        return None
    with default_storage.open(path, "rb") as file:
        return json.loads(file.read())


@job_task
def redcap_import_job(progress, *, user_id: int, folder: str, dry_run: bool) -> dict:
    """Check (dry run) or import the uploaded files, with progress; log it as the user."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_perm("imports.import_data"):
        raise JobError("The user who started this import may no longer import intakes.")
    delete_expired_uploads()
    if not has_upload(folder):
        raise JobError("The uploaded files are no longer kept: upload them again.")
    files = {}
    for name in (DICTIONARY, DATA):
        with default_storage.open(f"{STORAGE_FOLDER}/{folder}/{name}", "rb") as file:
            files[name] = file.read()
    try:
        outcome = run_import(
            dictionary=files[DICTIONARY],
            data=files[DATA],
            user=user,
            dry_run=dry_run,
            job=str(progress.job.pk),
            on_total=progress.set_total,
            progress=progress.advance,
        )
    except ImportRefused as refused:
        delete_upload(folder)
        raise JobError(f"The files were refused: {refused}") from None
    errors = [error.as_json() for error in outcome.errors[:ERRORS_KEPT]]
    if errors:
        default_storage.save(
            f"{STORAGE_FOLDER}/{folder}/{ERRORS}", ContentFile(json.dumps(errors).encode())
        )
    if outcome.imported or errors:  # nothing more to do with the files
        for name in (DICTIONARY, DATA):
            default_storage.delete(f"{STORAGE_FOLDER}/{folder}/{name}")
    return {**outcome.summary(), "not_read": outcome.not_read}


def start_import_job(*, user, folder: str, dry_run: bool) -> Job:
    return start_job(
        task=redcap_import_job,
        user=user,
        kind=IMPORT_JOB,
        purpose="REDCap import: dry run" if dry_run else "REDCap import",
        user_id=user.pk,
        folder=folder,
        dry_run=dry_run,
    )


def importable(job: Job) -> bool:
    """A finished dry run with no error whose files are still kept: it may be imported."""
    return (
        job.kind == IMPORT_JOB
        and job.status == JobStatus.SUCCEEDED
        and bool(job.result)
        and job.result.get("dry_run")
        and not job.result.get("errors")
        and job.finished_at is not None
        and job.finished_at >= _cutoff()
        and has_upload(job.arguments["folder"])
    )


def delete_expired_uploads() -> int:
    """Delete the uploads (and error lists) older than AMPS_EXPORT_FILE_HOURS: patient data."""
    try:
        folders, _ = default_storage.listdir(STORAGE_FOLDER)
    except FileNotFoundError:
        return 0
    cutoff, deleted = _cutoff(), 0
    for folder in folders:
        _, names = default_storage.listdir(f"{STORAGE_FOLDER}/{folder}")
        for name in names:
            path = f"{STORAGE_FOLDER}/{folder}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                deleted += 1
    return deleted


def _cutoff():
    return timezone.now() - timedelta(hours=settings.AMPS_EXPORT_FILE_HOURS)
