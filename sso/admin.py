from django.contrib import admin

from sso.models import SignOnIdentity


@admin.register(SignOnIdentity)
class SignOnIdentityAdmin(admin.ModelAdmin):
    """Which provider account is which user: an administrator may point an identity at an
    existing local user (before that user's first single sign-on) or remove it."""

    list_display = ("user", "subject", "issuer", "last_sign_in")
    search_fields = ("user__username", "subject")
    raw_id_fields = ("user",)
    readonly_fields = ("created_at", "last_sign_in")
