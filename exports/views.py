"""The exports page: choose, download (streamed), and see past exports."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render

from audit.access import AccessAction
from audit.models import AccessEvent
from exports import services
from exports.forms import ExportForm
from exports.pseudonyms import PseudonymKeyMissing
from intake.forms import error_summary

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
        },
    )


def _download(request: HttpRequest, form: ExportForm) -> HttpResponse:
    try:  # the form offers only what is allowed; this guards the service's own rules
        download = services.prepare_download(
            request=request,
            options=form.options(),
            fmt=form.cleaned_data["format"],
            bom=form.cleaned_data["bom"],
            purpose=form.cleaned_data["purpose"].strip(),
        )
    except (services.ExportNotAllowed, PseudonymKeyMissing) as refused:
        raise PermissionDenied(str(refused)) from refused
    if download.chunks is not None:
        response = StreamingHttpResponse(download.chunks, content_type=download.content_type)
        response["Content-Disposition"] = f'attachment; filename="{download.filename}"'
        return response
    return FileResponse(
        download.file,
        as_attachment=True,
        filename=download.filename,
        content_type=download.content_type,
    )


def _past_exports(user):
    events = AccessEvent.objects.filter(action=AccessAction.EXPORTED).select_related("user")
    if not user.has_perm("exports.export_data"):
        events = events.filter(user=user)
    return events.order_by("-created_at")[:PAST_EXPORTS_SHOWN]
