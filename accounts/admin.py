"""Admin pages for accounts: issuing enrolment codes (an action on users) and listing them.

A code is shown once, on the page the action answers with; the listing shows who issued
which code when, and whether it was used, never the code or its hash."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.template.response import TemplateResponse
from django.utils import timezone

from accounts.enrolment import issue_enrolment_code
from accounts.models import EnrolmentCode
from accounts.two_factor import confirmed_authenticator

User = get_user_model()


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    list_display = ("user", "created_by", "created_at", "expires_at", "used_at", "status")
    list_filter = ("created_at", "used_at")
    list_select_related = ("user", "created_by")
    fields = ("user", "created_by", "created_at", "expires_at", "used_at")
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # codes are issued from the users' list (or manage.py): shown once there

    def has_change_permission(self, request, obj=None):
        return False


admin.site.unregister(User)


@admin.register(User)
class AccountsUserAdmin(UserAdmin):
    actions = ["issue_enrolment_codes"]

    def has_issue_enrolment_code_permission(self, request) -> bool:
        return request.user.has_perm("accounts.add_enrolmentcode")

    @admin.action(
        permissions=["issue_enrolment_code"],
        description="Issue a two-factor enrolment code (shown once)",
    )
    def issue_enrolment_codes(self, request, queryset):
        issued = []
        for user in queryset.order_by("username"):
            record, code = issue_enrolment_code(user=user, created_by=request.user)
            issued.append(
                {
                    "user": user,
                    "code": code,
                    "expires_at": record.expires_at,
                    "enrolled": confirmed_authenticator(user) is not None,
                }
            )
        messages.info(
            request,
            f"{len(issued)} enrolment code{'s' if len(issued) != 1 else ''} issued at "
            f"{timezone.localtime():%H:%M}. Each is shown on this page only.",
        )
        context = {
            **self.admin_site.each_context(request),
            "title": "Enrolment codes issued",
            "issued": issued,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/enrolment_codes_issued.html", context)
