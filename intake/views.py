"""Function views: fetch with an access check, bind a form, call one service, redirect."""

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.core.paginator import Paginator
from django.db import DatabaseError, connection
from django.db.models import OuterRef, Q, Subquery
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache

from intake import services
from intake.explain import explain_screening, intake_summary
from intake.forms import ACTION_DRAFT, IntakeForm, IntakeSearchForm, error_summary
from intake.models import Intake, Screening

INTAKES_PER_PAGE = 25
SEARCH_SESSION_KEY = "intake_list_search"


def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their role's home page."""
    user = request.user
    if user.has_perm("intake.sign_review"):
        return redirect("intake:intake_list")
    if user.has_perm("intake.add_intake") or user.has_perm("intake.view_intake"):
        return redirect("intake:intake_list")
    if user.is_staff and user.has_perm("intake.change_criteriaset"):
        return redirect("admin:index")
    return render(request, "no_role.html", status=403)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not. No login, no detail."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@permission_required("intake.view_intake", raise_exception=True)
def intake_list(request: HttpRequest) -> HttpResponse:
    """Intakes, newest first. The search term travels by POST and lives in the session, so a
    name or MRN never appears in a URL or an access log."""
    if request.method == "POST":
        search = IntakeSearchForm(request.POST)
        request.session[SEARCH_SESSION_KEY] = search.cleaned_data["q"] if search.is_valid() else ""
        return redirect("intake:intake_list")
    term = request.session.get(SEARCH_SESSION_KEY, "")
    latest = Screening.objects.filter(intake=OuterRef("pk")).order_by("-created_at", "-pk")
    intakes = Intake.objects.select_related("patient").annotate(
        latest_outcome=Subquery(latest.values("outcome")[:1])
    )
    if term:
        intakes = intakes.filter(
            Q(patient__mrn__iexact=term)
            | Q(patient__family_name__icontains=term)
            | Q(patient__given_name__icontains=term)
        )
    page = Paginator(intakes, INTAKES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "intake/intake_list.html",
        {"page_obj": page, "search_form": IntakeSearchForm(initial={"q": term}), "term": term},
    )


@permission_required("intake.add_intake", raise_exception=True)
def intake_create(request: HttpRequest) -> HttpResponse:
    return _intake_form(request, intake=None)


@permission_required("intake.change_intake", raise_exception=True)
def intake_edit(request: HttpRequest, uuid) -> HttpResponse:
    intake = get_object_or_404(Intake.objects.select_related("patient"), uuid=uuid)
    if intake.is_locked:
        messages.error(request, "This intake has been signed and is locked; it cannot be edited.")
        return redirect("intake:intake_detail", uuid=intake.uuid)
    return _intake_form(request, intake=intake)


def _intake_form(request: HttpRequest, *, intake: Intake | None) -> HttpResponse:
    if request.method == "POST":
        action = request.POST.get("action")
        form = IntakeForm(request.POST, action=action)
        if form.is_valid():
            try:
                intake, screening = services.save_intake(
                    intake=intake,
                    patient_values=form.patient_values(),
                    intake_values=form.intake_values(),
                    user=request.user,
                    submit=action != ACTION_DRAFT,
                )
            except services.IntakeLocked:
                messages.error(request, "This intake was signed meanwhile; nothing was changed.")
                return redirect("intake:intake_detail", uuid=intake.uuid)
            if screening is None:
                messages.success(request, "Draft saved. It is not screened until you submit it.")
            else:
                messages.success(
                    request, f"Intake submitted. Suggestion: {screening.get_outcome_display()}."
                )
            return redirect("intake:intake_detail", uuid=intake.uuid)
    else:
        form = IntakeForm.for_intake(intake) if intake else IntakeForm()
    return render(
        request,
        "intake/intake_form.html",
        {"form": form, "intake": intake, "error_summary": error_summary(form)},
    )


@permission_required("intake.view_intake", raise_exception=True)
def intake_detail(request: HttpRequest, uuid) -> HttpResponse:
    intake = get_object_or_404(Intake.objects.select_related("patient", "created_by"), uuid=uuid)
    screenings = list(intake.screenings.select_related("criteria_set").order_by("-created_at"))
    latest = screenings[0] if screenings else None
    return render(
        request,
        "intake/intake_detail.html",
        {
            "intake": intake,
            "screening": latest,
            "explained": explain_screening(latest) if latest else None,
            "earlier_screenings": screenings[1:],
            "summary": intake_summary(intake),
        },
    )
