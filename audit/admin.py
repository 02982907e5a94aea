"""The auditors' admin pages: the access log and the change history of patient records.

Read-only for everyone: the access log is append-only and history is history. Only users
holding the view permissions (the Auditor role, or superusers) see these pages; criteria
editors have staff status but not these permissions, so patient data stays out of their view.
"""

from django.contrib import admin

from amps_screen.admin_guards import GuardedChangeListMixin
from audit.models import AccessEvent
from intake.models import Addendum, Intake, Patient, Review


class ReadOnlyAdmin(GuardedChangeListMixin, admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "who", "action", "patient_mrn", "intake", "ip_address")
    list_filter = ("action", "user", "created_at")
    date_hierarchy = "created_at"
    search_fields = ("patient__mrn", "patient__family_name", "user__username")
    list_select_related = ("user", "patient", "intake")

    @admin.display(description="Who", ordering="user__username")
    def who(self, event):
        return event.user or f"API client: {event.client}"

    @admin.display(description="MRN", ordering="patient__mrn")
    def patient_mrn(self, event):
        return event.patient.mrn if event.patient_id else "—"


class HistoryAdmin(ReadOnlyAdmin):
    """Who changed a record, when, and how (+ created, ~ changed, - deleted)."""

    list_display = ("history_date", "history_user", "history_type", "record", "changed_fields")
    list_filter = ("history_type", "history_user", "history_date")
    date_hierarchy = "history_date"
    list_select_related = ("history_user",)

    @admin.display(description="Record")
    def record(self, entry):
        return str(entry)

    @admin.display(description="Changed")
    def changed_fields(self, entry):
        previous = entry.prev_record
        if previous is None:
            return "(created)"
        changes = entry.diff_against(previous).changes
        return ", ".join(change.field for change in changes) or "(no field changed)"


@admin.register(Patient.history.model)
class PatientHistoryAdmin(HistoryAdmin):
    search_fields = ("mrn", "family_name")


@admin.register(Intake.history.model)
class IntakeHistoryAdmin(HistoryAdmin):
    search_fields = ("patient__mrn", "patient__family_name")
    list_select_related = ("history_user", "patient")


@admin.register(Review.history.model)
class ReviewHistoryAdmin(HistoryAdmin):
    search_fields = ("intake__patient__mrn",)
    list_select_related = ("history_user", "intake__patient", "reviewer")


@admin.register(Addendum.history.model)
class AddendumHistoryAdmin(HistoryAdmin):
    search_fields = ("intake__patient__mrn",)
    list_select_related = ("history_user", "intake__patient", "author")
