"""Demo data: one account per role (random passwords, printed once) and synthetic cases.

With AMPS_REQUIRE_2FA on, each demo login also gets a one-time enrolment code (printed
beside its password) to set up an authenticator app at first sign-in; `make run` runs with
DJANGO_DEBUG, where two-factor authentication is off and no code is needed."""

import json
import secrets
from datetime import date, datetime, time, timedelta
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from accounts.enrolment import issue_enrolment_code
from accounts.two_factor import confirmed_authenticator
from intake import services
from intake.demo import synthetic_intakes
from intake.management.progress import progress_bar
from intake.models import (
    AgreementCount,
    CriteriaSet,
    Intake,
    IntakeStatus,
    Patient,
    Review,
    Screening,
    VisitType,
    model_values,
    recount_agreement,
)
from intake.roles import AUDITOR, CLINIC_STAFF, CRITERIA_EDITOR, DATA_MANAGER, RHEUMATOLOGIST
from intake.rules import review as review_rules
from intake.search import patient_search_text

DEMO_ACCOUNTS = (
    # username, role, first name, last name, staff status (admin access)
    ("staff", CLINIC_STAFF, "Sam", "Staff", False),
    ("rheumatologist", RHEUMATOLOGIST, "Rhea", "Matologist", False),
    ("editor", CRITERIA_EDITOR, "Eddie", "Editor", True),
    ("auditor", AUDITOR, "Audrey", "Auditor", True),
    ("datamanager", DATA_MANAGER, "Dana", "Manager", False),
)
FIRST_RUN_CASES = 24
#: The disposition a demo reviewer agrees to, per suggestion.
DEMO_DISPOSITIONS = {
    "refer": "inflammatory_workup",
    "consider_amps": "amps_programme",
    "indeterminate": "no_further_action",
}
FIRST_RUN_SIGNED = 4  # of the first run's cases, signed by the demo rheumatologist
# The first run's waits, as a clinic's queue has them: from two hours to six days.
FIRST_RUN_WAITS = tuple(timedelta(hours=2 + 6 * n) for n in range(FIRST_RUN_CASES))
DEMO_CLINIC = {
    "clinic_name": "Demo Children's Hospital — Paediatric Rheumatology",
    "address": "1 Example Road\nDemo Town DT1 1AA",
    "phone": "01632 960000",
    "email": "rheumatology@demo.invalid",
    "on_call_phone": "01632 960999 (bleep 4410)",
    "on_call_email": "rheum-on-call@demo.invalid",
    "is_demo": True,
}
BATCH = 2000
LAST_DEMO_DAY = date(2026, 11, 1)  # the synthetic intakes' latest day (intake.demo)
EXAMPLES_FILE = Path(settings.BASE_DIR) / "fixtures" / "examples" / "intakes.json"


