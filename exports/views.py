"""The exports page: choose, download (streamed), and see past exports."""

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone

from audit.access import AccessAction
from audit.models import AccessEvent
from exports import services
from exports.forms import ExportForm
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
    options, fmt = form.options(), form.cleaned_data["format"]
    purpose = form.cleaned_data["purpose"].strip()
    try:  # the form offers only the allowed profiles; this guards the service's own rule
        services.check_allowed(user=request.user, options=options, purpose=purpose)
    except services.ExportNotAllowed as refused:
        raise PermissionDenied(str(refused)) from refused
    name = f"amps-intakes-{options.profile}-{timezone.localtime():%Y%m%d-%H%M%S}.{fmt}"
    if fmt == services.Format.CSV:
        rows, last = services.count_rows(options)
        services.log_export(request=request, options=options, fmt=fmt, rows=rows, purpose=purpose)
        stream = services.csv_stream(options, bom=form.cleaned_data["bom"], upto_pk=last)
        response = StreamingHttpResponse(stream, content_type=services.Format.CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    output, rows = services.write_export_to_temporary_file(options=options, fmt=fmt)
    services.log_export(request=request, options=options, fmt=fmt, rows=rows, purpose=purpose)
    return FileResponse(
        output, as_attachment=True, filename=name, content_type=services.Format.CONTENT_TYPES[fmt]
    )


def _past_exports(user):
    events = AccessEvent.objects.filter(action=AccessAction.EXPORTED).select_related("user")
    if not user.has_perm("exports.export_data"):
        events = events.filter(user=user)
    return events.order_by("-created_at")[:PAST_EXPORTS_SHOWN]
