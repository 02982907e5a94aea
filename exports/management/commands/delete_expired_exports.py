"""Delete the background export files whose download time (AMPS_EXPORT_FILE_HOURS) is over:
they hold patient data. The task worker runs this as it starts and every export as it begins;
run it from cron as well on a site that exports rarely."""

from django.core.management.base import BaseCommand

from exports.tasks import delete_expired_files


class Command(BaseCommand):
    help = "Delete export files older than AMPS_EXPORT_FILE_HOURS."

    def handle(self, *args, **options):
        deleted = delete_expired_files()
        self.stdout.write(f"Deleted {deleted} expired export file{'s' if deleted != 1 else ''}.")
