"""Background jobs on Django's Tasks framework: start a task with a progress record, report
progress from inside it, retry a failed one, and recover one whose worker died.

How to define one (see README, "Background tasks"):

    from jobs.services import JobError, job_task

    @job_task
    def export_cohort(progress, *, profile: str) -> dict:
        rows = ...
        progress.set_total(len(rows))
        for chunk in chunks(rows):
            ...
            progress.advance(len(chunk))          # written at most once a second
        return {"rows": len(rows)}                # JSON, kept on the Job for the page

    job = start_job(task=export_cohort, user=request.user, kind="export",
                    purpose="Cohort export", profile="research")

The worker runs the task; the page shows `jobs/_progress.html` for the job.
"""

import functools
import logging
import time
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.tasks import Task, TaskResultStatus, task
from django.tasks.backends.immediate import ImmediateBackend
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db import DatabaseBackend

from jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)

#: A job is run at most this many times when its worker dies under it; then it fails.
MAX_ATTEMPTS = 2
#: Backends whose tasks live in this database, or run at once.
SAME_DATABASE_BACKENDS = (DatabaseBackend, ImmediateBackend)
#: Progress is written at most this often (seconds): cheap for the task, fresh for the page.
PROGRESS_INTERVAL = 1.0


class JobError(Exception):
    """A failure to tell the user in words (never patient data): "The draft changed while…"."""


class WorkerLost(Exception):
    """The worker running a job stopped (killed or restarted) before the job finished."""


class Progress:
    """Handed to a job's function: `set_total(n)`, then `advance(k)` as work is done. Writes
    the first count at once (the bar starts moving), then the count (and a heartbeat) at most
    once every PROGRESS_INTERVAL seconds."""

    def __init__(self, job: Job, interval: float = PROGRESS_INTERVAL):
        self.job = job
        self.done = 0
        self.total: int | None = None
        self.interval = interval
        self._written = time.monotonic()

    def set_total(self, total: int) -> None:
        self.total = max(0, int(total))
        self._write()

    def advance(self, count: int = 1) -> None:
        first = self.done == 0
        self.done += count
        if first or time.monotonic() - self._written >= self.interval:
            self._write()

    def _write(self) -> None:
        done = min(self.done, self.total) if self.total is not None else self.done
        Job.objects.filter(pk=self.job.pk).update(
            done=done, total=self.total, heartbeat_at=timezone.now()
        )
        self._written = time.monotonic()


def job_task(function: Callable | None = None, **task_options):
    """Make `function(progress, **kwargs) -> JSON-able result` a django.tasks Task that runs
    under a Job: it marks the job running, passes a Progress, stores the result, or the error
    (a JobError's words; otherwise only the exception's class) and re-raises it so the task
    backend records the failure too. Start it with start_job()."""

    def decorate(function: Callable) -> Task:
        @functools.wraps(function)
        def run(job_id: str, **kwargs):
            return _run(function, job_id, kwargs)

        return task(**task_options)(run)

    return decorate(function) if function is not None else decorate


def _run(function: Callable, job_id: str, kwargs: dict):
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
        status=JobStatus.RUNNING,
        started_at=now,
        heartbeat_at=now,
        done=0,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        # Already run (a duplicate delivery) or taken back: nothing to do.
        logger.warning("Job %s is not waiting for a worker; not run again.", job_id)
        return None
    job = Job.objects.get(pk=job_id)
    progress = Progress(job)
    try:
        result = function(progress, **kwargs)
    except Exception as error:
        message = (
            str(error)
            if isinstance(error, JobError)
            else f"It stopped with an unexpected error ({type(error).__name__}); "
            "the worker's log has the details."
        )
        _finish(job, status=JobStatus.FAILED, error=message)
        raise
    _finish(job, status=JobStatus.SUCCEEDED, result=result, done=progress.total)
    return {"job": str(job.pk)}


def _finish(job: Job, *, status: str, result=None, error: str = "", done=None) -> None:
    values = dict(status=status, finished_at=timezone.now(), result=result, error=error)
    if done is not None:
        values["done"] = done
    # Only the attempt that is still running may finish it (not one taken back meanwhile).
    Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(**values)


