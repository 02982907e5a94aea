"""The agreement figures' own page (linked from the review queue): figures only, never a
patient, so the time window may sit in the URL and nothing is written to the access log."""

from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from intake.agreement import AgreementWindowForm, agreement_figures


@permission_required("intake.sign_review", raise_exception=True)
def review_agreement(request: HttpRequest) -> HttpResponse:
    """How often reviewers agreed with the criteria in a time window (12 months unless
    chosen), and what the EHRs did with the CDS Hooks cards in the same window."""
    window = AgreementWindowForm(request.GET or None)
    return render(
        request,
        "intake/review_agreement.html",
        {"window": window, **agreement_figures(window.months())},
    )
