"""One emergency notification per case: to whom, its status, attempts and last error."""

import uuid
from datetime import timedelta

from django.db import models
from django.utils import timezone

from intake.models import Intake, Screening

# An email not gone this long after the alarm is shown as not confirmed.
UNCONFIRMED_AFTER = timedelta(minutes=5)


class NotificationStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENDING = "sending", "Sending"
    RETRYING = "retrying", "Failed, will try again"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    NOT_SENT = "not_sent", "Not sent: no on-call email set"


class EmergencyNotification(models.Model):
    """The email to the on-call team about an emergency referral. One per intake (a
    constraint): re-screening the case, or submitting the same form again, never sends a
    second one. Holds no name, MRN or date of birth (the intake is a reference)."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    intake = models.OneToOneField(
        Intake, on_delete=models.PROTECT, related_name="emergency_notification"
    )
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="+")
    recipient = models.EmailField(blank=True)
    status = models.CharField(
        max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    # The mail server's answer (never patient data: the message holds none).
    last_error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "emergency notification"

    def __str__(self) -> str:
        return f"Case {self.intake_id}: {self.get_status_display()}"

    @property
    def nobody_notified(self) -> bool:
        return self.status == NotificationStatus.NOT_SENT

    @property
    def unconfirmed(self) -> bool:
        """Queued or being sent for longer than an email takes (a worker that died while
        sending leaves it so): the alarm stops saying "being sent"."""
        waiting = self.status in (NotificationStatus.QUEUED, NotificationStatus.SENDING)
        return waiting and timezone.now() - self.created_at > UNCONFIRMED_AFTER
