"""Start the task worker of the configured backend: django-tasks-db's worker (its own loop, in
jobs.worker.ResilientWorker, which outlives database errors), or RQ's `rqworker`
(AMPS_TASKS_BACKEND=rq). Jobs left by a worker that died are taken back first, and export
files past their download time are deleted; a database that is not there yet is waited for.
Only a signal (Ctrl-C, SIGTERM) stops it."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from jobs.worker import ResilientWorker, retry_database_errors

INTERVAL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Run one task worker for the configured backend (Ctrl-C stops it)."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="The queue to work on.")

    def handle(self, *args, queue_name="default", verbosity=1, **options):
        backend = settings.AMPS_TASKS_BACKEND
        if backend not in ("database", "rq"):
            raise CommandError(
                f"AMPS_TASKS_BACKEND={backend!r} runs tasks inside the request: no worker needed."
            )
        worker = ResilientWorker(
            queue_names=[queue_name],
            interval=INTERVAL_SECONDS,
            batch=False,
            backend_name="default",
            startup_delay=True,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        # The library's handlers: SIGINT/SIGTERM/SIGQUIT stop the worker (between tasks at
        # once, during a task when it ends; a second signal ends the task too).
        worker.configure_signals()
        retry_database_errors(self._tidy_up, is_running=lambda: worker.running)
        if backend == "rq":
            worker.reset_signals()
            call_command("rqworker", queue_name, job_class="django_tasks_rq.Job")
            return
        DbWorkerCommand(stdout=self.stdout, stderr=self.stderr).configure_logging(verbosity)
        worker.run()

    def _tidy_up(self) -> None:
        call_command("recover_jobs", stdout=self.stdout)
        call_command("delete_expired_exports", stdout=self.stdout)
        call_command("delete_expired_imports", stdout=self.stdout)
