"""Reference cases: named intakes with the outcome a criteria set must give them. Each belongs
to one version: a draft's cases are edited here (a copy of the published set's, made with the
draft); a published or retired set's cases are read-only, kept as that version was tested."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from amps_screen.admin_guards import GuardedChangeListMixin, GuardedHistoryMixin
from intake.admin.history import ReadableHistory
from intake.forms import ReferenceCaseAdminForm
from intake.models import CriteriaSet, CriteriaSetStatus, ReferenceCase


def _editable(case: ReferenceCase | None) -> bool:
    return case is None or case.criteria_set.is_editable


@admin.register(ReferenceCase)
class ReferenceCaseAdmin(GuardedChangeListMixin, GuardedHistoryMixin, SimpleHistoryAdmin):
    form = ReferenceCaseAdminForm
    list_display = (
        "name",
        "version",
        "description",
        "expected_outcome",
        "expected_urgency",
        "active",
    )
    list_filter = ("criteria_set", "expected_outcome", "active")
    list_select_related = ("criteria_set",)
    search_fields = ("name", "description")
    fields = ReferenceCaseAdminForm.Meta.fields  # in this order, the set first even read-only

    class Media:
        css = {"all": ("admin_criteria.css",)}

    @admin.display(description="Version", ordering="criteria_set__version")
    def version(self, obj: ReferenceCase) -> str:
        return f"{obj.criteria_set.version} ({obj.criteria_set.get_status_display().lower()})"

    def get_readonly_fields(self, request, obj=None):
        # A case stays with the version it was made for.
        return ("criteria_set",) if obj is not None else ()

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "criteria_set":
            kwargs["queryset"] = CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT)
            kwargs["help_text"] = (
                "The draft this case tests (only a draft's cases can be added or changed; "
                "start a new draft to add one)."
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return _editable(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _editable(obj) and super().has_delete_permission(request, obj)

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistory(self.model, historical_record)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
