"""Reviews (the signature that locks a case) and addenda."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from intake.models.history import change_history
from intake.models.patients import Intake
from intake.models.screenings import Screening
from intake.rules import review as review_rules


class Decision(models.TextChoices):
    AGREE = review_rules.AGREE, review_rules.DECISION_LABELS[review_rules.AGREE]
    OVERRIDE = review_rules.OVERRIDE, review_rules.DECISION_LABELS[review_rules.OVERRIDE]


_REASONS = review_rules.OVERRIDE_REASON_LABELS


class OverrideReason(models.TextChoices):
    CLINICAL_JUDGEMENT = "clinical_judgement", _REASONS["clinical_judgement"]
    MISSING_INFORMATION = "missing_information", _REASONS["missing_information"]
    CRITERIA_DO_NOT_APPLY = "criteria_do_not_apply", _REASONS["criteria_do_not_apply"]
    DATA_ENTRY_ERROR = "data_entry_error", _REASONS["data_entry_error"]
    OTHER = "other", _REASONS["other"]


_DISPOSITIONS = review_rules.DISPOSITION_LABELS


class Disposition(models.TextChoices):
    AMPS_PROGRAMME = review_rules.AMPS_PROGRAMME, _DISPOSITIONS[review_rules.AMPS_PROGRAMME]
    INFLAMMATORY_WORKUP = (
        review_rules.INFLAMMATORY_WORKUP,
        _DISPOSITIONS[review_rules.INFLAMMATORY_WORKUP],
    )
    OTHER_REFERRAL = review_rules.OTHER_REFERRAL, _DISPOSITIONS[review_rules.OTHER_REFERRAL]
    NO_FURTHER_ACTION = (
        review_rules.NO_FURTHER_ACTION,
        _DISPOSITIONS[review_rules.NO_FURTHER_ACTION],
    )


class Review(models.Model):
    """A rheumatologist's signed decision on a screening. Signing locks the intake."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="reviews")
    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="review")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decision = models.CharField(max_length=10, choices=Decision.choices)
    override_reason = models.CharField(max_length=24, choices=OverrideReason.choices, blank=True)
    comment = models.TextField(blank=True)
    disposition = models.CharField(max_length=24, choices=Disposition.choices)
    note = models.TextField(blank=True)
    signed_at = models.DateTimeField(default=timezone.now)

    history = change_history()

    class Meta:
        ordering = ["-signed_at"]
        permissions = [("sign_review", "Can review and sign screenings")]
        # Made for the agreement figures' windows, which now read counters (AgreementCount):
        # nothing filters reviews by time any more.
        indexes = [models.Index(fields=["signed_at"], name="review_signed_at_idx")]
        constraints = [
            # A case is signed once: a second signature, even a concurrent one, is refused.
            models.UniqueConstraint(fields=["intake"], name="review_one_per_intake"),
            models.CheckConstraint(
                condition=Q(decision="agree") | ~Q(override_reason=""),
                name="review_override_needs_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"Review of {self.intake} ({self.get_decision_display()})"

    @property
    def summary(self) -> str:
        """What was signed, in one line (the review rules' wording)."""
        return review_rules.signature_summary(
            decision=self.decision,
            suggestion=self.screening.outcome,
            disposition=self.disposition,
            override_reason=self.override_reason,
        )


class Addendum(models.Model):
    """A note added to an intake after it was signed; the signed record itself never changes."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="addenda")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=5000)
    created_at = models.DateTimeField(auto_now_add=True)

    history = change_history()

    class Meta:
        ordering = ["created_at"]
        verbose_name_plural = "addenda"

    def __str__(self) -> str:
        return f"Addendum to {self.intake} ({self.created_at:%Y-%m-%d})"


def sign_off(intake: Intake) -> tuple[Review | None, list[Addendum]]:
    """What every page and document of a case shows of its sign-off: the review (with its
    reviewer and screening), None while unsigned, and the addenda, newest first."""
    review = Review.objects.select_related("reviewer", "screening").filter(intake=intake).first()
    addenda = list(intake.addenda.select_related("author").order_by("-created_at", "-pk"))
    return review, addenda
