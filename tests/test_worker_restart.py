"""Tasks survive a worker restart: a real worker process (`manage.py task_worker`, the
database backend) is killed with SIGKILL in the middle of a task; the task is run again by
the next worker, and after a second death it is marked failed with the reason. PostgreSQL
only: the worker is another process on the test database."""

import signal
import time

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from jobs import services as job_services
from jobs.models import Job, JobStatus
from tests import job_tasks
from tests.servers import start_worker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="a worker process needs the test database on PostgreSQL (DATABASE_URL)",
    ),
]
STALL = 2  # seconds without progress that mean the worker died


@pytest.fixture
def database_tasks(settings, transactional_db):
    settings.AMPS_TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.AMPS_JOB_STALL_SECONDS = STALL


def wait_for(condition, timeout: float = 60, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def job_state(job: Job) -> Job:
    job.refresh_from_db()
    return job


def kill_mid_task(tmp_path, job: Job, name: str) -> None:
    worker = start_worker(tmp_path, name, AMPS_JOB_STALL_SECONDS=str(STALL))
    try:
        wait_for(
            lambda: job_state(job).status == JobStatus.RUNNING and job.done >= 3,
            what=f"the task to make progress\n{worker.output()}",
        )
    finally:
        worker.kill(signal.SIGKILL)
    assert job_state(job).status == JobStatus.RUNNING  # the dead worker left it 'running'
    time.sleep(STALL + 1)


def test_a_task_whose_worker_is_killed_runs_again_on_the_next_worker(tmp_path, database_tasks):
    job = job_services.start_job(
        task=job_tasks.count_slowly, user=None, kind="test", purpose="Counting", total=40, delay=0.1
    )
    first_task = job.task_result_id
    kill_mid_task(tmp_path, job, "worker-1")

    worker = start_worker(tmp_path, "worker-2", AMPS_JOB_STALL_SECONDS=str(STALL))
    try:
        wait_for(
            lambda: job_state(job).status == JobStatus.SUCCEEDED,
            what=f"the task to finish on the second worker\n{worker.output()}",
        )
    finally:
        worker.kill(signal.SIGTERM)
    assert job.attempts == 2
    assert job.result == {"counted": 40}
    assert job.task_result_id != first_task
    # The backend's record of the attempt that died says so, instead of 'running' for ever.
    assert DBTaskResult.objects.get(id=first_task).status == "FAILED"


def test_a_task_whose_worker_dies_twice_is_marked_failed(tmp_path, database_tasks):
    job = job_services.start_job(
        task=job_tasks.count_slowly, user=None, kind="test", purpose="Counting", total=40, delay=0.1
    )
    kill_mid_task(tmp_path, job, "worker-1")
    assert job_services.recover_stalled_jobs()["requeued"] == [job.pk]
    kill_mid_task(tmp_path, job, "worker-2")

    assert job_services.recover_stalled_jobs()["failed"] == [job.pk]
    job = job_state(job)
    assert job.status == JobStatus.FAILED
    assert "stopped (restarted or killed) 2 times" in job.error
