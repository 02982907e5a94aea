"""The privacy officer's pages: find a patient (the term is POSTed and kept in the session,
never in a URL), then read their audit timeline. Auditors only; opening a timeline is itself
in the access log."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from amps_screen.inputs import session_text
from audit.access import AccessAction, record_access
from intake.forms.patients import PatientSearchForm
from intake.models import Patient
from intake.search import matching_patients
from privacy.timeline import patient_timeline as build_timeline

AUDIT_PERMISSION = "audit.view_accessevent"
SEARCH_SESSION_KEY = "audit_patient_search"
RESULTS_SHOWN = 50
ENTRIES_PER_PAGE = 100


@permission_required(AUDIT_PERMISSION, raise_exception=True)
def patient_search(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = PatientSearchForm(request.POST)  # the clinic's own patient search form
        if form.is_valid():
            request.session[SEARCH_SESSION_KEY] = form.cleaned_data["q"]
        else:
            messages.error(request, "That search cannot be used: " + " ".join(form.errors["q"]))
        return redirect("privacy:patient_search")
    term = session_text(request, SEARCH_SESSION_KEY)
    patients = None
    if term:
        patients = list(
            matching_patients(Patient.objects.all(), term).order_by(
                "family_name", "given_name", "pk"
            )[: RESULTS_SHOWN + 1]
        )
        if patients:  # the names and MRNs found, logged as the staff's patient search is
            record_access(
                request,
                action=AccessAction.VIEW,
                detail={"page": "audit_patient_search", "rows": min(len(patients), RESULTS_SHOWN)},
            )
    return render(
        request,
        "privacy/patient_search.html",
        {
            "term": term,
            "patients": patients[:RESULTS_SHOWN] if patients is not None else None,
            "more": patients is not None and len(patients) > RESULTS_SHOWN,
            "shown": RESULTS_SHOWN,
        },
    )


@permission_required(AUDIT_PERMISSION, raise_exception=True)
def patient_timeline(request: HttpRequest, uuid) -> HttpResponse:
    patient = get_object_or_404(Patient, uuid=uuid)
    record_access(
        request, action=AccessAction.VIEW, patient=patient, detail={"page": "audit_timeline"}
    )
    entries, more = build_timeline(patient)
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "privacy/patient_timeline.html",
        {"patient": patient, "page_obj": page, "more_access_events": more},
    )
