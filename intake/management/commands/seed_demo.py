"""Demo data: one account per role (random passwords, printed once) and synthetic cases."""

import json
import secrets
from datetime import datetime, time
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from intake.demo import model_values, synthetic_intakes
from intake.models import (
    CriteriaSet,
    Intake,
    IntakeStatus,
    Patient,
    Screening,
)
from intake.roles import CLINIC_STAFF, CRITERIA_EDITOR, DATA_MANAGER, RHEUMATOLOGIST
from intake.rules import facts

DEMO_ACCOUNTS = (
    # username, role, first name, last name, staff status (admin access)
    ("staff", CLINIC_STAFF, "Sam", "Staff", False),
    ("rheumatologist", RHEUMATOLOGIST, "Rhea", "Matologist", False),
    ("editor", CRITERIA_EDITOR, "Eddie", "Editor", True),
    ("datamanager", DATA_MANAGER, "Dana", "Manager", False),
)
FIRST_RUN_CASES = 24
BATCH = 2000
EXAMPLES_FILE = Path(settings.BASE_DIR) / "fixtures" / "examples" / "intakes.json"


class Command(BaseCommand):
    help = (
        "Create the demo accounts (one per role, passwords printed once) and synthetic "
        "submitted intakes with their screenings (--intakes N, in bulk, fixed random seed)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--first-run",
            action="store_true",
            help=f"Accounts and {FIRST_RUN_CASES} cases, only when no demo account exists yet.",
        )
        parser.add_argument(
            "--intakes", type=int, default=0, metavar="N", help="create N synthetic intakes"
        )
        parser.add_argument("--seed", type=int, default=20261122, help="random seed")
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="give the demo accounts new random passwords and print them",
        )

    def handle(self, *args, first_run=False, intakes=0, seed=0, reset_passwords=False, **options):
        if intakes < 0:
            raise CommandError("--intakes must be 0 or more.")
        user_model = get_user_model()
        accounts_exist = user_model.objects.filter(username="staff").exists()
        if first_run and accounts_exist:
            return
        if not accounts_exist or reset_passwords:
            self._print_logins(self._create_accounts(user_model))
        if first_run:
            intakes = intakes or FIRST_RUN_CASES
        if intakes:
            staff = user_model.objects.get(username="staff")
            started = timezone.now()
            self._create_cases(intakes, staff, seed)
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(f"Created {intakes} synthetic submitted intakes in {seconds:.1f} s.")

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

    def _create_cases(self, count: int, user, seed: int) -> None:
        """Patients, submitted intakes and their screenings, in bulk batches."""
        examples = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
        criteria_set = CriteriaSet.objects.published()
        compiled = criteria_set.compiled()
        first = Patient.objects.filter(mrn__startswith="DEMO-").count()
        generated = synthetic_intakes(count, examples=examples, seed=seed)
        for start in range(0, count, BATCH):
            batch = [next(generated) for _ in range(min(BATCH, count - start))]
            with transaction.atomic():
                self._create_batch(batch, first + start, user, criteria_set, compiled)

    def _create_batch(self, batch, offset, user, criteria_set, compiled) -> None:
        patients = Patient.objects.bulk_create(
            Patient(
                mrn=f"DEMO-{offset + n:07d}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex=intake["sex"],
            )
            for n, (intake, given, family, born, _) in enumerate(batch)
        )
        intakes = Intake.objects.bulk_create(
            Intake(
                patient=patient,
                created_by=user,
                status=IntakeStatus.SUBMITTED,
                # Submitted (and screened) on its intake day, in clinic hours, so the queue
                # shows the waits a clinic would see.
                submitted_at=timezone.make_aware(
                    datetime.combine(intake_date, time(9 + (offset + n) % 8))
                ),
                intake_date=intake_date,
                clinical_notes="Synthetic demo case.",
                **model_values(intake),
            )
            for n, (patient, (intake, _, _, _, intake_date)) in enumerate(
                zip(patients, batch, strict=True)
            )
        )
        screenings = []
        for intake, (values, *_rest) in zip(intakes, batch, strict=True):
            derived = facts.derive(values)
            screenings.append(
                Screening.of(
                    intake=intake,
                    result=compiled.evaluate(derived, trace=True),
                    facts=derived,
                    criteria_set=criteria_set,
                    criteria_hash=compiled.hash,
                    user=user,
                )
            )
        Screening.objects.bulk_create(screenings)
        # Synthetic history: each screening dated when its intake was submitted.
        submitted = Intake.objects.filter(pk=OuterRef("intake_id")).values("submitted_at")[:1]
        Screening.objects.filter(pk__in=[s.pk for s in screenings]).update(
            created_at=Subquery(submitted)
        )
        Intake.objects.filter(pk__in=[intake.pk for intake in intakes]).point_at_latest_screenings()

    def _print_logins(self, passwords: dict[str, str]) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("Demo logins (shown once; write them down):"))
        for username, role, *_ in DEMO_ACCOUNTS:
            self.stdout.write(
                f"  {role:<16} username: {username:<15} password: {passwords[username]}"
            )
        self.stdout.write("")
