"""Delete the uploaded REDCap files and their error lists whose time (AMPS_EXPORT_FILE_HOURS)
is over: they hold patient data. The task worker runs this as it starts (beside
delete_expired_exports); run it from cron as well on a site that imports rarely."""

from django.core.management.base import BaseCommand

from imports.tasks import delete_expired_uploads


class Command(BaseCommand):
    help = "Delete REDCap uploads and error lists older than AMPS_EXPORT_FILE_HOURS."

    def handle(self, *args, **options):
        deleted = delete_expired_uploads()
        self.stdout.write(f"Deleted {deleted} expired upload{'s' if deleted != 1 else ''}.")
