"""Demo data for `make run`: one account per role (random passwords, printed once)."""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from intake.roles import CLINIC_STAFF, CRITERIA_EDITOR, RHEUMATOLOGIST

DEMO_ACCOUNTS = (
    # username, role, first name, last name, staff status (admin access)
    ("staff", CLINIC_STAFF, "Sam", "Staff", False),
    ("rheumatologist", RHEUMATOLOGIST, "Rhea", "Matologist", False),
    ("editor", CRITERIA_EDITOR, "Eddie", "Editor", True),
)


class Command(BaseCommand):
    help = "Create the demo accounts (one per role) and synthetic demo patients."

    def add_arguments(self, parser):
        parser.add_argument(
            "--first-run",
            action="store_true",
            help="Do nothing (quietly) when the demo accounts already exist.",
        )
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give the demo accounts new random passwords and print them.",
        )

    def handle(self, *args, first_run=False, reset_passwords=False, **options):
        user_model = get_user_model()
        usernames = [account[0] for account in DEMO_ACCOUNTS]
        existing = user_model.objects.filter(username__in=usernames).exists()
        if existing and not reset_passwords:
            if not first_run:
                self.stdout.write(
                    "Demo data exists already. New passwords: "
                    "python manage.py seed_demo --reset-passwords"
                )
            return
        passwords = self._create_accounts(user_model)
        if not existing:
            self._create_demo_cases()
        self._print_logins(passwords)

    @transaction.atomic
    def _create_accounts(self, user_model) -> dict[str, str]:
        passwords = {}
        for username, role, first_name, last_name, is_staff in DEMO_ACCOUNTS:
            user, _ = user_model.objects.get_or_create(
                username=username,
                defaults={"first_name": first_name, "last_name": last_name, "is_staff": is_staff},
            )
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.save()
            user.groups.add(Group.objects.get(name=role))
            passwords[username] = password
        return passwords

    def _create_demo_cases(self) -> None:
        """Synthetic demo patients arrive with the intake models."""

    def _print_logins(self, passwords: dict[str, str]) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (shown once; write them down):"))
        for username, role, *_ in DEMO_ACCOUNTS:
            self.stdout.write(
                f"  {role:<16} username: {username:<15} password: {passwords[username]}"
            )
        self.stdout.write("")
