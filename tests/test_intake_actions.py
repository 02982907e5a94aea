"""Issue 13: the intake form's two actions, double submits, identity changes and dates.

There are exactly two actions, `draft` and `submit`: anything else is at most a draft save,
never a screening. A form carries a one-time token, so the same POST twice saves once. An
identity change on an intake is saved to the patient only when the patient is this intake's
own; otherwise it is refused beside its field. Dates outside what a paediatric clinic sees are
refused beside their field.
"""

import re
import threading
import uuid
from datetime import date, timedelta

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.forms import IntakeForm
from intake.models import Intake, IntakeStatus, Patient, Screening, SubmitToken
from tests.factories import (
    IntakeFactory,
    PatientFactory,
    UserFactory,
    birth_date_for,
    example,
    form_data,
)

NEW = reverse("intake:intake_create")


def identity_only(**overrides) -> dict:
    data = {
        "mrn": "ACT-1",
        "given_name": "Grace",
        "family_name": "Hopper",
        "date_of_birth": birth_date_for(9).isoformat(),
        "sex": "female",
        "intake_date": timezone.localdate().isoformat(),
    }
    data.update(overrides)
    return data


def nothing_screened_or_queued() -> None:
    assert not Screening.objects.exists()
    assert not Intake.objects.awaiting_review().exists()
    assert not Intake.objects.exclude(status=IntakeStatus.DRAFT).exists()


# -- §1: only "submit" submits --------------------------------------------------------------------

NOT_A_SUBMIT = [None, "", "x", "SUBMIT", "Submit", " submit", "submit ", "draft,submit"]


@pytest.mark.parametrize("action", NOT_A_SUBMIT)
@pytest.mark.parametrize("full", [False, True], ids=["identity-only", "full-intake"])
def test_a_post_without_the_submit_action_is_never_screened_or_queued(staff_client, action, full):
    data = form_data(example("V17")) if full else identity_only()
    data.pop("action", None)
    if action is not None:
        data["action"] = action
    response = staff_client.post(NEW, data)
    nothing_screened_or_queued()
    # Saved as a draft, with what was typed, and said so.
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.DRAFT
    assert intake.patient.mrn == data["mrn"]
    page = staff_client.get(response["Location"]).content.decode()
    assert "saved as a draft" in page
    assert "not screened" in page
    assert "Intake submitted" not in page


def test_two_submit_values_are_not_a_submit(staff_client):
    data = form_data(example("V17"))
    data["action"] = ["draft", "submit"]
    staff_client.post(NEW, data)
    nothing_screened_or_queued()


def test_a_post_with_several_action_values_is_a_draft_even_when_the_last_is_submit(staff_client):
    data = form_data(example("V17"))
    data["action"] = ["submit", "submit"]
    staff_client.post(NEW, data)
    assert Intake.objects.get().status == IntakeStatus.DRAFT
    nothing_screened_or_queued()


def test_an_unknown_action_on_an_incomplete_identity_redraws_the_form(staff_client):
    response = staff_client.post(NEW, identity_only(mrn="", action="x"))
    assert response.status_code == 200
    assert "mrn" in response.context["form"].errors
    assert not Intake.objects.exists()


def test_an_unknown_action_on_a_submitted_intake_takes_it_back_to_draft_not_rescreened(
    staff_client,
):
    staff_client.post(NEW, form_data(example("V01")))
    intake = Intake.objects.get()
    edit = reverse("intake:intake_edit", args=[intake.uuid])
    data = form_data(example("V01", fever=True), action="bogus")
    staff_client.post(edit, {**data, "change_reason": "Fever reported."})
    intake.refresh_from_db()
    assert intake.status == IntakeStatus.DRAFT
    assert intake.fever is True
    assert intake.screenings.count() == 1


def test_the_submit_action_still_submits(staff_client):
    staff_client.post(NEW, form_data(example("V17")))
    assert Intake.objects.get().status == IntakeStatus.SUBMITTED
    assert Screening.objects.count() == 1


