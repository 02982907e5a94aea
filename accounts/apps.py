from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """Sign-in, two-factor authentication and session timeouts."""

    name = "accounts"
    verbose_name = "Accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from accounts import signals  # noqa: F401  (starts the session clock at sign-in)
        from amps_screen import checks  # noqa: F401  (warns about SQLite in production)