def start_job(*, task: Task, user, kind: str, purpose: str, key: str = "", **arguments) -> Job:
    """Record a job and queue its task (once the current transaction commits, so a worker
    never sees a task before its job). `purpose` is shown to the user: never put a name, an
    MRN or a date of birth in it. Returns the Job (queued)."""
    job = Job.objects.create(
        kind=kind,
        purpose=purpose,
        key=key,
        task_path=task.module_path,
        arguments=arguments,
        started_by=user if user is not None and user.is_authenticated else None,
    )
    _enqueue_when_visible(job, task)
    job.refresh_from_db()  # an immediate backend has run it already
    return job


def _enqueue_when_visible(job: Job, task: Task) -> None:
    """A backend that keeps its tasks in this database (or runs them at once) is given the
    task now: the task row commits with the job row. One outside it (RQ on Redis) is given it
    once the job row is committed, so a worker never picks up a task before its job."""
    if isinstance(task.get_backend(), SAME_DATABASE_BACKENDS):
        _enqueue(job.pk)
    else:
        transaction.on_commit(functools.partial(_enqueue, job.pk))


def _enqueue(job_id) -> None:
    job = Job.objects.get(pk=job_id)
    job_task_object: Task = import_string(job.task_path)
    result = job_task_object.enqueue(str(job.pk), **job.arguments)
    Job.objects.filter(pk=job.pk).update(task_result_id=str(result.id)[:64])


class NotRetryable(Exception):
    """Only a failed job can be retried."""


@transaction.atomic
def retry_job(*, job: Job) -> Job:
    """Queue a failed job's task again under the same job (its page keeps following it).
    Raises NotRetryable when the job has not failed."""
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.QUEUED,
        done=0,
        error="",
        result=None,
        started_at=None,
        finished_at=None,
        heartbeat_at=None,
        attempts=0,
    )
    if not updated:
        raise NotRetryable("Only a failed job can be started again.")
    job.refresh_from_db()
    _enqueue_when_visible(job, import_string(job.task_path))
    job.refresh_from_db()
    return job


def recover_stalled_jobs(*, stall_seconds: int | None = None, job_ids=None) -> dict:
    """Take back every running job whose progress has not moved for `stall_seconds` (default
    AMPS_JOB_STALL_SECONDS): its worker died. It is queued again while it has attempts left
    (MAX_ATTEMPTS), else marked failed with the reason. Safe to run from several processes
    at once: each job is taken back by one of them. Returns {"requeued": [...], "failed": [...]}.
    """
    stall = settings.AMPS_JOB_STALL_SECONDS if stall_seconds is None else stall_seconds
    cutoff = timezone.now() - timedelta(seconds=stall)
    stalled = Job.objects.filter(status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
    if job_ids is not None:
        stalled = stalled.filter(pk__in=job_ids)
    outcome: dict[str, list] = {"requeued": [], "failed": []}
    for job in stalled:
        _mark_backend_result_failed(job)
        if job.attempts < MAX_ATTEMPTS:
            taken = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=cutoff)
            if taken.update(status=JobStatus.QUEUED, heartbeat_at=None):
                logger.warning("Job %s: its worker stopped; queued again.", job.pk)
                _enqueue(job.pk)
                outcome["requeued"].append(job.pk)
            continue
        failed = Job.objects.filter(
            pk=job.pk, status=JobStatus.RUNNING, heartbeat_at__lt=cutoff
        ).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=(
                f"The worker running it stopped (restarted or killed) {job.attempts} times "
                "before it finished. Start it again once the workers are running."
            ),
        )
        if failed:
            logger.warning("Job %s: its worker stopped again; marked failed.", job.pk)
            outcome["failed"].append(job.pk)
    return outcome


def _mark_backend_result_failed(job: Job) -> None:
    """The database backend leaves a dead worker's task 'running' for ever: say it failed."""
    if not job.task_result_id or settings.AMPS_TASKS_BACKEND != "database":
        return
    from django_tasks_db.models import DBTaskResult

    result = DBTaskResult.objects.filter(
        id=job.task_result_id, status=TaskResultStatus.RUNNING
    ).first()
    if result is not None:
        result.set_failed(WorkerLost("The worker running this task stopped before it finished."))
