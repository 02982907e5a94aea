from django.apps import AppConfig


class OncallConfig(AppConfig):
    """The on-call team's alarm: one email per emergency screening, sent in the background,
    with its status kept for editors and the case's page."""

    name = "oncall"
    verbose_name = "On-call notifications"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from oncall import signals  # noqa: F401  (connects the screening signal)
