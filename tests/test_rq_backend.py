"""AMPS_TASKS_BACKEND=rq: the same jobs run through RQ on Redis (django-tasks-rq) with an RQ
worker process. Needs PostgreSQL (the worker is another process) and a `redis-server` binary
(started here on a free port); skipped otherwise."""

import shutil
import signal
import subprocess
import time

import pytest
from django.db import connection

from jobs import services as job_services
from jobs.models import JobStatus
from tests import job_tasks
from tests.servers import free_port, start_worker

REDIS_SERVER = shutil.which("redis-server")
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL"),
    pytest.mark.skipif(REDIS_SERVER is None, reason="needs redis-server (apt-get install redis)"),
]


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    server = subprocess.Popen(  # noqa: S603
        [REDIS_SERVER, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    time.sleep(0.5)
    yield f"redis://127.0.0.1:{port}/0"
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=10)


def test_a_job_runs_on_an_rq_worker(settings, transactional_db, tmp_path, redis_url):
    settings.AMPS_TASKS_BACKEND = "rq"
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS, "django_rq", "django_tasks_rq"]
    settings.RQ_QUEUES = {"default": {"URL": redis_url}}
    settings.TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    worker = start_worker(tmp_path, "rq-worker", AMPS_TASKS_BACKEND="rq", REDIS_URL=redis_url)
    try:
        job = job_services.start_job(
            task=job_tasks.count_slowly, user=None, kind="test", purpose="Counting", total=5
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.3)
        assert job.status == JobStatus.SUCCEEDED, worker.output()
        assert job.result == {"counted": 5}
    finally:
        worker.kill(signal.SIGTERM)
