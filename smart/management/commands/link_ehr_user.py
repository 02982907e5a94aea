from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from smart.models import EhrIdentity, SmartEhr


class Command(BaseCommand):
    help = "Link a user to their EHR identity (the id_token's fhirUser) at an allowed EHR."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--iss", required=True, help="the EHR's FHIR base URL")
        parser.add_argument("--fhir-user", required=True, help="e.g. Practitioner/123")

    def handle(self, *args, username, iss, fhir_user, **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        ehr = SmartEhr.objects.filter(iss=iss.strip().rstrip("/")).first()
        if ehr is None:
            raise CommandError(f"{iss} is not an allowed EHR: add it with add_smart_ehr first.")
        fhir_user = fhir_user.strip()
        if "/" not in fhir_user:
            raise CommandError("--fhir-user is a resource reference such as Practitioner/123.")
        identity, _ = EhrIdentity.objects.update_or_create(
            ehr=ehr, fhir_user=fhir_user, defaults={"user": user}
        )
        self.stdout.write(f"{fhir_user} at {ehr.iss} is now {user.username}.")
