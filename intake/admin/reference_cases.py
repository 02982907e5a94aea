"""Reference cases: named intakes with the outcome every criteria set must give them."""

from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from amps_screen.admin_guards import GuardedChangeListMixin, GuardedHistoryMixin
from intake.admin.history import ReadableHistory
from intake.forms import ReferenceCaseAdminForm
from intake.models import ReferenceCase


@admin.register(ReferenceCase)
class ReferenceCaseAdmin(GuardedChangeListMixin, GuardedHistoryMixin, SimpleHistoryAdmin):
    form = ReferenceCaseAdminForm
    list_display = ("name", "description", "expected_outcome", "expected_urgency", "active")
    list_filter = ("expected_outcome", "active")
    search_fields = ("name", "description")  # the fields shown are the form's (Meta.fields)

    class Media:
        css = {"all": ("admin_criteria.css",)}

    def get_historical_record_context_helper(self, request, historical_record):
        return ReadableHistory(self.model, historical_record)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
