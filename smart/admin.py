from django.contrib import admin

from smart.models import EhrIdentity, SmartEhr


class EhrIdentityInline(admin.TabularInline):
    model = EhrIdentity
    raw_id_fields = ("user",)
    extra = 0


@admin.register(SmartEhr)
class SmartEhrAdmin(admin.ModelAdmin):
    """The allow-list of EHRs that may launch the app."""

    list_display = ("__str__", "iss", "client_id", "active")
    list_filter = ("active",)
    inlines = [EhrIdentityInline]
    fields = ("name", "iss", "client_id", "client_secret", "mrn_system", "active")


@admin.register(EhrIdentity)
class EhrIdentityAdmin(admin.ModelAdmin):
    list_display = ("user", "fhir_user", "ehr")
    list_filter = ("ehr",)
    search_fields = ("user__username", "fhir_user")
    raw_id_fields = ("user",)
