from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    """Documents that leave the clinic: the referral letter and the family information
    sheets, as print views and PDFs, and the clinic's own details they carry."""

    name = "documents"
    verbose_name = "Documents"
    default_auto_field = "django.db.models.BigAutoField"
