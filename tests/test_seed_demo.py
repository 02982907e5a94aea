"""`seed_demo`: demo accounts once, synthetic cases that the engine screened."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from intake.models import Intake, IntakeStatus, Screening
from intake.roles import CLINIC_STAFF, CRITERIA_EDITOR, DATA_MANAGER, RHEUMATOLOGIST

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_first_run_creates_one_account_per_role_and_prints_the_passwords_once():
    output = seed("--first-run")
    users = get_user_model().objects.order_by("username")
    roles = {user.username: [g.name for g in user.groups.all()] for user in users}
    assert roles == {
        "datamanager": [DATA_MANAGER],
        "editor": [CRITERIA_EDITOR],
        "rheumatologist": [RHEUMATOLOGIST],
        "staff": [CLINIC_STAFF],
    }
    for user in users:
        password = output.split(f"username: {user.username}")[1].split("password: ")[1].split()[0]
        assert user.check_password(password)
    assert seed("--first-run") == ""


def test_first_run_creates_screened_demo_cases():
    seed("--first-run")
    intakes = Intake.objects.all()
    assert intakes.count() == 24
    assert all(i.status == IntakeStatus.SUBMITTED for i in intakes)
    assert all(i.current_screening_id for i in intakes)
    outcomes = set(Screening.objects.values_list("outcome", flat=True))
    assert outcomes == {"refer", "consider_amps", "indeterminate"}
    for intake in intakes.select_related("current_screening"):
        assert intake.current_screening.created_at == intake.submitted_at == intake.screened_at
        assert timezone.localtime(intake.submitted_at).date() == intake.intake_date


def test_intakes_are_screened_as_the_engine_would_screen_them_now():
    seed("--intakes", "30")
    for intake in Intake.objects.select_related("patient", "current_screening"):
        stored = intake.current_screening
        assert intake.facts() == stored.facts
        again = stored.criteria_set.compiled().evaluate(intake.facts(), trace=False)
        assert (again.outcome, again.red_flags, again.pathways) == (
            stored.outcome,
            stored.red_flags,
            stored.pathways,
        )


def test_the_same_seed_gives_the_same_cases():
    seed("--intakes", "5", "--seed", "7")
    first = list(Intake.objects.order_by("pk").values_list("pain_duration_weeks", "fatigue"))
    Intake.objects.update(current_screening=None)
    Screening.objects.all().delete()
    Intake.objects.all().delete()
    seed("--intakes", "5", "--seed", "7")
    again = list(Intake.objects.order_by("pk").values_list("pain_duration_weeks", "fatigue"))
    assert first == again
