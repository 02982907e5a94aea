from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import URLValidator

from smart.models import SmartEhr


class Command(BaseCommand):
    help = "Allow an EHR (its FHIR base URL) to launch the app, with our client id there."

    def add_arguments(self, parser):
        parser.add_argument("--iss", required=True, help="the EHR's FHIR base URL")
        parser.add_argument("--client-id", required=True)
        parser.add_argument("--client-secret", default="", help="omit for a public client")
        parser.add_argument("--name", default="")
        parser.add_argument("--mrn-system", default="", help="default: AMPS_MRN_SYSTEM")

    def handle(self, *args, iss, client_id, client_secret, name, mrn_system, **options):
        iss = iss.strip().rstrip("/")
        try:
            URLValidator(schemes=["https", "http"])(iss)
        except ValidationError:
            raise CommandError(f"--iss must be the EHR's FHIR base URL; got {iss!r}.") from None
        ehr, created = SmartEhr.objects.update_or_create(
            iss=iss,
            defaults={
                "client_id": client_id,
                "client_secret": client_secret,
                "name": name,
                "mrn_system": mrn_system,
                "active": True,
            },
        )
        self.stdout.write(f"{'Added' if created else 'Updated'} {ehr.iss} (client {client_id}).")
