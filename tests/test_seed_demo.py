"""`seed_demo`: demo accounts once, synthetic cases that the engine screened."""

import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from accounts.models import EnrolmentCode
from documents.models import ClinicDetails
from intake.models import Intake, IntakeStatus, Patient, Review, Screening
from intake.roles import AUDITOR, CLINIC_STAFF, CRITERIA_EDITOR, DATA_MANAGER, RHEUMATOLOGIST

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
        "auditor": [AUDITOR],
        "datamanager": [DATA_MANAGER],
        "editor": [CRITERIA_EDITOR],
        "rheumatologist": [RHEUMATOLOGIST],
        "staff": [CLINIC_STAFF],
    }
    assert output.count("username: ") == 5
    for user in users:
        password = output.split(f"username: {user.username}")[1].split("password: ")[1].split()[0]
        assert user.check_password(password)
    # Framed, so they stand out from the server's lines that follow.
    frame = [line for line in output.splitlines() if line.startswith("+-")]
    assert len(frame) == 2 and frame[0] == frame[1]
    assert all(
        line.startswith("| ") and line.endswith(" |") and len(line) == len(frame[0])
        for line in output.splitlines()
        if "username: " in line
    )
    assert seed("--first-run") == ""
    # Two-factor authentication is off (the tests' setting, as with DJANGO_DEBUG): no codes.
    assert "enrolment code" not in output
    assert not EnrolmentCode.objects.exists()


def test_the_demo_auditor_reads_the_access_log_in_the_admin(client):
    seed("--first-run")
    auditor = get_user_model().objects.get(username="auditor")
    assert auditor.is_staff
    client.force_login(auditor)
    assert client.get("/admin/audit/accessevent/").status_code == 200
    assert client.get("/intakes/").status_code == 403


def test_with_two_factor_on_each_demo_login_gets_an_enrolment_code(settings, client):
    settings.AMPS_REQUIRE_2FA = True
    output = seed("--first-run")
    for username in ("staff", "rheumatologist", "editor", "auditor", "datamanager"):
        line = output.split(f"username: {username}")[1].splitlines()[0]
        code = line.split("enrolment code: ")[1].split()[0]
        user = get_user_model().objects.get(username=username)
        client.force_login(user)
        response = client.post("/accounts/2fa/setup/", {"enrolment_code": code})
        assert response.status_code == 302, username
        client.logout()


def test_first_run_creates_screened_demo_cases():
    seed("--first-run")
    intakes = Intake.objects.all()
    assert intakes.count() == 24
    assert all(i.current_screening_id for i in intakes)
    outcomes = set(Screening.objects.values_list("outcome", flat=True))
    assert outcomes == {"refer", "consider_amps", "indeterminate"}
    now = timezone.now()
    for intake in intakes.select_related("current_screening"):
        assert intake.current_screening.created_at == intake.submitted_at == intake.screened_at
        assert timezone.localtime(intake.submitted_at).date() == intake.intake_date
        # A clinic's queue: waits of hours to days, not months.
        assert timedelta(hours=1) < now - intake.submitted_at < timedelta(days=7)
        # Screened at the age the child has on the visit's day.
        assert intake.current_screening.facts["age_years"] == intake.age_years


def test_first_run_signs_a_few_cases_gives_demo_clinic_details_and_created_history():
    seed("--first-run")
    signed = Intake.objects.filter(status=IntakeStatus.SIGNED)
    assert signed.count() == 4
    assert Review.objects.filter(reviewer__username="rheumatologist").count() == 4
    assert Intake.objects.filter(status=IntakeStatus.SUBMITTED).count() == 20
    clinic = ClinicDetails.load()
    assert clinic.is_demo and clinic.phone and clinic.address
    assert clinic.on_call_phone and clinic.on_call_email  # the demo alarm has a number to call
    for intake in Intake.objects.all():
        first = intake.history.order_by("history_date", "history_id").first()
        assert first.history_type == "+"
        # The history says what the record holds, and the patient came first.
        assert first.intake_date == intake.intake_date
        patient_created = intake.patient.history.earliest("history_date")
        assert patient_created.date_of_birth == intake.patient.date_of_birth
        assert patient_created.history_date <= first.history_date
    for patient in Patient.objects.all():
        assert patient.history.earliest("history_date").history_type == "+"


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


def test_patients_spreads_the_intakes_as_follow_up_visits():
    seed("--intakes", "12", "--patients", "5")
    from intake.models import Patient

    assert Patient.objects.count() == 5
    assert Intake.objects.count() == 12
    assert Intake.objects.filter(visit_type="initial").count() == 5
    assert Intake.objects.filter(visit_type="follow_up").count() == 7
    for patient in Patient.objects.all():
        visits = list(patient.intakes.order_by("intake_date", "pk"))
        assert visits[0].visit_type == "initial"
        assert all(v.visit_type == "follow_up" for v in visits[1:])
        assert (
            patient.search_text
            == f"{patient.given_name} {patient.family_name} {patient.mrn}".lower()
        )
    for intake in Intake.objects.select_related("patient", "current_screening"):
        assert intake.facts() == intake.current_screening.facts