def _sign_in_bulk(screenings: list[Screening], start: int, percent: int, reviewer) -> None:
    """Sign `percent` of a batch's screenings (spread evenly over it), as the review service
    would leave them: a review (mostly agreeing; every tenth an override with a reason) with a
    disposition the review rules allow, signed 1-47 hours after submission, and the intake
    signed. In bulk: no history rows, no access-log entries (synthetic data), and not yet in
    the agreement counters (_create_cases counts them once every batch is in)."""
    reasons = [code for code in review_rules.OVERRIDE_REASON_LABELS]
    reviews = []
    for n, screening in enumerate(screenings, start=start):
        if (n * 37) % 100 >= percent:
            continue
        decision = review_rules.OVERRIDE if n % 10 == 3 else review_rules.AGREE
        reviews.append(
            Review(
                intake_id=screening.intake_id,
                screening=screening,
                reviewer=reviewer,
                decision=decision,
                override_reason=reasons[n % len(reasons)] if decision == "override" else "",
                disposition=review_rules.allowed_dispositions(decision, screening.outcome)[0],
                signed_at=screening.intake.submitted_at + timedelta(hours=1 + n % 47),
            )
        )
    Review.objects.bulk_create(reviews)
    Intake.objects.filter(pk__in=[r.intake_id for r in reviews]).update(status=IntakeStatus.SIGNED)


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
        parser.add_argument(
            "--patients",
            type=int,
            default=0,
            metavar="P",
            help="spread the N intakes over P patients: P initial visits, the rest follow-ups "
            "(default: one patient per intake), e.g. --intakes 150000 --patients 100000",
        )
        parser.add_argument(
            "--signed",
            type=int,
            default=0,
            metavar="PERCENT",
            help="sign this share of the N intakes (0-100) with synthetic reviews by the demo "
            "rheumatologist, a day or two after each was submitted (a clinic's steady state, "
            "e.g. --intakes 100000 --signed 90)",
        )
        parser.add_argument("--seed", type=int, default=20261122, help="random seed")
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="give the demo accounts new random passwords and print them",
        )

    def handle(
        self,
        *args,
        first_run=False,
        intakes=0,
        patients=0,
        signed=0,
        seed=0,
        reset_passwords=False,
        **options,
    ):
        if intakes < 0 or patients < 0:
            raise CommandError("--intakes and --patients must be 0 or more.")
        if not 0 <= signed <= 100:
            raise CommandError("--signed is a percentage: 0 to 100.")
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
            reviewer = user_model.objects.get(username="rheumatologist") if signed else None
            made = self._create_cases(intakes, staff, seed, patients or None, signed, reviewer)
            seconds = (timezone.now() - started).total_seconds()
            self.stdout.write(f"Created {intakes} synthetic submitted intakes in {seconds:.1f} s.")
            if first_run:
                self._look_like_a_clinic(made, user_model.objects.get(username="rheumatologist"))

    def _look_like_a_clinic(self, intake_ids: list[int], reviewer) -> None:
        """The first run's cases as a clinic's day has them: waiting hours to days (not the
        synthetic dates of months ago), a few signed with letters to print, and demo clinic
        details (marked DEMO on every printed page)."""
        now = timezone.now()
        intakes = Intake.objects.filter(pk__in=intake_ids).select_related("patient")
        for intake, wait in zip(intakes.order_by("pk"), FIRST_RUN_WAITS, strict=False):
            moment = now - wait
            day = timezone.localdate(moment)
            # The child keeps the age they were screened at: birth moves with the visit day.
            born = intake.patient.date_of_birth + (day - intake.intake_date)
            Patient.objects.filter(pk=intake.patient_id).update(date_of_birth=born)
            Intake.objects.filter(pk=intake.pk).update(
                intake_date=day, submitted_at=moment, screened_at=moment
            )
            Screening.objects.filter(intake_id=intake.pk).update(created_at=moment)
            # Their "Created" history rows say what the records now hold, and when.
            Intake.history.filter(id=intake.pk).update(history_date=moment, intake_date=day)
            Patient.history.filter(id=intake.patient_id).update(
                history_date=moment - timedelta(minutes=5), date_of_birth=born
            )
        # The longest-waiting cases were signed, one of each suggestion where there is one.
        signed = 0
        for intake in intakes.order_by("submitted_at"):
            if signed == FIRST_RUN_SIGNED:
                break
            screening = intake.current_screening
            services.record_review(
                screening=screening,
                reviewer=reviewer,
                decision="agree",
                disposition=DEMO_DISPOSITIONS[screening.outcome],
                note="Demo: reviewed in clinic.",
            )
            signed += 1
        clinic_details = apps.get_model("documents", "ClinicDetails")
        if not clinic_details.objects.exists():
            clinic_details.objects.create(**DEMO_CLINIC)

    @transaction.atomic
    def _create_accounts(self, user_model) -> dict[str, tuple[str, str]]:
        """{username: (password, enrolment code or "")} for every demo account."""
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
            code = ""
            if settings.AMPS_REQUIRE_2FA and confirmed_authenticator(user) is None:
                _, code = issue_enrolment_code(user=user)
            passwords[username] = (password, code)
        return passwords

    def _create_cases(
        self,
        count: int,
        user,
        seed: int,
        patients: int | None = None,
        signed: int = 0,
        reviewer=None,
    ) -> list[int]:
        """Patients, submitted intakes and their screenings, in bulk batches. The first
        `patients` intakes are initial visits of new patients; each further one is a
        follow-up visit of one of them in turn, some weeks after their previous visit."""
        patients = min(patients or count, count)
        examples = json.loads(EXAMPLES_FILE.read_text(encoding="utf-8"))
        criteria_set = CriteriaSet.objects.published()
        compiled = criteria_set.compiled()
        first = Patient.objects.filter(mrn__startswith="DEMO-").count()
        generated = synthetic_intakes(count, examples=examples, seed=seed)
        seen: list[list] = []  # per new patient: [patient, date of their latest visit]
        made: list[int] = []
        with progress_bar(total=count, unit="intakes", stream=self.stderr._out) as bar:
            for start in range(0, count, BATCH):
                batch = [next(generated) for _ in range(min(BATCH, count - start))]
                with transaction.atomic():
                    screenings = self._create_batch(
                        batch, start, first, user, criteria_set, compiled, patients, seen
                    )
                    made += [screening.intake_id for screening in screenings]
                    if signed:
                        _sign_in_bulk(screenings, start, signed, reviewer)
                bar.update(len(batch))
        if signed:
            # The reviews made in bulk are counted with every other: one pass over them all
            # costs less than adding each batch's to the counters of its many days.
            recount_agreement(Review, AgreementCount)
        return made

    def _create_batch(
        self, batch, start, first, user, criteria_set, compiled, patients, seen
    ) -> list[Screening]:
        new = [(n, item) for n, item in enumerate(batch, start=start) if n < patients]
        made = Patient.objects.bulk_create(
            Patient(
                mrn=f"DEMO-{first + n:07d}",
                given_name=given,
                family_name=family,
                date_of_birth=born,
                sex=intake["sex"],
                # bulk_create does not call save(), which keeps the search text.
                search_text=patient_search_text(
                    given_name=given, family_name=family, mrn=f"DEMO-{first + n:07d}"
                ),
            )
            for n, (intake, given, family, born, _) in new
        )
        seen += [[patient, item[4]] for patient, (_, item) in zip(made, new, strict=True)]
        intakes = []
        for n, (values, _given, _family, _born, intake_date) in enumerate(batch, start=start):
            visit_type = VisitType.INITIAL
            if n < patients:
                patient = seen[n][0]
            else:  # a follow-up visit of an earlier patient, some weeks after the last
                record = seen[(n - patients) % patients]
                patient = record[0]
                intake_date = min(record[1] + timedelta(days=28 + n % 70), LAST_DEMO_DAY)
                record[1] = intake_date
                visit_type = VisitType.FOLLOW_UP
            intake = Intake(
                patient=patient,
                created_by=user,
                status=IntakeStatus.SUBMITTED,
                # Submitted (and screened) on its intake day, in clinic hours, so the queue
                # shows the waits a clinic would see.
                submitted_at=timezone.make_aware(
                    datetime.combine(intake_date, time(9 + (first + n) % 8))
                ),
                intake_date=intake_date,
                clinical_notes="Synthetic demo case.",
                **model_values(values),
            )
            intake.visit_type = visit_type
            intakes.append(intake)
        intakes = Intake.objects.bulk_create(intakes)
        # bulk_create skips the change history: each record's "Created" entry is made here.
        Patient.history.bulk_history_create(made, default_user=user)
        Intake.history.bulk_history_create(intakes, default_user=user)
        screenings = []
        for intake in intakes:
            derived = intake.facts()  # its age from the patient's birth and the visit's day
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
        return screenings

    def _print_logins(self, passwords: dict[str, tuple[str, str]]) -> None:
        """The logins in a frame, so they stand out from the server's output that follows."""
        lines = ["Demo logins (shown once; write them down):", ""]
        for username, role, *_ in DEMO_ACCOUNTS:
            password, code = passwords[username]
            line = f"{role:<16} username: {username:<15} password: {password}"
            if code:
                line += f"  enrolment code: {code}"
            lines.append(line)
        if any(code for _, code in passwords.values()):
            hours = settings.AMPS_ENROLMENT_CODE_HOURS
            lines += [
                "",
                "Two-factor authentication is on: each enrolment code sets up an",
                f"authenticator app once, within {hours} hours.",
            ]
        width = max(len(line) for line in lines)
        rule = "+" + "-" * (width + 2) + "+"
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(rule))
        for line in lines:
            self.stdout.write(self.style.SUCCESS(f"| {line:<{width}} |"))
        self.stdout.write(self.style.SUCCESS(rule))
        self.stdout.write("")
