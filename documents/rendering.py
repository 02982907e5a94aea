"""What the documents show, and their PDFs (WeasyPrint, rendered on the server).

The PDF renderer is given the print stylesheet from the app's static source files (not through
a URL: in production the static URLs are hashed names that exist only after collectstatic) and
fetches nothing: any URL in a document (none is written, but the clinic's text is the editor's)
is refused, so rendering never reaches the network or the disk.
"""

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from documents import placeholders
from documents.models import ClinicDetails
from intake.explain import explain_screening
from intake.models import Disposition, Intake, Review, sign_off
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
    review, addenda = sign_off(intake)
    clinic = ClinicDetails.load()
    return {
        "intake": intake,
        "patient": intake.patient,
        "screening": screening,
        "explained": explained,
        "red_flags": [in_words(item) for item in explained.red_flags],
        "pathways": [in_words(item) for item in explained.pathways],
        "review": review,
        "addenda": addenda,
        "clinic": clinic,
        "clinic_gaps": clinic.missing_contact(),
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
        "clinic_gaps": clinic.missing_contact(),
        "programme_text": placeholders.render(clinic.programme_text, clinic.placeholder_values()),
    }


PRINT_STYLESHEET = "documents/print.css"


def render_pdf(template: str, context: dict) -> bytes:
    """A template rendered to PDF bytes, with the print stylesheet."""
    from weasyprint import CSS, HTML  # imported on use: loading Pango takes a moment

    html = render_to_string(template, {**context, "pdf": True})
    fetcher = _no_fetching()
    stylesheet = CSS(filename=finders.find(PRINT_STYLESHEET), url_fetcher=fetcher)
    return HTML(string=html, base_url="/", url_fetcher=fetcher).write_pdf(stylesheets=[stylesheet])


def _no_fetching():
    """A WeasyPrint fetcher that refuses every URL."""
    from weasyprint.urls import URLFetcher

    class NoFetching(URLFetcher):
        def fetch(self, url, headers=None):
            raise ValueError(f"Documents fetch nothing, not {url!r}.")

    return NoFetching()
