from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from amps_screen.admin_guards import GuardedChangeListMixin, GuardedHistoryMixin
from documents.models import ClinicDetails


@admin.register(ClinicDetails)
class ClinicDetailsAdmin(GuardedChangeListMixin, GuardedHistoryMixin, SimpleHistoryAdmin):
    """One row: added once, never deleted; every change kept in its history."""

    fieldsets = (
        (
            None,
            {"fields": ("clinic_name", "address", "phone", "email", "programme_text", "is_demo")},
        ),
        (
            "On-call team (emergency referrals; never printed)",
            {"fields": ("on_call_phone", "on_call_email")},
        ),
    )
    list_display = ("clinic_name", "phone", "email", "on_call_phone", "updated_at")

    def has_add_permission(self, request):
        return not ClinicDetails.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False
