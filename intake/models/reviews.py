"""Reviews (the signature that locks a case) and addenda."""

import uuid

from django.conf import settings
from django.core.cache import caches
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


class ReviewQuerySet(models.QuerySet):
    def dashboard(self) -> dict:
        """The agreement figures of signed reviews, recomputed only when a review was signed
        since (one small query otherwise)."""
        state = self.aggregate(n=models.Count("pk"), last=models.Max("signed_at"))
        last = state["last"].timestamp() if state["last"] else 0
        key = f"review-dashboard:{state['n']}:{last}"
        figures = caches["derived"].get(key)
        if figures is None:
            figures = {
                "agreement_by_version": self.agreement_by_version(),
                "agreement_by_criterion": self.agreement_by_criterion(),
                "override_reasons": self.override_reasons(),
            }
            caches["derived"].set(key, figures, 24 * 3600)
        return figures

    def agreement_by_version(self) -> list[dict]:
        """Signed reviews per criteria set version: total, agreed, and the agreement rate."""
        rows = (
            self.values("screening__criteria_set__version")
            .annotate(
                total=models.Count("pk"),
                agreed=models.Count("pk", filter=Q(decision=Decision.AGREE)),
            )
            .order_by("screening__criteria_set__version")
        )
        return [
            {
                "version": row["screening__criteria_set__version"],
                "total": row["total"],
                "agreed": row["agreed"],
                "rate": row["agreed"] / row["total"],
            }
            for row in rows
        ]

    def agreement_by_criterion(self) -> list[dict]:
        """Signed reviews per matched red flag or pathway code: its name (as the newest set
        that has the code calls it), total, agreed, rate; by name."""
        from intake.models.criteria import Criterion  # criteria imports nothing of reviews

        names = dict(
            Criterion.objects.order_by("criteria_set__version").values_list("code", "name")
        )
        totals: dict[str, list[int]] = {}
        for decision, red_flags, pathways in self.values_list(
            "decision", "screening__red_flags", "screening__pathways"
        ):
            for code in [*red_flags, *pathways]:
                counts = totals.setdefault(code, [0, 0])
                counts[0] += 1
                counts[1] += decision == Decision.AGREE
        rows = [
            {
                "code": code,
                "name": names.get(code, code),
                "total": total,
                "agreed": agreed,
                "rate": agreed / total,
            }
            for code, (total, agreed) in totals.items()
        ]
        return sorted(rows, key=lambda row: (row["name"].lower(), row["code"]))

    def override_reasons(self) -> list[dict]:
        labels = dict(OverrideReason.choices)
        rows = (
            self.filter(decision=Decision.OVERRIDE)
            .values("override_reason")
            .annotate(count=models.Count("pk"))
            .order_by("-count", "override_reason")
        )
        return [
            {"reason": labels.get(r["override_reason"], r["override_reason"]), "count": r["count"]}
            for r in rows
        ]


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
    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["-signed_at"]
        permissions = [("sign_review", "Can review and sign screenings")]
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
