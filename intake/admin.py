"""The criteria admin: criteria sets with their criteria, reference cases, and the
draft -> try it -> impact preview -> publish cycle (design.md, "Criteria sets, criteria and
outcomes").

Only criteria editors (and superusers) reach these pages: clinic staff and rheumatologists
have no staff status, and have no criteria permissions if they are given it. Patients,
intakes and screenings are deliberately not registered: an editor sees a past case only as a
case number, a date and its outcomes, in the impact preview.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from amps_screen.admin_guards import GuardedChangeListMixin, GuardedHistoryMixin
from intake import services
from intake.charts import agreement_figures
from intake.forms import CriterionAdminForm, PublishForm, ReferenceCaseAdminForm, TryItForm
from intake.forms.criteria_admin import json_text
from intake.models import CriteriaSet, CriteriaSetStatus, Criterion, ReferenceCase
from intake.rules import engine, facts, language

TYPE_WORDS = {
    facts.BOOL: "yes/no",
    facts.INT: "whole number",
    facts.DECIMAL: "number",
    facts.CHOICE: "one code",
    facts.CODES: "list of codes",
}
EXAMPLE_EXPRESSIONS = (
    ("morning_stiffness_minutes >= 30", "a number compared with a threshold"),
    ('"neck" in pain_sites', "a code in a list of codes"),
    ("4 <= wpi <= 6 and sss >= 9", "a range, joined with and"),
    ('inflammatory_disease in ["active", "in_remission"]', "one of several codes"),
    ("fdi_score is null", "a value that was not recorded (not done)"),
    ("not core_labs_done", "a yes/no fact that is false"),
    ("fever or (limp and age_years < 5)", "or, and parentheses"),
)
CRITERIA_HISTORY_LIMIT = 200

admin.site.site_header = "amps_screen administration"
admin.site.site_title = "amps_screen administration"
admin.site.index_title = "Criteria administration"


def fact_reference() -> list[tuple[str, list[dict]]]:
    """Every fact an expression can read, by section: name, label, type in words, unit, range
    or codes (with their labels), whether it may be null, and its description."""
    sections: dict[str, list[dict]] = {}
    for fact in facts.FACTS.values():
        if fact.type in (facts.CHOICE, facts.CODES):
            labels = facts.CODE_LABELS.get(fact.name, {})
            values = [(code, _code_label(code, labels.get(code, ""))) for code in fact.choices]
            limits = ""
        else:
            values = []
            limits = _range(fact) if fact.type != facts.BOOL else ""
        sections.setdefault(fact.section, []).append(
            {
                "name": fact.name,
                "label": fact.label,
                "type": TYPE_WORDS.get(fact.type, fact.type),
                "unit": fact.unit,
                "range": limits,
                "codes": values,
                "nullable": fact.nullable,
                "derived": fact.derived,
                "description": fact.description if fact.description != fact.label else "",
            }
        )
    return list(sections.items())


def _code_label(code: str, label: str) -> str:
    """A code's label when it says more than the code itself ("in_remission" / "In remission"
    says nothing more; "upper_arm_left" / "Upper arm, left" neither)."""

    def plain(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    return "" if plain(label) == plain(code) else label


def _range(fact: facts.Fact) -> str:
    def number(value) -> str:
        return str(int(value)) if float(value).is_integer() else str(value)

    if fact.minimum is None and fact.maximum is None:
        return ""
    if fact.maximum is None:
        return f"from {number(fact.minimum)}"
    return f"{number(fact.minimum if fact.minimum is not None else 0)} to {number(fact.maximum)}"


class CriterionInline(admin.StackedInline):
    """The criteria of a set; editable only while the set is a draft."""

    model = Criterion
    form = CriterionAdminForm
    extra = 0
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("code", "kind", "urgency", "active", "order"),
                    "name",
                    "expression",
                    "message",
                    "rationale",
                    "source",
                )
            },
        ),
    )

    def has_add_permission(self, request, obj=None):
        return _editable(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)


def _editable(criteria_set: CriteriaSet | None) -> bool:
    """A draft can be changed; a published or retired set never (None: no set in question)."""
    return criteria_set is None or criteria_set.is_editable


@admin.register(CriteriaSet)
class CriteriaSetAdmin(GuardedChangeListMixin, GuardedHistoryMixin, SimpleHistoryAdmin):
    inlines = [CriterionInline]
    # Few columns, so the list fits beside the filter at laptop widths.
    list_display = ("version", "status", "active_criteria", "published_by", "published_at")
    list_filter = ("status",)
    ordering = ("-version",)
    actions = None
    fieldsets = (
        (None, {"fields": (("version", "status"), "notes")}),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": (
                    ("created_by", "created_at"),
                    ("published_by", "published_at"),
                    "publish_note",
                    "content_hash",
                ),
            },
        ),
    )
    readonly_fields = (
        "version",
        "status",
        "content_hash",
        "created_by",
        "created_at",
        "published_by",
        "published_at",
        "publish_note",
    )
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}
    change_form_template = "admin/intake/criteriaset/change_form.html"
    change_list_template = "admin/intake/criteriaset/change_list.html"
    object_history_template = "admin/intake/criteriaset/object_history.html"

    @admin.display(description="Active criteria")
    def active_criteria(self, obj: CriteriaSet) -> int:
        return obj.active_count

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("created_by", "published_by")
            .annotate(active_count=Count("criteria", filter=Q(criteria__active=True)))
        )

    # -- read-only published and retired sets; new sets only through "New draft" --------------

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)

    def revert_disabled(self, request, obj=None):
        # A set's history is for reading: "reverting" a row would not revert its criteria.
        return True

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)

    def save_model(self, request, obj, form, change):
        # Saving only the criteria leaves the set's row (and its history) alone.
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """After the criteria are saved, the draft's content hash follows them."""
        super().save_related(request, form, formsets, change)
        criteria_set = form.instance
        if criteria_set.is_editable:
            content_hash = engine.content_hash(criteria_set.criteria.all())
            if content_hash != criteria_set.content_hash:
                CriteriaSet.objects.filter(pk=criteria_set.pk).update(content_hash=content_hash)
                criteria_set.content_hash = content_hash

    # -- pages ----------------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "new-draft/",
                wrap(self.new_draft_view),
                name="intake_criteriaset_new_draft",
            ),
            path(
                "agreement/",
                wrap(self.agreement_view),
                name="intake_criteriaset_agreement",
            ),
            path(
                "<path:object_id>/try/",
                wrap(self.try_it_view),
                name="intake_criteriaset_try",
            ),
            path(
                "<path:object_id>/publish/",
                wrap(self.publish_view),
                name="intake_criteriaset_publish",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {
            "open_draft": CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).first(),
            "can_new_draft": request.user.has_perm("intake.change_criteriaset"),
            **(extra_context or {}),
        }
        return super().changelist_view(request, extra_context=context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        context = {
            "fact_sections": fact_reference(),
            "example_expressions": EXAMPLE_EXPRESSIONS,
            "open_draft": CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).first(),
            "can_try": request.user.has_perm("intake.change_criteriaset"),
            "can_new_draft": request.user.has_perm("intake.change_criteriaset"),
            "can_publish": request.user.has_perm("intake.publish_criteriaset"),
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def history_view(self, request, object_id, extra_context=None):
        criteria_set = self.get_object(request, object_id)
        context = {
            "criteria_history": criteria_history(criteria_set) if criteria_set else [],
            "criteria_history_limit": CRITERIA_HISTORY_LIMIT,
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=context)

    def new_draft_view(self, request: HttpRequest) -> HttpResponse:
        """POST: copy the published set into a new draft and open it."""
        if not request.user.has_perm("intake.change_criteriaset"):
            raise PermissionDenied
        return _new_draft(request)

    def agreement_view(self, request: HttpRequest) -> HttpResponse:
        """How often reviewers agree with the criteria, read-only: figures, never a patient."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "How often reviewers agree with the criteria",
            **agreement_figures(),
        }
        return TemplateResponse(request, "admin/intake/criteriaset/agreement.html", context)

    def try_it_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Evaluate a pasted JSON intake or a reference case under this set; nothing is saved."""
        if not request.user.has_perm("intake.change_criteriaset"):
            raise PermissionDenied
        criteria_set = self._set_or_404(request, object_id)
        form = TryItForm(request.POST or None)
        outcome = None
        if request.method == "POST" and form.is_valid():
            outcome = _try(criteria_set, form.cleaned_data["facts"])
            # Show the intake that was evaluated, ready to be changed and tried again.
            form = TryItForm(initial={"intake_json": _pretty_json(form.cleaned_data["intake"])})
        context = self._context(request, criteria_set, f"Try it: {criteria_set}")
        context.update(form=form, outcome=outcome, compile_error=_compile_error(criteria_set))
        return TemplateResponse(request, "admin/intake/criteriaset/try_it.html", context)

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The publishing checks, the impact preview and the confirmation; POST publishes."""
        if not request.user.has_perm("intake.publish_criteriaset"):
            raise PermissionDenied
        draft = self._set_or_404(request, object_id)
        change_url = reverse("admin:intake_criteriaset_change", args=[draft.pk])
        if not draft.is_editable:
            messages.info(request, f"{draft} is not a draft: only a draft can be published.")
            return redirect(change_url)
        check = services.check_draft(draft=draft)
        form = PublishForm(request.POST or None, needs_confirmation=bool(check.red_flag_warnings))
        refused = None
        if request.method == "POST" and form.is_valid():
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
        context = self._context(request, draft, f"Publish version {draft.version}")
        context.update(
            check=check,
            form=form,
            refused=refused,
            published=published,
            changes=services.compare_criteria(old=published, new=draft),
            impact=services.preview_impact(draft=draft) if not check.expression_errors else None,
            impact_limit=services.IMPACT_CASE_LIMIT,
            outcome_labels=engine.OUTCOME_LABELS,
        )
        return TemplateResponse(request, "admin/intake/criteriaset/publish.html", context)

    def _set_or_404(self, request, object_id) -> CriteriaSet:
        criteria_set = self.get_object(request, object_id)
        if criteria_set is None:
            raise Http404("No such criteria set.")
        return criteria_set

    def _context(self, request, criteria_set: CriteriaSet, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "original": criteria_set,
            "has_view_permission": self.has_view_permission(request, criteria_set),
        }


@require_POST
def _new_draft(request: HttpRequest) -> HttpResponse:
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


def _compile_error(criteria_set: CriteriaSet) -> str:
    try:
        criteria_set.compiled()
    except (language.ExpressionError, ValueError) as error:
        return str(error)
    return ""


def _pretty_json(data) -> str:
    return json_text(data, indent=2)


def _try(criteria_set: CriteriaSet, intake_facts: dict) -> dict | None:
    """The outcome, matched codes and trace of one intake under a set (None when the set does
    not compile), and the published set's outcome beside it."""
    try:
        compiled = criteria_set.compiled()
    except (language.ExpressionError, ValueError):
        return None
    result = compiled.evaluate(intake_facts, trace=True)
    expressions = {c.code: c.expression.text for c in compiled.criteria}
    entries = [{**entry, "expression": expressions[entry["code"]]} for entry in result.trace]
    published = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
    published_outcome = None
    if published is not None and published.pk != criteria_set.pk:
        published_outcome = published.compiled().evaluate(intake_facts, trace=False).outcome
    return {
        "result": result,
        "label": engine.OUTCOME_LABELS[result.outcome],
        "red_flags": [e for e in entries if e["matched"] and e["kind"] == engine.RED_FLAG],
        "pathways": [e for e in entries if e["matched"] and e["kind"] == engine.AMPS_PATHWAY],
        "caveats": [e for e in entries if e["matched"] and e["kind"] == engine.CAVEAT],
        "unmatched": [e for e in entries if not e["matched"]],
        "published": published,
        "published_outcome": published_outcome,
        "published_label": engine.OUTCOME_LABELS.get(published_outcome, ""),
        "derived": [
            (name, fact.label, intake_facts.get(name)) for name, fact in facts.DERIVED_FACTS.items()
        ],
    }


def criteria_history(criteria_set: CriteriaSet) -> list[dict]:
    """The latest changes to a set's criteria (newest first): when, who, which criterion, and
    for a change each field's old and new value."""
    model = Criterion.history.model
    records = list(
        model.objects.filter(criteria_set_id=criteria_set.pk)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: CRITERIA_HISTORY_LIMIT + 1]
    )
    records = records[:CRITERIA_HISTORY_LIMIT]
    previous_of: dict = {}
    # Earlier records of the same criterion, to diff against (one more query at most).
    ids = {record.id for record in records}
    earlier = (
        model.objects.filter(id__in=ids).order_by("id", "history_date", "history_id").iterator()
    )
    by_id: dict[int, list] = {}
    for record in earlier:
        by_id.setdefault(record.id, []).append(record)
    for chain in by_id.values():
        for before, after in zip(chain, chain[1:], strict=False):
            previous_of[after.history_id] = before
    rows = []
    for record in records:
        previous = previous_of.get(record.history_id)
        changes = []
        if previous is not None and record.history_type == "~":
            delta = record.diff_against(previous, excluded_fields=["criteria_set"])
            helper = HistoricalRecordContextHelper(Criterion, record)
            changes = helper.context_for_delta_changes(delta)
        rows.append(
            {
                "record": record,
                "code": record.code,
                "type": record.get_history_type_display(),
                "changes": changes,
            }
        )
    return rows


@admin.register(ReferenceCase)
class ReferenceCaseAdmin(GuardedChangeListMixin, GuardedHistoryMixin, SimpleHistoryAdmin):
    form = ReferenceCaseAdminForm
    list_display = ("name", "expected_outcome", "expected_urgency", "active")
    list_filter = ("expected_outcome", "active")
    search_fields = ("name",)
    fields = ("name", "expected_outcome", "expected_urgency", "active", "intake", "notes")

    class Media:
        css = {"all": ("admin_criteria.css",)}
