from django.apps import AppConfig


class AuditConfig(AppConfig):
    """The access log and the auditors' read-only admin pages."""

    name = "audit"
    verbose_name = "Audit"
    default_auto_field = "django.db.models.BigAutoField"
