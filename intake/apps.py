from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "intake"
    verbose_name = "Screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from intake import (  # noqa: F401  (sign-in receiver; the auditors' admin pages)
            audit_admin,
            signals,
        )
