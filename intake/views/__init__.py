"""Function views: fetch with an access check, bind a form, call one service, redirect."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from django.utils.dateparse import parse_datetime
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.middleware import RESCUED_FORM
from amps_screen.health import database_answers
from amps_screen.inputs import keep_in_session, session_text
from audit.access import AccessAction, record_access
from audit.models import AccessEvent
from intake import services
from intake.explain import explain_screening, intake_summary, skipped_sections
from intake.forms import (
    ACTION_DRAFT,
    ACTION_SIGN,
    ACTION_SUBMIT,
    AddendumForm,
    IntakeForm,
    IntakeListFilterForm,
    IntakeSearchForm,
    ReviewForm,
    ReviewQueueFilterForm,
    blank_form_cache_key,
    error_summary,
)
from intake.forms.intake import IDENTITY_PREFILL
from intake.models import (
    OUTCOME_PRIORITY,
    URGENCY_PRIORITY,
    Criterion,
    Intake,
    Outcome,
    Patient,
    Screening,
    Urgency,
    sign_off,
)
from intake.paging import ROW_LIMIT, BoundedPaginator, bounded_counts
from intake.patient_record import corrections_after
from intake.rules import facts
from intake.search import matching_patients

INTAKES_PER_PAGE = 25
QUEUE_PER_PAGE = 50
SEARCH_SESSION_KEY = "intake_list_search"
QUEUE_SEARCH_SESSION_KEY = "review_queue_search"


def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their role's home page."""
    user = request.user
    if user.has_perm("intake.sign_review"):
        return redirect("intake:review_queue")
    if user.has_perm("intake.view_intake"):
        return redirect("intake:intake_list")
    if user.has_perm("exports.export_data"):
        return redirect("exports:export_page")
    if user.is_staff:  # criteria editors and auditors work in the admin
        return redirect("admin:index")
    return render(request, "no_role.html", status=403)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers SELECT 1, 503 when it does not, within about 3 seconds
    whatever the database does (amps_screen.health keeps the deadline). No login, no detail."""
    if database_answers():
        return JsonResponse({"status": "ok", "database": "ok"})
    return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)


@permission_required("intake.view_intake", raise_exception=True)
def intake_list(request: HttpRequest) -> HttpResponse:
    """Intakes, newest first, filtered by GET parameters (no patient data in them). The search
    term travels by POST and lives in the session, so a name or MRN never appears in a URL
    or an access log."""
    if request.method == "POST":
        search = IntakeSearchForm(request.POST)
        request.session[SEARCH_SESSION_KEY] = search.cleaned_data["q"] if search.is_valid() else ""
        return redirect(request.get_full_path())
    term = session_text(request, SEARCH_SESSION_KEY)
    filters = IntakeListFilterForm(request.GET or None)
    intakes = filters.narrow(Intake.objects.all(), user=request.user)
    if term:
        intakes = intakes.filter(patient__in=matching_patients(Patient.objects.all(), term))
    page = BoundedPaginator(
        intakes.values_list("pk", flat=True), INTAKES_PER_PAGE, limit=ROW_LIMIT
    ).get_page(request.GET.get("page"))
    page.object_list = _rows_by_id(
        Intake.objects.select_related("patient", "current_screening"), list(page.object_list)
    )
    return render(
        request,
        "intake/intake_list.html",
        {
            "page_obj": page,
            "search_form": IntakeSearchForm(initial={"q": term}),
            "term": term,
            "filters": filters,
            "page_query": _query_without(request, "page"),
        },
    )


@permission_required("intake.add_intake", raise_exception=True)
def intake_create(request: HttpRequest) -> HttpResponse:
    return _intake_form(request, intake=None)


@permission_required("intake.change_intake", raise_exception=True)
def intake_edit(request: HttpRequest, uuid) -> HttpResponse:
    intake = get_object_or_404(Intake.objects.select_related("patient"), uuid=uuid)
    if intake.is_read_only:
        messages.error(request, str(services.IntakeLocked(intake)))
        return redirect("intake:intake_detail", uuid=intake.uuid)
    if request.method == "GET":
        record_access(request, action=AccessAction.EDIT, intake=intake)
    return _intake_form(request, intake=intake)


def _intake_form(
    request: HttpRequest,
    *,
    intake: Intake | None,
    patient: Patient | None = None,
    previous: Intake | None = None,
) -> HttpResponse:
    """The intake form page: a new intake (`patient` given for a known patient's new visit,
    prefilled from `previous`), or an existing one. A known patient's identity is read-only."""
    patient = intake.patient if intake else patient
    if request.method == "POST":
        # Only an explicit "submit" submits; anything else is at most a draft (action_of).
        form = IntakeForm(request.POST, intake=intake, patient=patient)
        form.prefill_from(previous)
        if form.is_valid():
            saved = _save(request, form, intake)
            if saved is not None:
                return saved
    else:
        form = _rescued_form(request, intake, patient=patient)
        if form is None and intake is not None:
            form = IntakeForm.for_intake(intake)
        elif form is None:
            form = (
                IntakeForm.for_new_visit(patient, previous)
                if patient
                else IntakeForm(initial=request.session.pop(IDENTITY_PREFILL, None))
            )
    # A blank new form is the same HTML for everyone all day: drawn once, from the shared cache
    # (its one-time form token is drawn outside the cached part).
    blank = intake is None and patient is None and not form.is_bound and not form.initial
    return render(
        request,
        "intake/intake_form.html",
        {
            "form": form,
            "intake": intake,
            "error_summary": error_summary(form),
            "blank_form_key": blank_form_cache_key() if blank else "",
            "emergency_optional_sections": list(facts.EMERGENCY_OPTIONAL_SECTIONS),
        },
    )


