"""The exports page: choose, download (streamed), and see past exports."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header

from audit.access import AccessAction, record_access
from audit.models import AccessEvent
from exports import services, tasks
from exports.columns import Layout, Profile
from exports.dictionary import write_dictionary_csv
from exports.forms import ExportForm
from exports.pseudonyms import PseudonymKeyMissing
from exports.rows import ExportOptions
from intake.forms import error_summary
from jobs.models import Job

PAST_EXPORTS_SHOWN = 50


# Everyone who may export at all holds export_deidentified; export_data adds the other profiles.
@permission_required("exports.export_deidentified", raise_exception=True)
def export_page(request: HttpRequest) -> HttpResponse:
    form = ExportForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        return _download(request, form)
    return render(
        request,
        "exports/export_page.html",
        {
            "form": form,
            "error_summary": error_summary(form),
            "past_exports": _past_exports(request.user),
            "sees_everyone": request.user.has_perm("exports.export_data"),
            "dictionary_profiles": [
                (p, Profile(p).label) for p in services.allowed_profiles(request.user)
            ],
            "dictionary_layouts": Layout.choices,
        },
    )


@permission_required("exports.export_deidentified", raise_exception=True)
def data_dictionary(request: HttpRequest) -> HttpResponse:
    """The data dictionary of a profile the user may export, as CSV (REDCap's layout); logged
    like an export (it holds no patient data, but says what an export would)."""
    profile, layout = request.GET.get("profile", ""), request.GET.get("layout", Layout.REPEATING)
    if layout not in Layout.values or profile not in Profile.values:
        return HttpResponseBadRequest("Choose a profile and a layout from the exports page.")
    if profile not in services.allowed_profiles(request.user):
        raise PermissionDenied(f"You may not make {profile} exports.")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    fields = write_dictionary_csv(profile=profile, output=response, layout=layout)
    filename = f"amps-data-dictionary-{profile}-{layout}-{timezone.localdate():%Y%m%d}.csv"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    record_access(
        request,
        action=AccessAction.EXPORTED,
        detail={"data_dictionary": True, "profile": profile, "layout": layout,
                "format": "csv", "fields": fields},
    )  # fmt: skip
    return response


def _download(request: HttpRequest, form: ExportForm) -> HttpResponse:
    options = form.options()
    try:  # the form offers only what is allowed; this guards the service's own rules
        counted = services.count_rows(options)
        if counted[0] > settings.AMPS_EXPORT_BACKGROUND_ROWS:
            job = tasks.start_export_job(
                user=request.user,
                options=options,
                fmt=form.cleaned_data["format"],
                bom=form.cleaned_data["bom"],
                purpose=form.cleaned_data["purpose"].strip(),
            )
            messages.info(request, "A large export: it is being written in the background.")
            return redirect("exports:export_job", job_id=job.pk)
        download = services.prepare_download(
            request=request,
            options=options,
            fmt=form.cleaned_data["format"],
            bom=form.cleaned_data["bom"],
            purpose=form.cleaned_data["purpose"].strip(),
            counted=counted,
        )
    except (services.ExportNotAllowed, PseudonymKeyMissing) as refused:
        raise PermissionDenied(str(refused)) from refused
    if download.chunks is not None:
        response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
        response["Content-Disposition"] = content_disposition_header(True, download.filename)
        return response
    return FileResponse(
        download.file,
        as_attachment=True,
        filename=download.filename,
        content_type=download.content_type,
    )


def _past_exports(user):
    # Exports span many patients; a document's PDF (one patient) and a later download of a
    # background export's file are logged as exported too, but are not exports made.
    events = (
        AccessEvent.objects.filter(action=AccessAction.EXPORTED, patient__isnull=True)
        .exclude(detail__has_key="download")
        .exclude(detail__has_key="data_dictionary")
        .select_related("user")
    )
    if not user.has_perm("exports.export_data"):
        events = events.filter(user=user)
    return events.order_by("-created_at")[:PAST_EXPORTS_SHOWN]


@permission_required("exports.export_deidentified", raise_exception=True)
def export_job(request: HttpRequest, job_id) -> HttpResponse:
    """A background export: its progress, then its file to download."""
    job = _export_job_for(request, job_id)
    return render(
        request,
        "exports/export_job.html",
        {"job": job, "file": tasks.finished_file(job), "next": request.path},
    )


@permission_required("exports.export_deidentified", raise_exception=True)
def export_job_download(request: HttpRequest, job_id) -> HttpResponse:
    job = _export_job_for(request, job_id)
    file = tasks.finished_file(job)
    if file is None:
        raise Http404("This export is not ready, or its file is gone.")
    profile = ExportOptions.from_json(job.arguments["options"]).profile
    if profile not in services.allowed_profiles(request.user):
        raise PermissionDenied("You may no longer export this profile.")
    record_access(
        request,
        action=AccessAction.EXPORTED,
        detail={"download": True, "job": str(job.pk), "profile": profile,
                "format": file["format"], "rows": file["rows"]},
    )  # fmt: skip
    return FileResponse(
        default_storage.open(file["file"], "rb"),
        as_attachment=True,
        filename=file["filename"],
        content_type=services.Format.CONTENT_TYPES[file["format"]],
    )


def _export_job_for(request: HttpRequest, job_id) -> Job:
    job = get_object_or_404(Job, pk=job_id, kind=tasks.EXPORT_JOB)
    if not job.may_follow(request.user):
        raise PermissionDenied
    return job
