"""Print views and PDFs of a case's documents. Every one is written to the access log."""

from django.contrib.auth.decorators import permission_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import content_disposition_header

from audit.access import AccessAction, record_access
from documents import rendering
from intake.models import Intake, Review

_CASE = Intake.objects.select_related("patient", "created_by", "current_screening__criteria_set")


def _case(uuid) -> Intake:
    """A screened case (a draft has nothing to print yet)."""
    intake = get_object_or_404(_CASE, uuid=uuid)
    if intake.current_screening is None:
        raise Http404("This intake has not been screened: there is nothing to print yet.")
    return intake


def _pdf(content: bytes, name: str) -> HttpResponse:
    # A generic file name: the patient's name and MRN stay out of file names and logs.
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.pdf")
    return response


@permission_required("intake.view_intake", raise_exception=True)
def letter_print(request: HttpRequest, uuid) -> HttpResponse:
    """The referral/clinic letter as a page to print ("DRAFT — not signed" until signed)."""
    intake = _case(uuid)
    record_access(
        request,
        action=AccessAction.PRINTED,
        intake=intake,
        detail={"document": rendering.LETTER, "format": "html"},
    )
    return render(request, "documents/letter.html", rendering.letter_context(intake))


@permission_required("intake.view_intake", raise_exception=True)
def letter_pdf(request: HttpRequest, uuid) -> HttpResponse:
    """The referral/clinic letter as a PDF download, rendered on the server."""
    intake = _case(uuid)
    record_access(
        request,
        action=AccessAction.EXPORTED,
        intake=intake,
        detail={"document": rendering.LETTER, "format": "pdf"},
    )
    content = rendering.render_pdf("documents/letter.html", rendering.letter_context(intake))
    return _pdf(content, "clinic-letter")


def _sheet(request: HttpRequest, uuid, kind: str, *, pdf: bool) -> HttpResponse:
    """The family information sheet of a signed case whose disposition it is for."""
    if kind not in rendering.SHEETS:
        raise Http404("There is no information sheet of that kind.")
    intake = _case(uuid)
    review = Review.objects.filter(intake=intake, disposition=kind).first()
    if review is None:
        raise Http404("This case was not signed with that disposition.")
    record_access(
        request,
        action=AccessAction.EXPORTED if pdf else AccessAction.PRINTED,
        intake=intake,
        detail={"document": f"sheet_{kind}", "format": "pdf" if pdf else "html"},
    )
    template, context = rendering.SHEETS[kind], rendering.sheet_context(intake, review)
    if pdf:
        return _pdf(rendering.render_pdf(template, context), f"information-{kind}")
    return render(request, template, context)


@permission_required("intake.view_intake", raise_exception=True)
def sheet_print(request: HttpRequest, uuid, kind: str) -> HttpResponse:
    return _sheet(request, uuid, kind, pdf=False)


@permission_required("intake.view_intake", raise_exception=True)
def sheet_pdf(request: HttpRequest, uuid, kind: str) -> HttpResponse:
    return _sheet(request, uuid, kind, pdf=True)