def _save(request: HttpRequest, form: IntakeForm, intake: Intake | None) -> HttpResponse | None:
    """Save a valid form: the response, or None when the save was refused on the form (which
    is then drawn again, as typed, with the reason)."""
    try:
        intake, screening = services.save_intake(
            intake=intake,
            patient_values=form.patient_values(),
            intake_values=form.intake_values(),
            user=request.user,
            submit=form.action == ACTION_SUBMIT,
            patient=form.patient,
            token=form.token(),
            change_reason=form.cleaned_data.get("change_reason", ""),
        )
    except services.IntakeLocked as locked:
        messages.error(request, "This intake was signed meanwhile; nothing was changed.")
        return redirect("intake:intake_detail", uuid=locked.intake.uuid)
    except services.AlreadySubmitted as done:
        messages.info(
            request, "This form was already submitted: this is its result. Nothing was saved again."
        )
        return redirect("intake:intake_detail", uuid=done.intake.uuid)
    except services.PatientRegisteredMeanwhile as taken:
        form.report_other_patient(taken.patient.mrn)
    except services.IdentityKept as kept:
        form.report_identity_kept(kept.patient, kept.fields, own=kept.own)
    except services.FormTokenRefused:
        form.report_token_refused()
    else:
        return _saved(request, intake, screening, action_chosen=form.action_chosen)
    return None


def _saved(request: HttpRequest, intake: Intake, screening, *, action_chosen: bool) -> HttpResponse:
    if screening is None and not action_chosen:
        messages.warning(
            request,
            "The form was sent without “Submit and screen”, so it was saved as a draft: it is "
            "not screened and not in the review queue. Submit it when it is complete.",
        )
    elif screening is None:
        messages.success(request, "Draft saved. It is not screened until you submit it.")
    elif screening.urgency in (Urgency.EMERGENCY, Urgency.URGENT):
        # Not the green "done" banner: the alarm on the page says what to do now.
        messages.warning(request, f"Intake submitted. Suggestion: {screening.suggestion_text}.")
    else:
        messages.success(request, f"Intake submitted. Suggestion: {screening.suggestion_text}.")
    return redirect("intake:intake_detail", uuid=intake.uuid)


def _rescued_form(
    request: HttpRequest, intake: Intake | None, *, patient: Patient | None = None
) -> IntakeForm | None:
    """The values a form held when its session timed out, given back once after sign-in."""
    rescued = request.session.get(RESCUED_FORM)
    if not rescued or rescued.get("path") != request.path:
        return None
    del request.session[RESCUED_FORM]
    messages.info(request, "What you typed before you were signed out is back: check it and save.")
    return IntakeForm(
        MultiValueDict(rescued["data"]), action=ACTION_DRAFT, intake=intake, patient=patient
    )


@permission_required("intake.view_intake", raise_exception=True)
def intake_detail(request: HttpRequest, uuid) -> HttpResponse:
    intake = get_object_or_404(Intake.objects.select_related("patient", "created_by"), uuid=uuid)
    record_access(request, action=AccessAction.VIEW, intake=intake)
    return render(request, "intake/intake_detail.html", _intake_context(intake))


