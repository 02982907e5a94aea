"""One progress record per background task: what it is for, who started it, how far it got,
and its result or error, readable by any app server's pages (the task backend's own record
says only queued / running / done)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for a worker"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Finished"
    FAILED = "failed", "Failed"


class Job(models.Model):
    """A task started from a page or a command. `key` names what it works on (e.g. a draft
    and its content hash), so a page finds the job that matches what it shows."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(max_length=60, help_text="What the task does, e.g. impact_preview.")
    purpose = models.CharField(max_length=200, help_text="What it is for, in words.")
    key = models.CharField(max_length=200, blank=True, db_index=True)
    task_path = models.CharField(max_length=200)
    arguments = models.JSONField(default=dict, blank=True)
    task_result_id = models.CharField(max_length=64, blank=True)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveBigIntegerField(default=0)
    total = models.PositiveBigIntegerField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [("view_every_job", "Can follow every background job")]
        indexes = [models.Index(fields=["status", "heartbeat_at"], name="job_status_heartbeat")]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(done__lte=F("total")),
                name="job_done_within_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.get_status_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)

    @property
    def percent(self) -> int | None:
        if self.status == JobStatus.SUCCEEDED:
            return 100
        if not self.total:
            return None
        return min(100, int(100 * self.done / self.total))

    def elapsed_seconds(self, now=None) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at or now or timezone.now()
        return max(0.0, (end - self.started_at).total_seconds())

    def remaining_seconds(self, now=None) -> float | None:
        """The time left at the rate so far (None until some work is done)."""
        elapsed = self.elapsed_seconds(now)
        if self.is_finished or not elapsed or not self.total or not self.done:
            return None
        return elapsed * (self.total - self.done) / self.done

    def progress_text(self, now=None) -> str:
        """The progress in words, as the page draws it and its script (jobs/progress.js)
        updates it: "Running: 1,200 of 5,000 (24%), 12 s so far, about 40 s left." """
        words = self.get_status_display()
        if self.total:
            words += f": {self.done:,} of {self.total:,}"
            if self.percent is not None:
                words += f" ({self.percent}%)"
        elapsed = self.elapsed_seconds(now)
        if elapsed is not None:
            words += f", {_duration(elapsed)} so far"
        remaining = self.remaining_seconds(now)
        if remaining is not None:
            words += f", about {_duration(remaining)} left"
        return words + "."

    def may_follow(self, user) -> bool:
        return user.is_authenticated and (
            user.pk == self.started_by_id or user.has_perm("jobs.view_every_job")
        )


def _duration(seconds: float) -> str:
    return f"{round(seconds)} s" if seconds < 90 else f"{round(seconds / 60)} min"
