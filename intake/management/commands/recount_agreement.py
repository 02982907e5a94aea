"""Rebuild the agreement figures' counters from the signed reviews."""

from django.core.management.base import BaseCommand

from intake.models import AgreementCount, Review, recount_agreement


class Command(BaseCommand):
    help = (
        "Rebuild the agreement counters (the figures of /review/agreement/) from every signed "
        "review, in one transaction; signatures meanwhile wait for it and are counted. Run it "
        "after reviews were made or changed outside the app's review service."
    )

    def handle(self, *args, **options):
        reviews, rows = recount_agreement(Review, AgreementCount)
        self.stdout.write(f"Counted {reviews} signed reviews into {rows} counters.")
