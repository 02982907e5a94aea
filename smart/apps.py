from django.apps import AppConfig


class SmartConfig(AppConfig):
    """SMART App Launch 2.0, EHR launch: from the chart into the right patient."""

    name = "smart"
    verbose_name = "SMART on FHIR launch"
    default_auto_field = "django.db.models.BigAutoField"
