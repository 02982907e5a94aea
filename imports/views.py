"""The REDCap import page: upload, a dry run that lists every error by record and field, then
the import on the same files, each a background job with a progress bar."""

from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from audit.access import AccessAction, record_access
from imports import tasks
from imports.forms import RedcapUploadForm
from intake.forms import error_summary
from jobs.models import Job

#: The most errors one page shows (the count says how many there are).
ERRORS_SHOWN = 1000
#: A request body larger than both files at their limit (and the form around them) is refused
#: before it is read.
_BODY_SLACK = 64 * 1024


@permission_required("imports.import_data", raise_exception=True)
def redcap_import(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = 2 * settings.AMPS_IMPORT_MAX_BYTES + _BODY_SLACK
        if not length.isdigit() or int(length) > limit:
            refusal = (
                f"The upload is larger than two files of {settings.AMPS_IMPORT_MAX_BYTES:,} bytes "
                "(the limit of each); it was not read."
            )
            return _page(request, RedcapUploadForm(), status=413, refusal=refusal)
        form = RedcapUploadForm(request.POST, request.FILES)
        if form.is_valid():
            folder = tasks.save_upload(
                dictionary=form.cleaned_data["dictionary"].read(),
                data=form.cleaned_data["data"].read(),
            )
            job = tasks.start_import_job(user=request.user, folder=folder, dry_run=True)
            return redirect("imports:import_job", job_id=job.pk)
        return _page(request, form, status=400)
    return _page(request, RedcapUploadForm())


def _page(request, form, status=200, refusal=""):
    return render(
        request,
        "imports/redcap_import.html",
        {
            "form": form,
            "error_summary": error_summary(form),
            "max_bytes": settings.AMPS_IMPORT_MAX_BYTES,
            "refusal": refusal,
        },
        status=status,
    )


@permission_required("imports.import_data", raise_exception=True)
def import_job(request: HttpRequest, job_id) -> HttpResponse:
    """A dry run or an import: its progress, then its errors by record and field, or what it
    imported (or would import, with the button that does)."""
    job = _job_for(request, job_id)
    errors = tasks.read_errors(job) if job.is_finished and job.result else []
    if errors:
        # The errors quote the file's cells (MRNs, names, dates): a view of patient data.
        record_access(
            request,
            action=AccessAction.VIEW,
            detail={"page": "redcap_import_errors", "rows": min(len(errors), ERRORS_SHOWN)},
        )
    records = [
        (
            record,
            [(field, list(items)) for field, items in groupby(group, key=lambda e: e["field"])],
        )
        for record, group in groupby(
            (errors or [])[:ERRORS_SHOWN], key=lambda e: (e["record"], e["place"], e["line"])
        )
    ]
    return render(
        request,
        "imports/import_job.html",
        {
            "job": job,
            "result": job.result or {},
            "records": records,
            "errors_gone": errors is None,
            "errors_shown": min(len(errors or []), ERRORS_SHOWN),
            "importable": tasks.importable(job),
            "next": request.path,
        },
    )


@require_POST
@permission_required("imports.import_data", raise_exception=True)
def import_start(request: HttpRequest, job_id) -> HttpResponse:
    """Import the files a dry run found valid (only that dry run's own, only once)."""
    dry_run = _job_for(request, job_id)
    if not tasks.importable(dry_run):
        messages.error(
            request, "These files cannot be imported: check them again with a new upload."
        )
        return redirect("imports:import_job", job_id=dry_run.pk)
    job = tasks.start_import_job(
        user=request.user, folder=dry_run.arguments["folder"], dry_run=False
    )
    return redirect("imports:import_job", job_id=job.pk)


def _job_for(request: HttpRequest, job_id) -> Job:
    job = get_object_or_404(Job, pk=job_id, kind=tasks.IMPORT_JOB)
    if not job.may_follow(request.user):
        raise PermissionDenied
    return job
