"""Allow an EHR to call the CDS Hooks service: its JWT issuer and public JWK Set."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from interop.admin import clean_jwks
from interop.cds.fetching import UnsafeServer, check_server
from interop.models import CdsClient

MAX_JWKS_BYTES = 100_000


class Command(BaseCommand):
    help = "Allow an EHR to call the CDS Hooks service (add or update its issuer and keys)."

    def add_arguments(self, parser):
        parser.add_argument("--iss", required=True, help="The JWT issuer (iss), exactly.")
        parser.add_argument("--jwks-file", required=True, help="The EHR's public JWK Set (JSON).")
        parser.add_argument("--tenant", default="", help="Require this JWT `tenant`.")
        parser.add_argument("--label", default="", help="Name in the access log (default: iss).")
        parser.add_argument("--jku", default="", help="The only `jku` the JWT may name.")
        parser.add_argument(
            "--fhir-server",
            default="",
            help="The EHR's FHIR base URL (https) the service may read when a prefetch is missing.",
        )

    def handle(self, *args, iss, jwks_file, tenant, label, jku, fhir_server, **options):
        path = Path(jwks_file)
        if not path.is_file() or path.stat().st_size > MAX_JWKS_BYTES:
            raise CommandError(f"{jwks_file}: not a readable JWK Set file (at most 100 kB).")
        try:
            jwks = clean_jwks(json.loads(path.read_text(encoding="utf-8")))
        except ValueError as error:
            raise CommandError(f"{jwks_file}: not JSON ({error}).") from None
        except ValidationError as error:
            raise CommandError(f"{jwks_file}: {' '.join(error.messages)}") from None
        if len(iss) > 300 or not iss.strip():
            raise CommandError("--iss must be 1-300 characters.")
        fhir_server = fhir_server.strip().rstrip("/")
        if fhir_server:
            try:
                check_server(fhir_server)
            except UnsafeServer as error:
                raise CommandError(f"--fhir-server: {error}") from None
        client, created = CdsClient.objects.update_or_create(
            issuer=iss,
            defaults={
                "jwks": jwks,
                "tenant": tenant,
                "label": label or iss[:100],
                "jku": jku,
                "fhir_server": fhir_server,
                "active": True,
            },
        )
        verb = "Added" if created else "Updated"
        self.stdout.write(f"{verb} CDS client {client.label} ({len(jwks['keys'])} key(s)).")