@permission_required("intake.add_addendum", raise_exception=True)
def addendum_create(request: HttpRequest, uuid) -> HttpResponse:
    intake = get_object_or_404(Intake.objects.select_related("patient", "created_by"), uuid=uuid)
    if request.method != "POST":
        return redirect("intake:intake_detail", uuid=intake.uuid)
    if not intake.is_locked:
        messages.error(request, "Only a signed intake takes addenda; edit this one instead.")
        return redirect("intake:intake_detail", uuid=intake.uuid)
    form = AddendumForm(request.POST)
    if not form.is_valid():
        context = _intake_context(intake, addendum_form=form)
        return render(request, "intake/intake_detail.html", context)
    services.add_addendum(intake=intake, author=request.user, text=form.cleaned_data["text"])
    messages.success(request, "Addendum added.")
    return redirect("intake:intake_detail", uuid=intake.uuid)


def _intake_context(intake: Intake, *, addendum_form: AddendumForm | None = None) -> dict:
    """What the intake and review pages show of a case: its screenings, review and addenda."""
    screenings = list(intake.screenings.select_related("criteria_set").order_by("-created_at"))
    latest = screenings[0] if screenings else None
    review, addenda = sign_off(intake)
    return {
        "intake": intake,
        "screening": latest,
        "explained": explain_screening(latest) if latest else None,
        "earlier_screenings": screenings[1:],
        "summary": intake_summary(intake),
        "skipped_sections": skipped_sections(intake),
        "review": review,
        # A signed case keeps what it was screened with, even when the identity changed since.
        "corrected_after_signing": corrections_after(intake, review.signed_at if review else None),
        "addenda": addenda,
        "addendum_form": addendum_form or AddendumForm(),
        # Changes made to the intake after it was submitted, each with its reason.
        "changes": list(
            # "~": a change (an imported visit's creation carries its import as the reason).
            intake.history.filter(history_type="~")
            .exclude(history_change_reason__isnull=True)
            .exclude(history_change_reason="")
            .select_related("history_user")
            .order_by("-history_date")
        ),
    }


#: The longest search term kept for the queue (a name, or part of an MRN).
QUEUE_SEARCH_MAX_LENGTH = 100


@permission_required("intake.sign_review", raise_exception=True)
def review_queue(request: HttpRequest) -> HttpResponse:
    """Submitted, unsigned cases: referrals first, oldest first. The name/MRN search travels by
    POST and is kept in the session; the count chips are links to the filtered queue. The
    list refreshes itself every minute (static/intake/queue_refresh.js, through
    review_queue_live), keeping the filters."""
    if request.method == "POST":
        term = request.POST.get("q", request.POST.get("mrn", ""))
        term = term.strip()[:QUEUE_SEARCH_MAX_LENGTH]
        if not keep_in_session(request, QUEUE_SEARCH_SESSION_KEY, term):
            messages.error(request, "That search holds a character a name or MRN never has.")
        return redirect(request.get_full_path())
    context = _queue_context(request)
    context.update(opened_at=timezone.now().isoformat())
    if context["term"] and context["page_obj"].object_list:
        # A search by name or MRN shows whose cases wait: logged as the patient search is.
        record_access(
            request,
            action=AccessAction.VIEW,
            detail={"page": "review_queue_search", "rows": len(context["page_obj"].object_list)},
        )
    return render(request, "intake/review_queue.html", context)


@permission_required("intake.sign_review", raise_exception=True)
@require_GET
def review_queue_live(request: HttpRequest) -> HttpResponse:
    """The queue's chips and list alone, with the same filters (and the search in the
    session), for the page's refresh; `since` (the time the page was opened, ISO 8601) adds
    how many cases arrived since. Not a person's activity: it never keeps an idle session
    alive."""
    context = _queue_context(request, since=_aware_time(request.GET.get("since", "")))
    return render(request, "intake/_review_queue_list.html", context)


def _aware_time(text: str):
    """An ISO 8601 time with its offset, or None (missing, malformed, impossible or naive)."""
    try:
        moment = parse_datetime(text[:40])
    except ValueError:  # well formed but impossible: 2026-13-45T…
        return None
    return moment if moment is not None and not timezone.is_naive(moment) else None


