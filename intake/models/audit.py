"""The access log: who opened which patient's record."""

from django.conf import settings
from django.db import models

from intake.models.outcomes import AppendOnlyError
from intake.models.patients import Intake, Patient


class AccessAction(models.TextChoices):
    VIEW = "view", "Viewed the intake"
    EDIT = "edit", "Opened the intake to edit"
    REVIEW = "review", "Opened the case to review"
    EXPORT = "export", "Exported"


class AccessEvent(models.Model):
    """Who looked at which patient's record, when, from where. Written once, never changed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="access_events")
    intake = models.ForeignKey(
        Intake, on_delete=models.PROTECT, null=True, blank=True, related_name="access_events"
    )
    action = models.CharField(max_length=10, choices=AccessAction.choices)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["patient", "-created_at"], name="access_patient_idx")]

    def __str__(self) -> str:
        return f"{self.user} {self.action} {self.patient.mrn} at {self.created_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("The access log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("The access log is append-only.")
