"""Follow-up visits of a known patient, the visit type, and a known patient's identity on
the intake form (read-only: it is corrected on the patient's page)."""

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from intake import services
from intake.forms import YES_NO_FIELDS
from intake.forms.intake import PREFILLED_FROM_LAST_VISIT
from intake.models import Intake, IntakeStatus
from intake.rules import facts
from tests.factories import IntakeFactory, PatientFactory, example, form_data
from tests.html import checked_values, controls

pytestmark = pytest.mark.django_db


def visit_url(patient):
    return reverse("intake:visit_create", args=[patient.uuid])


@pytest.fixture
def seen_before(alice):
    """A patient with a submitted initial visit (V01: sites, triggers, red flags all no)."""
    patient = PatientFactory(given_name="Maya", family_name="Ashworth")
    earlier = IntakeFactory(
        patient=patient,
        intake_date=timezone.localdate() - timedelta(days=90),
        created_by=alice,
        pain_sites=["knee_left", "lower_leg_left"],
        triggers=["injury"],
        pain_now=7,
        fdi_score=33,
        esr_mm_hr=12,
        allodynia_observed=True,
    )
    services.screen_intake(intake=earlier)
    # A later draft is not where a follow-up starts from.
    IntakeFactory(patient=patient, status=IntakeStatus.DRAFT, pain_sites=["neck"])
    return patient, earlier


def test_a_follow_up_starts_from_the_last_submitted_visits_sites_and_triggers(
    staff_client, seen_before
):
    patient, earlier = seen_before
    html = staff_client.get(visit_url(patient)).content.decode()
    assert checked_values(html, "pain_sites") == {"knee_left", "lower_leg_left"}
    assert checked_values(html, "triggers") == {"injury"}
    assert checked_values(html, "visit_type") == {"follow_up"}
    when = f"{earlier.intake_date:%-d %b %Y}"
    assert f"Started from the initial visit of {when}" in html
    assert html.count(f"Copied from the initial visit of {when}") == len(PREFILLED_FROM_LAST_VISIT)


def test_a_follow_up_never_copies_red_flags_findings_scores_labs_or_fdi(staff_client, seen_before):
    patient, _ = seen_before
    html = staff_client.get(visit_url(patient)).content.decode()
    for name in YES_NO_FIELDS:
        assert checked_values(html, name) == set(), name
    assert checked_values(html, "allodynia_observed") == set()
    for name in ("pain_now", "fdi_score", "esr_mm_hr", "pain_duration_weeks"):
        assert "value" not in controls(html, name)[0], name
    assert checked_values(html, "ldh_raised") == {"not_done"}  # the form's own default


