"""API clients (tokens shown once, revocable) and CDS Hooks clients (allow-listed issuers)."""

import json

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.formats import date_format

from audit.admin import ReadOnlyAdmin
from interop.models import ApiClient, CdsCard, CdsClient, CdsFeedback


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("label", "scope", "expires_at", "revoked_at", "last_used_at")
    readonly_fields = ("key_id", "revoked_at", "last_used_at", "created_at")
    actions = ("revoke",)

    def save_model(self, request, obj, form, change):
        token = None if change else obj.new_token()
        super().save_model(request, obj, form, change)
        if token:
            messages.warning(
                request,
                f"The API token of {obj.label} is shown only this once; copy it now: {token}",
            )

    @admin.action(description="Revoke the selected clients' tokens")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at=None).update(revoked_at=timezone.now())
        messages.success(request, f"{count} token(s) revoked.")


class CdsClientForm(forms.ModelForm):
    class Meta:
        model = CdsClient
        fields = ("label", "issuer", "jwks", "jku", "fhir_server", "tenant", "active")

    def clean_jwks(self):
        return clean_jwks(self.cleaned_data["jwks"])


def clean_jwks(jwks) -> dict:
    """A public JWK Set of EC or RSA keys, each with a `kid` (a symmetric or private key is
    refused)."""
    if isinstance(jwks, str):
        try:
            jwks = json.loads(jwks)
        except ValueError:
            raise ValidationError("This is not JSON.", code="invalid") from None
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ValidationError(
            'A JWK Set is {"keys": [ ... ]} with at least one key.', code="invalid"
        )
    for index, key in enumerate(keys, start=1):
        if not isinstance(key, dict) or key.get("kty") not in ("EC", "RSA"):
            raise ValidationError(f"Key {index}: only EC or RSA public keys.", code="key_type")
        if "d" in key:
            raise ValidationError(
                f"Key {index} is a private key: give the EHR's public keys only.", code="private"
            )
        if not isinstance(key.get("kid"), str):
            raise ValidationError(f"Key {index} has no `kid`.", code="kid")
    return jwks


@admin.register(CdsClient)
class CdsClientAdmin(admin.ModelAdmin):
    form = CdsClientForm
    list_display = ("label", "issuer", "tenant", "active", "created_at")
    list_filter = ("active",)


# The cards returned and the feedback on them are a record: read-only, never deleted.
@admin.register(CdsCard)
class CdsCardAdmin(ReadOnlyAdmin):
    list_display = ("uuid", "client", "outcome", "indicator", "criteria_version", "created_at")
    list_filter = ("outcome", "indicator", "criteria_version")


def _moment(value) -> str:
    """A stored time in local time; one that cannot be moved into it (year 1 or 9999, kept
    before such times were refused) is shown as stored, in UTC, instead of failing the page."""
    if value is None:
        return "-"
    try:
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")
    except (OverflowError, ValueError):
        return f"{value.isoformat()} (UTC)"


@admin.register(CdsFeedback)
class CdsFeedbackAdmin(ReadOnlyAdmin):
    list_display = ("card", "outcome", "override_reason", "outcome_time")
    list_filter = ("outcome", "override_reason")
    fields = readonly_fields = (
        "card",
        "outcome",
        "accepted_suggestions",
        "override_reason",
        "override_reason_system",
        "user_comment",
        "outcome_time",
        "received_time",
    )

    @admin.display(description="outcome timestamp", ordering="outcome_timestamp")
    def outcome_time(self, obj) -> str:
        return _moment(obj.outcome_timestamp)

    @admin.display(description="received at", ordering="received_at")
    def received_time(self, obj) -> str:
        return _moment(obj.received_at)
