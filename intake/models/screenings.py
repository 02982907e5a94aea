"""Screenings: what the engine suggested for one submission, frozen."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from audit.models import AppendOnlyError
from intake.models.criteria import CriteriaSet
from intake.models.outcomes import Outcome, Urgency
from intake.rules.explanation import explain


class Screening(models.Model):
    """What the engine suggested for one submission, frozen: never updated."""

    # The bulky snapshot columns, which lists leave in the database (see
    # IntakeQuerySet.without_screening_snapshot).
    SNAPSHOT_FIELDS = ("trace", "facts", "explanation")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    intake = models.ForeignKey("Intake", on_delete=models.PROTECT, related_name="screenings")
    outcome = models.CharField(max_length=14, choices=Outcome.choices)
    # The highest urgency of the matched red flags, frozen like the rest. Blank when no red
    # flag matched, and for referrals screened before red flags carried an urgency (those
    # rows are left as they were made; the queue reads them as routine).
    urgency = models.CharField(max_length=10, choices=Urgency.choices, blank=True, default="")
    red_flags = models.JSONField(default=list)
    pathways = models.JSONField(default=list)
    caveats = models.JSONField(default=list)
    caveat_messages = models.JSONField(default=list)
    trace = models.JSONField(default=list)
    explanation = models.TextField(blank=True)
    facts = models.JSONField(default=dict)
    criteria_set = models.ForeignKey(
        CriteriaSet, on_delete=models.PROTECT, related_name="screenings"
    )
    criteria_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    # Set when the screening is made, so that its intake can be stored pointing at it (and
    # queued by this time) before the screening row itself is inserted.
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["intake", "-created_at"], name="screening_intake_created_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="refer") | Q(urgency=""),
                name="screening_urgency_only_for_refer",
            ),
        ]

    def __str__(self) -> str:
        return f"Screening {self.created_at:%Y-%m-%d %H:%M}: {self.get_outcome_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("A screening is append-only; store a new one instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("A screening is append-only and cannot be deleted.")

    @property
    def urgency_action(self) -> str:
        """What the urgency asks of the clinic ("phone the on-call team now; …"), "" without
        one."""
        return Urgency(self.urgency).action if self.urgency else ""

    @property
    def urgency_text(self) -> str:
        """The tier with its timeframe ("Emergency — now / same day"), "" without one."""
        return Urgency(self.urgency).text if self.urgency else ""

    @property
    def suggestion_text(self) -> str:
        """The suggestion in one phrase: "Refer — Emergency — now / same day"."""
        if self.urgency:
            return f"Refer — {self.urgency_text}"
        return self.get_outcome_display()

    @classmethod
    def of(cls, *, intake, result, facts: dict, criteria_set, criteria_hash: str, user=None):
        """An unsaved screening holding an engine result and the facts it read."""
        return cls(
            intake=intake,
            outcome=result.outcome,
            urgency=result.urgency or "",
            red_flags=result.red_flags,
            pathways=result.pathways,
            caveats=result.caveats,
            caveat_messages=result.caveat_messages,
            trace=result.trace,
            explanation=explain(result),
            facts=facts,
            criteria_set=criteria_set,
            criteria_hash=criteria_hash,
            created_by=user,
        )
