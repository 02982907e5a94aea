"""What the documents show, and their PDFs (WeasyPrint, rendered on the server).

The PDF renderer reads only our own static files: any other URL in a document (none is
written, but the clinic's text is the editor's) is refused, so rendering never fetches
from the network.
"""

import mimetypes
from pathlib import Path

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static

from documents import placeholders
from documents.models import ClinicDetails
from intake.explain import explain_screening
from intake.models import Disposition, Intake, Review
from intake.templatetags.intake_extras import fact_label, fact_value

#: The family information sheets, by the disposition they are for.
SHEETS = {
    Disposition.AMPS_PROGRAMME: "documents/sheet_amps_programme.html",
    Disposition.INFLAMMATORY_WORKUP: "documents/sheet_inflammatory_workup.html",
}
LETTER = "letter"


def letter_context(intake: Intake) -> dict:
    """Everything the referral/clinic letter shows of a case."""
    screening = intake.current_screening
    explained = explain_screening(screening)
    review = Review.objects.select_related("reviewer", "screening").filter(intake=intake).first()
    return {
        "intake": intake,
        "patient": intake.patient,
        "screening": screening,
        "explained": explained,
        "red_flags": [in_words(item) for item in explained.red_flags],
        "pathways": [in_words(item) for item in explained.pathways],
        "review": review,
        "addenda": list(intake.addenda.select_related("author").order_by("-created_at", "-pk")),
        "clinic": ClinicDetails.load(),
        "signed": review is not None,
    }


def in_words(item) -> str:
    """A matched criterion in plain words: its name and the findings that made it hold
    ("Fever with non-weight-bearing: fever yes; refuses or cannot bear weight yes")."""
    findings = []
    for comparison in item.comparisons:
        if comparison["result"]:
            name = comparison["fact"]
            finding = f"{fact_label(name)} {fact_value(comparison['value'], name)}"
            if finding not in findings:
                findings.append(finding)
    return f"{item.name}: {'; '.join(findings)}" if findings else item.name


def sheet_context(intake: Intake, review: Review) -> dict:
    clinic = ClinicDetails.load()
    return {
        "intake": intake,
        "review": review,
        "clinic": clinic,
        "programme_text": placeholders.render(clinic.programme_text, clinic.placeholder_values()),
    }


def render_pdf(template: str, context: dict) -> bytes:
    """A template rendered to PDF bytes, with the print stylesheet."""
    from weasyprint import HTML  # imported on use: loading Pango takes a moment

    html = render_to_string(template, {**context, "pdf": True})
    return HTML(string=html, base_url="/", url_fetcher=_static_fetcher()).write_pdf()


def _static_fetcher():
    """WeasyPrint's fetcher, limited to our own static files (a stylesheet, an image)."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            path = url.removeprefix("file://")
            if path.startswith(static("")):
                name = path.removeprefix(static(""))
                found = finders.find(name)
                if found:
                    mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
                    body = Path(found).read_bytes()
                    return URLFetcherResponse(url, body, {"Content-Type": mime})
            raise ValueError(f"Documents use only the app's own static files, not {url!r}.")

    return StaticFilesOnly()