def test_submitting_a_follow_up_makes_a_second_visit_of_the_same_patient(staff_client, seen_before):
    patient, earlier = seen_before
    data = form_data(example("V01"))
    for name in ("mrn", "given_name", "family_name", "date_of_birth", "sex"):
        data.pop(name)  # the identity fields are read-only: the browser does not send them
    data["visit_type"] = "follow_up"
    response = staff_client.post(visit_url(patient), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    visit = Intake.objects.exclude(pk=earlier.pk).get(status=IntakeStatus.SUBMITTED)
    assert (visit.patient, visit.visit_type) == (patient, "follow_up")
    assert visit.current_screening is not None
    assert visit.current_screening.facts["visit_type"] == "follow_up"


def test_a_patient_without_a_submitted_visit_starts_empty(staff_client):
    patient = PatientFactory()
    html = staff_client.get(visit_url(patient)).content.decode()
    assert checked_values(html, "pain_sites") == set()
    assert "nothing is copied" in html


def test_opening_a_new_visit_is_logged(staff_client, alice, seen_before):
    patient, _ = seen_before
    staff_client.get(visit_url(patient))
    assert AccessEvent.objects.get().patient == patient


def test_a_new_visit_needs_a_login_and_the_staff_role(client, rheum_client):
    patient = PatientFactory()
    response = client.get(visit_url(patient))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert rheum_client.get(visit_url(patient)).status_code == 403


def test_a_new_visit_of_an_unknown_patient_is_404(staff_client):
    assert staff_client.get(reverse("intake:visit_create", args=[uuid.uuid4()])).status_code == 404


# -- a known patient's identity on the form -------------------------------------------------------


def test_a_known_patients_identity_is_read_only_with_a_link_to_the_correction_page(
    staff_client, seen_before
):
    patient, earlier = seen_before
    for url in (visit_url(patient), reverse("intake:intake_edit", args=[earlier.uuid])):
        html = staff_client.get(url).content.decode()
        for name in ("mrn", "given_name", "family_name", "date_of_birth", "sex"):
            assert all("disabled" in c for c in controls(html, name)), (url, name)
        assert reverse("intake:patient_correct", args=[patient.uuid]) in html


@pytest.mark.parametrize(
    ("field", "value"),
    [("sex", "male"), ("date_of_birth", "2012-01-01"), ("given_name", "Mia"), ("mrn", "NEW-1")],
)
def test_an_identity_change_posted_for_a_known_patient_is_refused_never_dropped(
    staff_client, seen_before, field, value
):
    patient, earlier = seen_before
    edit = reverse("intake:intake_edit", args=[earlier.uuid])
    data = form_data(
        example("V01"),
        **{
            "mrn": patient.mrn,
            "given_name": patient.given_name,
            "family_name": patient.family_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
        },
    )
    data["sex"] = patient.sex
    data[field] = value
    response = staff_client.post(edit, data)
    assert response.status_code == 200
    error = response.context["form"].errors.as_data()[field][0]
    assert error.code == "identity_read_only"
    assert "correct it on the patient's page" in response.content.decode()
    patient.refresh_from_db()
    assert getattr(patient, field) != value if field != "date_of_birth" else True


def test_the_visit_type_is_stored_and_shown(staff_client):
    response = staff_client.post(
        reverse("intake:intake_create"), form_data(example("V01", visit_type="recurrence"))
    )
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.visit_type == "recurrence"
    html = staff_client.get(response["Location"]).content.decode()
    assert "Recurrence" in html


def test_a_form_without_a_visit_type_is_an_initial_visit(staff_client):
    data = form_data(example("V01"))
    data.pop("visit_type", None)
    staff_client.post(reverse("intake:intake_create"), data)
    assert Intake.objects.get().visit_type == "initial"


def test_the_visit_type_choices_are_the_registrys():
    from intake.models import VisitType

    assert [c for c, _ in VisitType.choices] == list(facts.INPUT_FACTS["visit_type"].choices)


# -- every error in one round ---------------------------------------------------------------------


def test_identity_errors_and_intake_errors_come_back_together(staff_client):
    data = {"action": "submit", "mrn": "", "date_of_birth": "", "intake_date": ""}
    response = staff_client.post(reverse("intake:intake_create"), data)
    errors = response.context["form"].errors
    assert {"mrn", "date_of_birth", "given_name"} <= errors.keys()
    assert {"pain_sites", "triggers", "fever", "pain_pattern"} <= errors.keys()
    assert len(errors) >= 28
    assert "__all__" not in errors  # no stray "age_years" error


def test_an_impossible_date_of_birth_still_shows_every_other_error(staff_client):
    data = {"action": "submit", "mrn": "A-1", "given_name": "A", "family_name": "B",
            "sex": "female", "date_of_birth": "2999-01-01",
            "intake_date": timezone.localdate().isoformat()}  # fmt: skip
    errors = staff_client.post(reverse("intake:intake_create"), data).context["form"].errors
    assert "date_of_birth" in errors and "fever" in errors and "pain_sites" in errors


def test_a_visit_date_before_a_known_patients_birth_is_an_error_on_the_visit_date(staff_client):
    patient = PatientFactory(date_of_birth=timezone.localdate() - timedelta(days=400))
    data = {"action": "draft", "intake_date": (timezone.localdate() - timedelta(days=500))}
    response = staff_client.post(visit_url(patient), data)
    assert response.context["form"].errors.as_data()["intake_date"][0].code == "after_intake"
    assert "date_of_birth" not in response.context["form"].errors
