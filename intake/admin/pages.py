"""The criteria pages of our own inside the admin: new draft, try it, save a reference case,
publish, one case of the impact preview, and the comparison of two versions.

Each is called by CriteriaSetAdmin after its permission check, with the set already found
(404 otherwise) and `context_of(request, criteria_set, title)` for the admin's page context.
"""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from audit.access import AccessAction, record_access
from intake import services, tasks
from intake.forms import (
    CompareVersionsForm,
    PublishForm,
    SaveReferenceCaseForm,
    TryItCaseForm,
    TryItFactsForm,
    TryItForm,
)
from intake.forms.criteria_admin import json_text
from intake.models import CriteriaSet, CriteriaSetStatus, Intake
from intake.rules import engine, facts, language, validation

TRY_SOURCES = ("json", "case", "form")


@require_POST
def new_draft(request: HttpRequest) -> HttpResponse:
    try:
        draft = services.new_draft(user=request.user)
    except services.DraftExists as exists:
        messages.warning(request, str(exists))
        draft = exists.draft
    except CriteriaSet.DoesNotExist:
        messages.error(request, "No criteria set is published, so there is nothing to copy.")
        return redirect("admin:intake_criteriaset_changelist")
    else:
        messages.success(
            request,
            f"Version {draft.version} is a new draft, copied from the published set. Change it, "
            "try it, then publish it; nothing changes for patients until it is published.",
        )
    return redirect("admin:intake_criteriaset_change", draft.pk)


# -- try it -----------------------------------------------------------------------------------


def try_it(request: HttpRequest, criteria_set: CriteriaSet, context_of) -> HttpResponse:
    """An intake from a reference case, a past case (facts only), the form or JSON, under the
    set and the published set side by side. Nothing is saved; a past case's facts are read
    from its screening and the reading is logged."""
    forms = _try_forms(criteria_set)
    tried = None
    source = request.POST.get("source", "json") if request.method == "POST" else ""
    if source and source not in TRY_SOURCES:
        messages.error(request, "Choose how to give the intake: nothing was evaluated.")
    elif source:
        forms[source] = _bound_try_form(source, request.POST, criteria_set)
        tried = _read_try_input(request, source, forms[source])
    context = context_of(request, criteria_set, f"Try it: {criteria_set}")
    context.update(_try_context(criteria_set, forms, tried))
    return TemplateResponse(request, "admin/intake/criteriaset/try_it.html", context)


@require_POST
def save_case(request: HttpRequest, criteria_set: CriteriaSet, context_of) -> HttpResponse:
    """A try-it run's intake, facts only, saved as a reference case; the form is shown again
    with its errors when the name is taken or the intake is not valid."""
    form = SaveReferenceCaseForm(request.POST)
    if form.is_valid():
        try:
            case = services.create_reference_case(
                criteria_set=criteria_set,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                intake=form.cleaned_data["intake_json"],
                expected_outcome=form.cleaned_data["expected_outcome"],
                user=request.user,
            )
        except services.ReferenceCaseRefused as refused:
            form.add_error(refused.field, str(refused))
        else:
            messages.success(
                request,
                f"Reference case “{case.name}” saved: every criteria set must now give it "
                f"{engine.OUTCOME_LABELS[case.expected_outcome]}.",
            )
            return redirect("admin:intake_referencecase_change", case.pk)
    forms, tried = _try_forms(criteria_set), None
    if "intake_json" not in form.errors:
        intake = form.cleaned_data["intake_json"]
        tried = (intake, _facts_of(intake), "the intake you tried")
    context = context_of(request, criteria_set, f"Try it: {criteria_set}")
    context.update(_try_context(criteria_set, forms, tried, save_form=form))
    return TemplateResponse(request, "admin/intake/criteriaset/try_it.html", context)


def _try_forms(criteria_set: CriteriaSet) -> dict:
    """The three ways to give an intake; the reference cases offered are the set's own."""
    return {
        "json": TryItForm(criteria_set=criteria_set),
        "case": TryItCaseForm(prefix="case"),
        "form": TryItFactsForm(),
    }


