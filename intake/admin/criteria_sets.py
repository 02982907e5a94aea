"""Criteria sets: their criteria as a table, and the draft -> try it -> impact preview ->
publish cycle, the comparison of two versions and the history (design.md, "Criteria sets,
criteria and outcomes").

Only criteria editors (and superusers) reach these pages: clinic staff and rheumatologists
have no staff status, and have no criteria permissions if they are given it. Patients,
intakes and screenings are deliberately not registered: an editor sees a past case only by
its case number, as facts (age and intake month, never a name, MRN or date of birth).
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from simple_history.admin import SimpleHistoryAdmin

from amps_screen.admin_guards import GuardedChangeListMixin, GuardedHistoryMixin
from intake import services
from intake.admin import pages
from intake.admin.criteria_table import criteria_table
from intake.admin.history import CRITERIA_HISTORY_LIMIT, ReadableHistory, criteria_history
from intake.admin.reference import EXAMPLE_EXPRESSIONS, fact_reference
from intake.agreement import AgreementWindowForm, agreement_figures
from intake.forms import CriterionAdminForm
from intake.models import CriteriaSet, CriteriaSetStatus, Criterion
from intake.rules import engine

#: The columns of a criterion's row, then what its details hold.
CRITERION_FIELDS = (
    "order",
    "kind",
    "code",
    "name",
    "expression",
    "urgency",
    "active",
    "message",
    "rationale",
    "source",
)


class CriterionInline(admin.TabularInline):
    """The criteria of a set as one compact table (criteria_table.py); editable only while
    the set is a draft. One empty row adds a criterion."""

    model = Criterion
    form = CriterionAdminForm
    extra = 1
    template = "admin/intake/criteriaset/criteria_table.html"
    fields = CRITERION_FIELDS

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
    list_display = (
        "version",
        "status",
        "active_criteria",
        "published_by",
        "published_at",
        "shown_publish_note",
    )
    list_filter = ("status",)
    empty_value_display = "—"
    ordering = ("-version",)
    actions = None
    # A draft shows its draft notes (editable); a published or retired set shows its publish
    # note, in the open, with the notes its draft had kept in the collapsed record.
    draft_fieldsets = (
        (None, {"fields": (("version", "status"), "notes")}),
        (
            "Record",
            {"classes": ("collapse",), "fields": (("created_by", "created_at"), "content_hash")},
        ),
    )
    published_fieldsets = (
        (
            None,
            {"fields": (("version", "status"), "publish_note", ("published_by", "published_at"))},
        ),
        (
            "Record",
            {
                "classes": ("collapse",),
                "fields": (("created_by", "created_at"), "draft_notes", "content_hash"),
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
        "draft_notes",
    )
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}
    change_form_template = "admin/intake/criteriaset/change_form.html"
    change_list_template = "admin/intake/criteriaset/change_list.html"
    object_history_template = "admin/intake/criteriaset/object_history.html"
    history_list_display = ()

    @admin.display(description="Active criteria")
    def active_criteria(self, obj: CriteriaSet) -> int:
        return obj.active_count

    @admin.display(description="Publish note")
    def shown_publish_note(self, obj: CriteriaSet) -> str:
        return obj.publish_note

    @admin.display(description="Draft notes")
    def draft_notes(self, obj: CriteriaSet) -> str:
        return obj.notes

    def get_fieldsets(self, request, obj=None):
        return self.draft_fieldsets if _editable(obj) else self.published_fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("labels", {"notes": "Draft notes"})
        return super().get_form(request, obj, change, **kwargs)

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

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistory(self.model, historical_record)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        for inline_admin_formset in context.get("inline_admin_formsets", ()):
            if inline_admin_formset.opts.model is Criterion:
                table = criteria_table(inline_admin_formset)
                inline_admin_formset.criteria_table = context["criteria_table"] = table
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # Saving only the criteria leaves the set's row (and its history) alone.
        if change and not form.has_changed():
            return
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        """After the criteria are saved, the draft's content hash follows them, and a warning
        names each criterion whose wording quotes a number its expression no longer uses."""
        super().save_related(request, form, formsets, change)
        criteria_set = form.instance
        if criteria_set.is_editable:
            for warning in services.wording_warnings(criteria=criteria_set.criteria.all()):
                messages.warning(request, warning)
            content_hash = engine.content_hash(criteria_set.criteria.all())
            if content_hash != criteria_set.content_hash:
                CriteriaSet.objects.filter(pk=criteria_set.pk).update(content_hash=content_hash)
                criteria_set.content_hash = content_hash

    # -- pages ----------------------------------------------------------------------------------

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path("new-draft/", wrap(self.new_draft_view), name="intake_criteriaset_new_draft"),
            path("compare/", wrap(self.compare_view), name="intake_criteriaset_compare"),
            path("agreement/", wrap(self.agreement_view), name="intake_criteriaset_agreement"),
            path("<path:object_id>/try/", wrap(self.try_it_view), name="intake_criteriaset_try"),
            path(
                "<path:object_id>/try/save-case/",
                wrap(self.save_case_view),
                name="intake_criteriaset_save_case",
            ),
            path(
                "<path:object_id>/publish/",
                wrap(self.publish_view),
                name="intake_criteriaset_publish",
            ),
            path(
                "<path:object_id>/impact/<uuid:intake_uuid>/",
                wrap(self.impact_case_view),
                name="intake_criteriaset_impact_case",
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
            "kind_labels": engine.KIND_LABELS,
            # The table needs the page's whole width; the admin's own menu is a click away.
            "is_nav_sidebar_enabled": False,
            **(extra_context or {}),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    def history_view(self, request, object_id, extra_context=None):
        criteria_set = self.get_object(request, object_id)
        context = {
            "criteria_history": criteria_history(criteria_set) if criteria_set else [],
            "criteria_history_limit": CRITERIA_HISTORY_LIMIT,
            "other_versions": CriteriaSet.objects.exclude(pk=getattr(criteria_set, "pk", None))
            .order_by("-version")
            .values_list("version", flat=True),
            **(extra_context or {}),
        }
        return super().history_view(request, object_id, extra_context=context)

    # -- pages of our own (intake/admin/pages.py): each checks its permission first ----------

    def new_draft_view(self, request: HttpRequest) -> HttpResponse:
        """POST: copy the published set into a new draft and open it."""
        _require(request, "intake.change_criteriaset")
        return pages.new_draft(request)

    def try_it_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Evaluate an intake under this set and the published one; nothing is saved."""
        _require(request, "intake.change_criteriaset")
        return pages.try_it(request, self._set_or_404(request, object_id), self._context)

    def save_case_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """POST: save a try-it run's intake (facts only) as a reference case."""
        _require(request, "intake.add_referencecase")
        return pages.save_case(request, self._set_or_404(request, object_id), self._context)

    def publish_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The publishing checks, the impact preview and the confirmation; POST publishes."""
        _require(request, "intake.publish_criteriaset")
        return pages.publish(request, self._set_or_404(request, object_id), self._context)

    def impact_case_view(self, request: HttpRequest, object_id: str, intake_uuid) -> HttpResponse:
        """One past case of the impact preview, de-identified, under both sets (logged)."""
        _require(request, "intake.publish_criteriaset")
        criteria_set = self._set_or_404(request, object_id)
        return pages.impact_case(request, criteria_set, intake_uuid, self._context)

    def compare_view(self, request: HttpRequest) -> HttpResponse:
        """The criteria added, removed and changed between any two versions."""
        _require(request, "intake.view_criteriaset")
        return pages.compare(request, self._context)

    def agreement_view(self, request: HttpRequest) -> HttpResponse:
        """How often reviewers agree with the criteria, read-only: figures, never a patient."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        window = AgreementWindowForm(request.GET or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": "How often reviewers agree with the criteria",
            "window": window,
            **agreement_figures(window.months()),
        }
        return TemplateResponse(request, "admin/intake/criteriaset/agreement.html", context)

    def _set_or_404(self, request, object_id) -> CriteriaSet:
        criteria_set = self.get_object(request, object_id)
        if criteria_set is None:
            raise Http404("No such criteria set.")
        return criteria_set

    def _context(self, request, criteria_set: CriteriaSet | None, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "original": criteria_set,
            "has_view_permission": self.has_view_permission(request, criteria_set),
            "is_nav_sidebar_enabled": False,
        }


def _require(request: HttpRequest, permission: str) -> None:
    if not request.user.has_perm(permission):
        raise PermissionDenied