def _queue_context(request: HttpRequest, *, since=None) -> dict:
    term = session_text(request, QUEUE_SEARCH_SESSION_KEY)
    filters = ReviewQueueFilterForm(request.GET or None)
    waiting = filters.narrow(Intake.objects.awaiting_review(), term=term)
    # Counted per outcome (and per urgency of the referrals) up to a bound, each along the
    # queue's index: the cost stays the same however many cases wait ("1,000+" past it).
    referrals = waiting.filter(review_priority=OUTCOME_PRIORITY[Outcome.REFER])
    found = bounded_counts(
        {
            **{o: waiting.filter(review_priority=r) for o, r in OUTCOME_PRIORITY.items()},
            **{
                f"urgency:{u}": referrals.filter(review_urgency=URGENCY_PRIORITY[u])
                for u in Urgency.values
            },
        },
        ROW_LIMIT,
    )
    counts = {outcome: found[outcome] for outcome in OUTCOME_PRIORITY}
    urgency_counts = [(u.value, u.text, found[f"urgency:{u.value}"]) for u in Urgency]
    valid = filters.is_valid()
    outcome = filters.cleaned_data["outcome"] if valid else ""
    urgency = filters.cleaned_data["urgency"] if valid else ""
    if urgency:  # an urgency is a referral's: the filter implies the outcome
        outcome = Outcome.REFER
        waiting = referrals.filter(review_urgency=URGENCY_PRIORITY[urgency])
        known_count = found[f"urgency:{urgency}"]
    elif outcome:
        waiting = waiting.filter(review_priority=OUTCOME_PRIORITY[outcome])
        known_count = counts[outcome]
    else:
        # The counts per outcome give the total already: no second COUNT query.
        known_count = sum(counts.values())
    paginator = BoundedPaginator(
        waiting.values_list("pk", flat=True),
        QUEUE_PER_PAGE,
        limit=ROW_LIMIT,
        known_count=known_count,
    )
    page = paginator.get_page(request.GET.get("page"))
    page.object_list = _grouped_by_patient(_queue_rows(list(page.object_list)))
    _attach_matched_names(page.object_list)
    arrived = None
    if since is not None:  # the refresh: how many of these arrived since the page was opened
        arrived = bounded_counts({"arrived": waiting.filter(screened_at__gt=since)}, ROW_LIMIT)[
            "arrived"
        ]
    return {
        "page_obj": page,
        "filters": filters,
        "term": term,
        "search_max_length": QUEUE_SEARCH_MAX_LENGTH,
        "counts": [(value, label, counts[value]) for value, label in Outcome.choices],
        "count_limit": ROW_LIMIT,
        "urgency_counts": urgency_counts,
        "active_outcome": outcome if not urgency else "",
        "active_urgency": urgency,
        # Links in the list never carry the refresh's clock.
        "chip_query": _query_without(request, "page", "outcome", "urgency", "since"),
        "page_query": _query_without(request, "page", "since"),
        "arrived": arrived,
    }


def _grouped_by_patient(rows: list[Screening]) -> list[Screening]:
    """The page's rows with each patient's waiting visits together: a patient with several
    submitted, unsigned visits is shown where the first of them comes in queue order (so an
    emergency never moves down), the more urgent visit first and, among visits of the same
    urgency, the newest first; the others under it, marked.

    Each row gets `older_waiting` (how many older visits of the patient wait, on any page)
    and `newer_waiting` (the newest visit's intake when a newer one waits). One query for the
    page: the waiting visits of the page's patients."""
    patient_ids = {row.intake.patient_id for row in rows}
    visits: dict[int, list[tuple]] = {}
    for patient_id, pk, day, submitted in (
        Intake.objects.awaiting_review()
        .filter(patient_id__in=patient_ids)
        .values_list("patient_id", "pk", "intake_date", "submitted_at")
    ):
        visits.setdefault(patient_id, []).append((day, submitted, pk))
    newest = {patient_id: max(found)[2] for patient_id, found in visits.items()}
    for row in rows:
        count = len(visits.get(row.intake.patient_id, ()))
        is_newest = newest.get(row.intake.patient_id) == row.intake.pk
        row.older_waiting = count - 1 if is_newest else 0
        row.newer_waiting = not is_newest and count > 1
    grouped, placed = [], set()
    for row in rows:
        patient_id = row.intake.patient_id
        if patient_id in placed:
            continue
        placed.add(patient_id)
        group = [r for r in rows if r.intake.patient_id == patient_id]
        # Newest first among visits of the same priority; a more urgent visit (an emergency
        # seen before a newer routine one) stays above, never under a less urgent row.
        group.sort(key=lambda r: (r.intake.intake_date, r.intake.submitted_at), reverse=True)
        group.sort(key=lambda r: (r.intake.review_priority, r.intake.review_urgency))
        for position, member in enumerate(group):
            member.in_group = len(group) > 1 and position > 0
        grouped += group
    return grouped


