"""The patient as a record: the patient page (visits, corrections, trend charts), identity
corrections, and the patient search (the term travels by POST and stays in the session)."""

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from amps_screen.inputs import session_text
from audit.access import AccessAction, record_access
from intake import services
from intake.forms import PatientCorrectionForm, PatientSearchForm, error_summary
from intake.models import Intake, Patient, completed_years
from intake.paging import ROW_LIMIT, BoundedPaginator, bounded_count
from intake.patient_record import identity_corrections, patient_visits
from intake.search import matching_patients
from intake.trend_charts import DISPOSITION_LEGEND, SUGGESTION_LEGEND, trend_charts
from intake.views import _intake_form

PATIENTS_PER_PAGE = 25
PATIENT_SEARCH_SESSION_KEY = "patient_search"


@permission_required("intake.view_patient", raise_exception=True)
def patient_detail(request: HttpRequest, uuid) -> HttpResponse:
    """Identity, every visit newest first, identity corrections, and the trend charts."""
    patient = get_object_or_404(Patient, uuid=uuid)
    record_access(request, action=AccessAction.VIEW, patient=patient)
    corrections = identity_corrections(patient)
    visits = patient_visits(patient, corrections)
    return render(
        request,
        "intake/patient_detail.html",
        {
            "patient": patient,
            "age_years": completed_years(patient.date_of_birth, timezone.localdate()),
            "visits": visits,
            "corrections": corrections,
            "charts": trend_charts(visits),
            "suggestion_legend": SUGGESTION_LEGEND,
            "disposition_legend": DISPOSITION_LEGEND,
        },
    )


@permission_required("intake.add_intake", raise_exception=True)
def visit_create(request: HttpRequest, uuid) -> HttpResponse:
    """A new visit of a known patient (a follow-up by default), starting from what does not
    change between visits in their last submitted intake."""
    patient = get_object_or_404(Patient, uuid=uuid)
    previous = (
        Intake.objects.submitted()
        .filter(patient=patient)
        .order_by("-intake_date", "-created_at", "-pk")
        .first()
    )
    if request.method == "GET":
        record_access(request, action=AccessAction.EDIT, patient=patient)
    return _intake_form(request, intake=None, patient=patient, previous=previous)


@permission_required("intake.change_patient", raise_exception=True)
def patient_correct(request: HttpRequest, uuid) -> HttpResponse:
    """Correct the identity, with a reason; engine-read facts re-screen unsigned intakes."""
    patient = get_object_or_404(Patient, uuid=uuid)
    form = PatientCorrectionForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.correct_patient_identity(
                patient=patient,
                values=form.identity_values(),
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
        except services.MrnTaken as taken:
            form.add_error("mrn", ValidationError(str(taken), code="mrn_taken"))
        else:
            record_access(
                request,
                action=AccessAction.CORRECT,
                patient=patient,
                detail={"fields": sorted(correction.changed)},
            )
            message = "Identity corrected."
            if correction.rescreened:
                message += (
                    f" {len(correction.rescreened)} unsigned intake(s) screened again "
                    "with the published criteria."
                )
            messages.success(request, message)
            return redirect("intake:patient_detail", uuid=patient.uuid)
    elif request.method == "GET":
        record_access(request, action=AccessAction.EDIT, patient=patient)
    return render(
        request,
        "intake/patient_correct.html",
        {"patient": patient, "form": form, "error_summary": error_summary(form)},
    )


@permission_required("intake.view_patient", raise_exception=True)
def patient_search(request: HttpRequest) -> HttpResponse:
    """Patients by name (either order, any part) or MRN fragment, each with their latest
    visit. The term is POSTed and kept in the session: it never appears in a URL."""
    if request.method == "POST":
        search = PatientSearchForm(request.POST)
        if not search.is_valid():
            return render(
                request, "intake/patient_search.html", {"search_form": search}, status=400
            )
        request.session[PATIENT_SEARCH_SESSION_KEY] = search.cleaned_data["q"]
        return redirect("intake:patient_search")
    term = session_text(request, PATIENT_SEARCH_SESSION_KEY)
    page = None
    if term:
        latest = Intake.objects.filter(patient=OuterRef("pk")).order_by(
            "-intake_date", "-created_at", "-pk"
        )
        matches = matching_patients(Patient.objects.all(), term)
        # Bounded like the intake list: the matches are counted up to ROW_LIMIT + 1 (a
        # common part of a name stops counting there); a page reads the matches through the
        # trigram index (never the whole table) and keeps the top 25 in name order, each
        # row's latest visit looked up for those 25 only. (An index in name order was tried:
        # for a part of a name that sorts late, e.g. "ross", PostgreSQL then walked 81,000
        # names to find 25, 151 ms instead of 13-26 ms; bench/README.md.)
        found = matches.annotate(latest_intake_id=Subquery(latest.values("pk")[:1])).order_by(
            "family_name", "given_name", "pk"
        )
        page = BoundedPaginator(
            found,
            PATIENTS_PER_PAGE,
            limit=ROW_LIMIT,
            known_count=bounded_count(matches.order_by(), ROW_LIMIT),
        ).get_page(request.GET.get("page"))
        latest_intakes = (
            Intake.objects.select_related("current_screening")
            .without_screening_snapshot()
            .in_bulk([p.latest_intake_id for p in page.object_list if p.latest_intake_id])
        )
        for patient in page.object_list:
            patient.latest_intake = latest_intakes.get(patient.latest_intake_id)
        if page.object_list:
            record_access(
                request,
                action=AccessAction.VIEW,
                detail={"page": "patient_search", "rows": len(page.object_list)},
            )
    return render(
        request,
        "intake/patient_search.html",
        {"search_form": PatientSearchForm(initial={"q": term}), "term": term, "page_obj": page},
    )