def test_the_timeout_rescue_script_posts_the_form_as_a_draft_never_a_submit():
    from django.conf import settings

    script = (settings.BASE_DIR / "static" / "js" / "session.js").read_text(encoding="utf-8")
    assert 'action.value = "draft";' in script
    assert "postAsDraft(form);" in script
    # The only posting of the form is the draft one.
    assert script.count("form.submit()") == 1
    assert script.index("form.submit()") > script.index('action.value = "draft";')


# -- §5: the same form posted twice saves once ----------------------------------------------------


def token_of(html: str) -> str:
    match = re.search(r'name="form_token" value="([^"]+)"', html)
    assert match, "no form_token on the page"
    return match.group(1)


def test_the_form_carries_a_fresh_one_time_token(staff_client):
    first = token_of(staff_client.get(NEW).content.decode())
    second = token_of(staff_client.get(NEW).content.decode())
    assert uuid.UUID(first) and first != second


def test_the_same_submit_twice_makes_one_intake_one_screening_one_queue_entry(staff_client, alice):
    data = {**form_data(example("V17")), "form_token": str(uuid.uuid4())}
    first = staff_client.post(NEW, data)
    second = staff_client.post(NEW, data)
    intake = Intake.objects.get()
    assert Screening.objects.count() == 1
    assert list(Intake.objects.awaiting_review()) == [intake]
    detail = reverse("intake:intake_detail", args=[intake.uuid])
    assert first["Location"] == second["Location"] == detail
    page = staff_client.get(detail).content.decode()
    assert "already submitted" in page
    token = SubmitToken.objects.get()
    assert (token.intake, token.user) == (intake, alice)


def test_the_same_submit_twice_on_an_edit_screens_once(staff_client):
    staff_client.post(NEW, form_data(example("V01"), action="draft"))
    intake = Intake.objects.get()
    edit = reverse("intake:intake_edit", args=[intake.uuid])
    token = token_of(staff_client.get(edit).content.decode())
    data = {**form_data(example("V01")), "form_token": token}
    staff_client.post(edit, data)
    staff_client.post(edit, data)
    assert intake.screenings.count() == 1


def test_the_same_draft_twice_makes_one_intake(staff_client):
    data = identity_only(action="draft", form_token=str(uuid.uuid4()))
    staff_client.post(NEW, data)
    staff_client.post(NEW, data)
    assert Intake.objects.count() == 1
    assert Patient.objects.count() == 1


def test_a_draft_then_a_submit_with_the_same_token_submits_that_draft(staff_client):
    token = str(uuid.uuid4())
    staff_client.post(NEW, {**form_data(example("V17"), action="draft"), "form_token": token})
    draft = Intake.objects.get()
    response = staff_client.post(NEW, {**form_data(example("V17")), "form_token": token})
    assert Intake.objects.get() == draft
    draft.refresh_from_db()
    assert draft.status == IntakeStatus.SUBMITTED
    assert draft.screenings.count() == 1
    assert response["Location"] == reverse("intake:intake_detail", args=[draft.uuid])


def test_a_submit_then_a_draft_with_the_same_token_changes_nothing(staff_client):
    token = str(uuid.uuid4())
    staff_client.post(NEW, {**form_data(example("V17")), "form_token": token})
    response = staff_client.post(
        NEW, {**form_data(example("V17"), action="draft"), "form_token": token}
    )
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.SUBMITTED
    assert response["Location"] == reverse("intake:intake_detail", args=[intake.uuid])


def test_a_token_of_another_user_is_not_honoured(staff_client, alice, client):
    token = str(uuid.uuid4())
    staff_client.post(NEW, {**form_data(example("V17")), "form_token": token})
    colleague = UserFactory(username="alice2")
    colleague.groups.set(alice.groups.all())
    client.force_login(colleague)
    response = client.post(NEW, {**form_data(example("V01"), mrn="OTHER-1"), "form_token": token})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert Intake.objects.count() == 1
    # What was typed is drawn again, with a token of its own to save it.
    html = response.content.decode()
    assert 'value="OTHER-1"' in html
    assert token_of(html) != token