def _bound_try_form(source: str, data, criteria_set: CriteriaSet):
    if source == "case":
        return TryItCaseForm(data, prefix="case")
    if source == "form":
        return TryItFactsForm(data)
    return TryItForm(data, criteria_set=criteria_set)


def _read_try_input(request, source: str, form) -> tuple[dict, dict, str] | None:
    """(the JSON intake, its derived facts, what it is in words), or None when the form has
    errors (added to it)."""
    if not form.is_valid():
        return None
    if source != "case":
        case = form.cleaned_data.get("reference_case")
        what = f"reference case “{case.name}”" if case else "the intake you gave"
        return form.cleaned_data["intake"], form.cleaned_data["facts"], what
    number = form.cleaned_data["case_number"]
    try:
        intake, data = services.past_case_intake(case_number=number)
    except services.NoSuchCase as missing:
        form.add_error("case_number", str(missing))
        return None
    record_access(
        request,
        action=AccessAction.VIEW,
        patient=intake.patient,
        intake=intake,
        detail={"view": "try_it_case"},
    )
    inputs, errors = validation.validate_intake(data)
    if errors:  # stored before a fact was added to the registry, say
        problems = "; ".join(str(error) for error in errors[:3])
        form.add_error("case_number", f"Case #{number}'s stored facts are incomplete: {problems}")
        return None
    return data, facts.derive(inputs), f"case #{number}"


def _facts_of(intake: dict) -> dict:
    inputs, errors = validation.validate_intake(intake)
    return facts.derive(inputs) if not errors else {}


def _try_context(criteria_set, forms: dict, tried, save_form=None) -> dict:
    outcome = None
    if tried is not None:
        intake, intake_facts, what = tried
        outcome = services.try_intake(criteria_set=criteria_set, intake_facts=intake_facts)
        # The intake just tried, ready to be changed and tried again in either box.
        forms["json"] = TryItForm(
            initial={"intake_json": _pretty_json(intake)}, criteria_set=criteria_set
        )
        forms["form"] = TryItFactsForm.from_intake(intake)
        if save_form is None and outcome is not None:
            save_form = SaveReferenceCaseForm(
                initial={
                    "name": f"{outcome.tried.label}: from {what}"[:200],
                    "expected_outcome": outcome.tried.result.outcome,
                    "intake_json": json_text(intake),
                }
            )
        outcome_what = what
    else:
        outcome_what = ""
    return {
        "form": forms["json"],  # the JSON box (and reference case), as before
        "case_form": forms["case"],
        "facts_form": forms["form"],
        "outcome": outcome,
        "outcome_what": outcome_what,
        "save_form": save_form,
        "compile_error": _compile_error(criteria_set),
        "trace_limit": services.TRY_IT_TRACE_LIMIT,
    }


def _compile_error(criteria_set: CriteriaSet) -> str:
    try:
        criteria_set.compiled()
    except (language.ExpressionError, ValueError) as error:
        return str(error)
    return ""


def _pretty_json(data) -> str:
    return json_text(data, indent=2)


# -- publish and the impact preview -----------------------------------------------------------


def publish(request: HttpRequest, draft: CriteriaSet, context_of) -> HttpResponse:
    change_url = reverse("admin:intake_criteriaset_change", args=[draft.pk])
    if not draft.is_editable:
        messages.info(request, f"{draft} is not a draft: only a draft can be published.")
        return redirect(change_url)
    check = services.check_draft(draft=draft)
    # Worked out once a request: it compiles the draft and the published set.
    key = "" if check.expression_errors else services.impact_key(draft=draft)
    form = PublishForm(request.POST or None, needs_confirmation=bool(check.red_flag_warnings))
    refused = None
    if request.method == "POST" and form.is_valid():
        refused = _preview_refusal(request, draft, key)
    if request.method == "POST" and form.is_valid() and refused is None:
        try:
            published = services.publish_criteria_set(
                criteria_set=draft,
                user=request.user,
                note=form.cleaned_data["note"],
                confirm_no_red_flags=form.cleaned_data.get("confirm_no_red_flags", False),
            )
        except services.PublishRefused as refusal:
            refused = refusal
            draft.refresh_from_db()
            check = services.check_draft(draft=draft)
        else:
            messages.success(
                request,
                f"Version {published.version} is published: every new intake is screened "
                "with it. Past screenings keep the version they were made with.",
            )
            return redirect(change_url)
    published = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
    impact_context = _impact_context(request, draft, check, key)
    impact = impact_context["impact"]
    context = context_of(request, draft, f"Publish version {draft.version}")
    context.update(
        check=check,
        form=form,
        refused=refused,
        published=published,
        changes=services.compare_criteria(old=published, new=draft),
        **impact_context,
        impact_limit=services.IMPACT_CASE_LIMIT,
        outcome_labels=engine.OUTCOME_LABELS,
        case_urls=impact_case_urls(draft, impact.changed if impact else ()),
    )
    return TemplateResponse(request, "admin/intake/criteriaset/publish.html", context)


