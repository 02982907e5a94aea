"""Take back the jobs whose worker died: queued again once, then failed. Run at worker start
(the Procfile does) or from cron; the progress endpoint does it for the job it is asked about."""

from django.core.management.base import BaseCommand

from jobs.services import recover_stalled_jobs


class Command(BaseCommand):
    help = "Queue again (or mark failed) running jobs whose progress stopped: their worker died."

    def add_arguments(self, parser):
        parser.add_argument(
            "--stall-seconds",
            type=int,
            default=None,
            help="Progress unchanged for this long means the worker died "
            "(default: AMPS_JOB_STALL_SECONDS).",
        )

    def handle(self, *args, stall_seconds=None, **options):
        outcome = recover_stalled_jobs(stall_seconds=stall_seconds)
        self.stdout.write(
            f"{len(outcome['requeued'])} job(s) queued again, {len(outcome['failed'])} failed."
        )
