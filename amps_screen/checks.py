"""System checks about the deployment (registered by accounts.apps; shown by `migrate`, which
the container runs at start-up, by `runserver` and by `check`)."""

from django.conf import settings
from django.core import checks


@checks.register()
def sqlite_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    engine = settings.DATABASES["default"]["ENGINE"]
    if settings.DEBUG or engine != "django.db.backends.sqlite3":
        return []
    return [
        checks.Warning(
            "Production settings (DJANGO_DEBUG off) with the embedded SQLite database.",
            hint=(
                "SQLite serves one writer at a time (others wait up to 20 seconds) and one "
                "machine only. A clinic deployment should set DATABASE_URL to PostgreSQL "
                "(README: PostgreSQL)."
            ),
            id="amps_screen.W001",
        )
    ]


@checks.register()
def base_url_in_production(app_configs, **kwargs) -> list[checks.CheckMessage]:
    if settings.DEBUG or settings.AMPS_BASE_URL:
        return []
    return [
        checks.Warning(
            "Production settings (DJANGO_DEBUG off) without AMPS_BASE_URL.",
            hint=(
                "FHIR canonical URLs, CDS Hooks card links and the CDS service's JWT audience "
                "then follow each request's Host header. Set AMPS_BASE_URL to the public "
                "https address (README: Integrating with an EHR)."
            ),
            id="amps_screen.W002",
        )
    ]


@checks.register(checks.Tags.admin)
def history_admins_are_guarded(app_configs, **kwargs) -> list[checks.CheckMessage]:
    """Every django-simple-history admin reads the ids in its URLs through GuardedHistoryMixin
    (an id that is not a number is a 404, not a 500)."""
    from django.contrib import admin
    from simple_history.admin import SimpleHistoryAdmin

    from amps_screen.admin_guards import GuardedHistoryMixin

    return [
        checks.Error(
            f"{type(model_admin).__name__} is a SimpleHistoryAdmin without GuardedHistoryMixin.",
            hint="Put amps_screen.admin_guards.GuardedHistoryMixin first in its bases.",
            obj=type(model_admin),
            id="amps_screen.E002",
        )
        for model_admin in admin.site._registry.values()
        if isinstance(model_admin, SimpleHistoryAdmin)
        and not isinstance(model_admin, GuardedHistoryMixin)
    ]