def test_a_token_used_on_one_intake_does_not_act_on_another(staff_client):
    token = str(uuid.uuid4())
    staff_client.post(NEW, {**form_data(example("V17"), action="draft"), "form_token": token})
    other = IntakeFactory(status=IntakeStatus.DRAFT)
    edit = reverse("intake:intake_edit", args=[other.uuid])
    data = form_data(
        example("V01"),
        mrn=other.patient.mrn,
        date_of_birth=other.patient.date_of_birth.isoformat(),
    )
    response = staff_client.post(edit, {**data, "form_token": token})
    assert response.status_code == 200
    assert response.context["form"].errors
    other.refresh_from_db()
    assert other.status == IntakeStatus.DRAFT


def test_a_malformed_token_is_a_form_error_that_keeps_what_was_typed(staff_client):
    response = staff_client.post(NEW, {**form_data(example("V17")), "form_token": "not-a-token"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'value="MRN-1001"' in html
    assert not Intake.objects.exists()
    # Drawn again with a sound token: saving again works.
    again = staff_client.post(NEW, {**form_data(example("V17")), "form_token": token_of(html)})
    assert again.status_code == 302
    assert Intake.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="two writers at once need PostgreSQL (DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("new_patient", [True, False], ids=["new-patient", "known-patient"])
def test_two_identical_submits_at_the_same_moment_save_once(migration_data, new_patient):
    user = UserFactory(username="clicker")
    if not new_patient:
        PatientFactory(mrn="MRN-1001", given_name="Ada", family_name="Lovelace",
                       sex=example("V17")["sex"],
                       date_of_birth=birth_date_for(example("V17")["age_years"]))  # fmt: skip
    form = IntakeForm({**form_data(example("V17")), "form_token": str(uuid.uuid4())})
    assert form.is_valid(), form.errors
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt():
        try:
            barrier.wait()
            services.save_intake(
                intake=None,
                patient_values=form.patient_values(),
                intake_values=form.intake_values(),
                user=user,
                submit=True,
                patient=form.patient,
                token=form.token(),
            )
            outcomes.append("saved")
        except services.AlreadySubmitted:
            outcomes.append("shown the first")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["saved", "shown the first"]
    assert Intake.objects.count() == 1
    assert Screening.objects.count() == 1
    assert Intake.objects.awaiting_review().count() == 1


def test_a_post_without_a_token_still_saves(staff_client):
    # Tools that post the form without drawing it first (no token) are not refused.
    assert staff_client.post(NEW, form_data(example("V17"))).status_code == 302
    assert not SubmitToken.objects.exists()


# -- §2: identity changes are saved or refused, never dropped -------------------------------------


def own_draft(client, **patient) -> Intake:
    client.post(NEW, identity_only(action="draft", **patient))
    return Intake.objects.get()


def edit_post(client, intake, action="draft", **changes):
    patient = intake.patient
    data = identity_only(
        mrn=patient.mrn,
        given_name=patient.given_name,
        family_name=patient.family_name,
        date_of_birth=patient.date_of_birth.isoformat(),
        sex=patient.sex,
        action=action,
    )
    data.update(changes)
    return client.post(reverse("intake:intake_edit", args=[intake.uuid]), data)


# Issue 15 replaced the rule "an intake may change its own new patient's identity": a known
# patient's identity is never changed from an intake. The form shows it read-only with a link
# to the patient's correction page (a reason, the history, re-screening: tests/test_patients.py);
# a changed value posted anyway is refused beside its field, never dropped silently.

IDENTITY_CHANGES = [
    ("sex", "male"),
    ("date_of_birth", birth_date_for(11).isoformat()),
    ("given_name", "Amazing Grace"),
    ("family_name", "Murray"),
]


@pytest.mark.parametrize(("field", "value"), IDENTITY_CHANGES)
@pytest.mark.parametrize("other_visits", [False, True])
def test_an_identity_change_posted_on_an_intake_is_refused_beside_the_field(
    staff_client, field, value, other_visits
):
    intake = own_draft(staff_client)
    if other_visits:
        IntakeFactory(patient=intake.patient)
    before = Patient.objects.values().get()
    response = edit_post(staff_client, intake, **{field: value})
    assert response.status_code == 200
    form = response.context["form"]
    assert list(form.errors) == [field]
    assert form.errors.as_data()[field][0].code == "identity_read_only"
    assert "correct it on the patient's page" in form.errors[field][0]
    assert Patient.objects.values().get() == before
    correct = reverse("intake:patient_correct", args=[intake.patient.uuid])
    assert correct in response.content.decode()


def test_a_date_of_birth_change_on_a_submitted_intake_is_refused_and_nothing_rescreened(
    staff_client,
):
    staff_client.post(NEW, form_data(example("V01"), mrn="OWN-1"))
    intake = Intake.objects.get()
    data = form_data(example("V01"), mrn="OWN-1", date_of_birth=birth_date_for(4).isoformat())
    response = staff_client.post(reverse("intake:intake_edit", args=[intake.uuid]), data)
    assert response.context["form"].errors.as_data()["date_of_birth"][0].code == (
        "identity_read_only"
    )
    assert intake.screenings.count() == 1


def test_an_identity_change_on_a_signed_patient_is_refused(staff_client):
    intake = own_draft(staff_client)
    IntakeFactory(patient=intake.patient, status=IntakeStatus.SIGNED)
    response = edit_post(staff_client, intake, sex="male")
    assert response.context["form"].errors["sex"]
    assert Patient.objects.get().sex == "female"


@pytest.mark.parametrize(("field", "value"), [("sex", "male"), ("given_name", "Other")])
def test_a_new_intake_for_a_known_mrn_with_another_identity_is_refused_beside_the_field(
    staff_client, field, value
):
    PatientFactory(mrn="KNOWN-1", given_name="Grace", family_name="Hopper", sex="female",
                   date_of_birth=birth_date_for(9))  # fmt: skip
    data = identity_only(mrn="KNOWN-1", action="draft", **{field: value})
    response = staff_client.post(NEW, data)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == [field]
    assert "KNOWN-1" in response.context["form"].errors[field][0]
    assert not Intake.objects.exists()


def test_an_unchanged_identity_on_a_patient_with_other_visits_saves(staff_client):
    intake = own_draft(staff_client)
    IntakeFactory(patient=intake.patient)
    assert edit_post(staff_client, intake, clinical_notes="More.").status_code == 302


# -- §6: dates a paediatric clinic never sees -----------------------------------------------------


def test_the_probe_s_year_one_intake_is_refused(staff_client):
    data = form_data(example("V01"), date_of_birth="0001-01-01", intake_date="0001-01-02")
    response = staff_client.post(NEW, data)
    assert response.status_code == 200
    assert "intake_date" in response.context["form"].errors
    assert not Intake.objects.exists()


# Days are worked out when the test runs (a run may cross midnight).
@pytest.mark.parametrize(
    ("intake_day", "accepted"),
    [
        (lambda today: date(1989, 12, 31), False),
        (lambda today: date(1990, 1, 1), True),
        (lambda today: today, True),
        (lambda today: today + timedelta(days=2), False),
    ],
    ids=["1989-12-31", "1990-01-01", "today", "after-tomorrow"],
)
def test_intake_dates_before_1990_or_ahead_are_refused_beside_the_field(
    staff_client, intake_day, accepted
):
    intake_date = intake_day(timezone.localdate())
    born = birth_date_for(9, on=intake_date).isoformat()
    data = identity_only(action="draft", intake_date=intake_date.isoformat(), date_of_birth=born)
    response = staff_client.post(NEW, data)
    if accepted:
        assert response.status_code == 302, response.context["form"].errors
    else:
        assert list(response.context["form"].errors) == ["intake_date"]
        assert "1990" in str(response.context["form"].errors) or "future" in str(
            response.context["form"].errors
        )


@pytest.mark.parametrize(
    ("birth_day", "code"),
    [
        (lambda today: today + timedelta(days=1), "future"),
        (lambda today: birth_date_for(22, on=today), "too_old"),
        # A year outside 1000-8999 is refused by the date field itself (amps_screen.fields).
        (lambda today: date(1, 1, 1), "min_value"),
    ],
    ids=["tomorrow", "22-years-old", "year-one"],
)
def test_dates_of_birth_that_make_no_sense_are_refused_beside_the_field(
    staff_client, birth_day, code
):
    born = birth_day(timezone.localdate())
    response = staff_client.post(NEW, identity_only(action="draft", date_of_birth=born.isoformat()))
    errors = response.context["form"].errors.as_data()
    assert [e.code for e in errors["date_of_birth"]] == [code]
