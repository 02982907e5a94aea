from django.apps import AppConfig


class SsoConfig(AppConfig):
    """Single sign-on with the hospital's OpenID Connect provider (mozilla-django-oidc)."""

    name = "sso"
    verbose_name = "Single sign-on"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sso import checks  # noqa: F401  (checks AMPS_OIDC_ROLE_MAP names real roles)