def _impact_context(request, draft: CriteriaSet, check, key: str) -> dict:
    """The impact preview runs as a background job: the one for the draft as it is now (its
    impact_key `key`; started here if there is none), and its result once it has finished."""
    if check.expression_errors:
        return {"impact": None, "impact_job": None, "impact_key": ""}
    job = tasks.impact_preview_job(draft=draft, user=request.user, key=key)
    impact = services.Impact.from_json(job.result) if job.status == "succeeded" else None
    return {"impact": impact, "impact_job": job, "impact_key": job.key}


def _preview_refusal(request, draft: CriteriaSet, key: str):
    """Publishing needs the impact preview of the draft exactly as it is now (its impact_key
    `key`), and the page the editor confirmed must have shown that one."""
    if not key or request.POST.get("impact_key", "") != key:
        return services.PublishRefused(
            [
                "The draft (or the published set) changed after this page showed its impact. "
                "Look at the impact of the draft as it is now, then publish."
            ]
        )
    if tasks.finished_impact(draft=draft, key=key) is None:
        return services.PublishRefused(
            ["The impact preview has not finished yet: wait for it, then publish."]
        )
    return None


def impact_case_urls(draft: CriteriaSet, changed_cases) -> dict[int, str]:
    """The case view of each changed case of an impact preview, by case number (one query)."""
    numbers = [case.case_number for case in changed_cases]
    uuids = Intake.objects.filter(pk__in=numbers).values_list("pk", "uuid")
    return {
        pk: reverse("admin:intake_criteriaset_impact_case", args=[draft.pk, uuid])
        for pk, uuid in uuids
    }


def impact_case(request: HttpRequest, criteria_set: CriteriaSet, intake_uuid, context_of):
    """One past case, read-only and de-identified: its facts (age, intake month, no identity)
    and its explanation under the published set and this set. The reading is logged."""
    try:
        case = services.impact_case(intake_uuid=intake_uuid)
    except services.NoSuchCase:
        raise Http404("No such screened intake.") from None
    record_access(
        request,
        action=AccessAction.VIEW,
        patient=case.intake.patient,
        intake=case.intake,
        detail={"view": "impact_case"},
    )
    context = context_of(request, criteria_set, f"Case #{case.case_number}")
    context.update(
        case=case,
        outcome=services.try_intake(criteria_set=criteria_set, intake_facts=case.facts),
        review=services.signed_reviews([case.case_number]).get(case.case_number),
        trace_limit=services.TRY_IT_TRACE_LIMIT,
    )
    return TemplateResponse(request, "admin/intake/criteriaset/impact_case.html", context)


# -- two versions side by side ----------------------------------------------------------------


def compare(request: HttpRequest, context_of) -> HttpResponse:
    """Any two versions: ?old=<version>&new=<version> (by default the published version and
    the open draft, or the published version and the one before it)."""
    form = CompareVersionsForm(CompareVersionsForm.with_default_old(request.GET) or None)
    old = new = None
    if form.is_bound and form.is_valid():
        old, new = form.cleaned_data["old"], form.cleaned_data["new"]
    elif not form.is_bound:
        old, new = CompareVersionsForm.default_pair()
        form = CompareVersionsForm(initial={"old": old, "new": new})
    context = context_of(request, None, "Compare two versions")
    context.update(
        form=form,
        old=old,
        new=new,
        changes=services.compare_criteria(old=old, new=new) if old and new else None,
    )
    return TemplateResponse(request, "admin/intake/criteriaset/compare.html", context)
