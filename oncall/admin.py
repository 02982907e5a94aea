from django.contrib import admin, messages

from oncall import services
from oncall.models import EmergencyNotification


@admin.register(EmergencyNotification)
class EmergencyNotificationAdmin(admin.ModelAdmin):
    """Editors see whether each emergency reached the on-call team, and send a failed one
    again. Nothing here is typed by hand: rows come from screenings."""

    list_display = ("case", "status", "recipient", "attempts", "created_at", "sent_at")
    list_filter = ("status",)
    readonly_fields = (
        "case",
        "screening",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "sent_at",
    )
    fields = readonly_fields
    actions = ("send_again",)

    @admin.display(description="case", ordering="intake_id")
    def case(self, obj) -> str:
        return f"Case {obj.intake_id}"

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description="Send the selected notifications again", permissions=["change"])
    def send_again(self, request, queryset):
        queued = sum(services.send_again(notification) for notification in queryset)
        self.message_user(
            request,
            f"{queued} notification(s) queued again; sent ones and ones without an on-call "
            "email are left as they are.",
            messages.SUCCESS if queued else messages.WARNING,
        )
