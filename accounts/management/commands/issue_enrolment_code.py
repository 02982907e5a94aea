"""`manage.py issue_enrolment_code USERNAME [--hours 72]`: a one-time code that lets the user
enrol an authenticator app. Printed once; only its hash is kept."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.enrolment import MAX_HOURS, issue_enrolment_code
from accounts.two_factor import confirmed_authenticator


class Command(BaseCommand):
    help = (
        "Issue a one-time enrolment code for USERNAME: with their password, it lets them set "
        "up their authenticator app. The code is shown once; earlier unused codes stop working."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--hours",
            type=int,
            default=None,
            help=f"hours the code stays valid (default AMPS_ENROLMENT_CODE_HOURS, "
            f"{settings.AMPS_ENROLMENT_CODE_HOURS}; at most {MAX_HOURS})",
        )

    def handle(self, *args, username: str, hours: int | None, **options):
        user_model = get_user_model()
        try:
            user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
        except user_model.DoesNotExist:
            raise CommandError(f"No user with the username {username!r}.") from None
        if hours is not None and not 1 <= hours <= MAX_HOURS:
            raise CommandError(f"--hours must be between 1 and {MAX_HOURS}.")
        record, code = issue_enrolment_code(user=user, hours=hours)
        expires = timezone.localtime(record.expires_at).strftime("%d %b %Y %H:%M %Z")
        self.stdout.write(f"Enrolment code for {username}: {code}")
        self.stdout.write(f"Valid once, until {expires}. It is not shown again.")
        if confirmed_authenticator(user):
            self.stderr.write(
                f"Note: {username} has an authenticator already; the code is only needed once "
                "their TOTP device is deleted (admin: TOTP devices)."
            )