def _rows_by_id(queryset, ids: list[int]) -> list:
    """A page's rows, fetched by id in the page's order once an index has given the ids:
    a deep page then joins its own rows only, not every row before it. The screening
    snapshot columns, which pages never show, stay in the database."""
    by_id = queryset.without_screening_snapshot().in_bulk(ids)
    return [by_id[pk] for pk in ids]


def _queue_rows(intake_ids: list[int]) -> list[Screening]:
    """A queue row is the intake's current screening, holding its intake and patient."""
    rows = []
    for intake in _rows_by_id(
        Intake.objects.select_related("patient", "current_screening"), intake_ids
    ):
        screening = intake.current_screening
        screening.intake = intake
        rows.append(screening)
    return rows


def _attach_matched_names(screenings) -> None:
    """Each row's matched red flag (or else pathway) names, in one query for the page."""
    screenings = list(screenings)
    names = Criterion.names_for(screenings)
    for screening in screenings:
        codes = screening.red_flags or screening.pathways
        screening.matched_names = [names.get((screening.criteria_set_id, c), c) for c in codes]


@permission_required("intake.sign_review", raise_exception=True)
def review_next(request: HttpRequest) -> HttpResponse:
    """The case at the top of the queue (in queue order), or the queue when none waits."""
    first = (
        Intake.objects.awaiting_review()
        .filter(current_screening__isnull=False)
        .values_list("current_screening__uuid", flat=True)
        .first()
    )
    if first is None:
        messages.info(request, "No case is waiting for review.")
        return redirect("intake:review_queue")
    return redirect("intake:review_create", uuid=first)


def _query_without(request: HttpRequest, *names: str) -> str:
    """The request's query string less `names`, as "&a=1&b=2" ("" when nothing is left)."""
    query = request.GET.copy()
    for name in names:
        query.pop(name, None)
    return f"&{query.urlencode()}" if query else ""


#: A reviewer going back and forth on one case (the queue, the case, a wrong password) is one
#: "Opened to review" in the access log, not one per page load.
REVIEW_OPEN_LOGGED_FOR = timedelta(minutes=15)


def _opened_to_review_lately(user, intake: Intake) -> bool:
    return AccessEvent.objects.filter(
        user=user,
        intake=intake,
        action=AccessAction.REVIEW,
        created_at__gte=timezone.now() - REVIEW_OPEN_LOGGED_FOR,
    ).exists()


@permission_required("intake.sign_review", raise_exception=True)
def review_create(request: HttpRequest, uuid) -> HttpResponse:
    """A case under review: the summary, the suggestion and its explanation, and the form."""
    screening = get_object_or_404(
        Screening.objects.select_related("intake__patient", "intake__created_by", "criteria_set"),
        uuid=uuid,
    )
    intake = screening.intake
    if request.method == "GET" and not _opened_to_review_lately(request.user, intake):
        record_access(request, action=AccessAction.REVIEW, intake=intake)
    # Only the Sign button signs; "check" (or a missing or unknown action) shows what would be
    # signed, computed here, so the summary is right without JavaScript.
    signing = request.POST.get("action") == ACTION_SIGN
    form = ReviewForm(
        request.POST or None, user=request.user, suggestion=screening.outcome, signing=signing
    )
    if request.method == "POST" and form.is_valid() and signing:
        try:
            services.record_review(
                screening=screening, reviewer=request.user, **form.review_values()
            )
        except (services.AlreadySigned, services.NotReviewable) as refusal:
            messages.error(request, str(refusal))
            return redirect("intake:review_create", uuid=screening.uuid)
        record_access(
            request,
            action=AccessAction.SIGNED,
            intake=intake,
            detail={"disposition": form.review_values()["disposition"]},
        )
        messages.success(request, f"Signed: {intake.patient.full_name}. The case is now locked.")
        # The signed case, with its letter and family sheet a click away and a "Next case".
        return redirect("intake:intake_detail", uuid=intake.uuid)
    context = _intake_context(intake)
    context.update(form=form, reviewed_screening=screening)
    return render(request, "intake/review_form.html", context)
