from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    """The privacy officer's answers: one patient's audit timeline (who viewed the record,
    what changed, before and after) and the access log as a file."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "privacy"
    verbose_name = "privacy audit"
