"""Enrolment codes: what a user needs, beside their password, to enrol an authenticator."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class EnrolmentCodeQuerySet(models.QuerySet):
    def usable(self):
        return self.filter(used_at__isnull=True, expires_at__gt=timezone.now())


class EnrolmentCode(models.Model):
    """A one-time code an administrator issues so that a user can enrol an authenticator app
    (at first sign-in, or after their device was deleted). Only a hash of the code is kept
    (Django's password hashers); it expires and works once. Issuing a new code for a user
    ends their earlier unused ones (their `expires_at` becomes the time of the new one)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolment_codes"
    )
    code_hash = models.CharField(max_length=128)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when issued with manage.py issue_enrolment_code or seed_demo.",
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    objects = EnrolmentCodeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "used_at"], name="enrolment_code_user_idx")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gte=models.F("created_at")),
                name="enrolment_code_expires_after_creation",
            )
        ]

    def __str__(self) -> str:
        return f"Enrolment code for {self.user} ({self.status})"

    @property
    def status(self) -> str:
        if self.used_at:
            return "used"
        if self.expires_at <= timezone.now():
            return "expired"
        return "usable"
