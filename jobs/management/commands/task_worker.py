"""Start the task worker of the configured backend: the database backend's `db_worker`, or
RQ's `rqworker` (AMPS_TASKS_BACKEND=rq). Jobs left by a worker that died are taken back first,
and export files past their download time are deleted.
The worker itself is the backend's own; this only chooses it."""

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Run one task worker for the configured backend (Ctrl-C stops it)."

    def add_arguments(self, parser):
        parser.add_argument("--queue-name", default="default", help="The queue to work on.")

    def handle(self, *args, queue_name="default", **options):
        call_command("recover_jobs")
        call_command("delete_expired_exports")
        backend = settings.AMPS_TASKS_BACKEND
        if backend == "database":
            call_command("db_worker", queue_name=queue_name, interval=0.5, reload=False)
        elif backend == "rq":
            call_command("rqworker", queue_name, job_class="django_tasks_rq.Job")
        else:
            raise CommandError(
                f"AMPS_TASKS_BACKEND={backend!r} runs tasks inside the request: no worker needed."
            )
