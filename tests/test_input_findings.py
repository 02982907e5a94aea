"""Issue 26, point 4: each input that gave a 500 (or was quietly accepted) in the attack probe,
now a 4xx or an error beside the field. tests/test_input_fuzz.py sweeps the classes."""

import base64
import json
import time
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from accounts.enrolment import issue_enrolment_code
from intake.models import Intake
from intake.views import QUEUE_SEARCH_SESSION_KEY
from interop.cds import service
from interop.models import CdsCard, CdsClient, CdsFeedback, UsedJwtId
from tests.conftest import PASSWORD
from tests.factories import IntakeFactory, PatientFactory, form_data
from tests.interop_helpers import screened
from tests.test_interop_cds import (
    EXAMPLES,
    FEEDBACK,
    ISSUER,
    SERVICE,
    TENANT,
    _with_our_card,
    call,
    hook_call,
    token,
)


@pytest.fixture
def ehr(db):
    """The spec's example EHR, as in tests/test_interop_cds.py."""
    return CdsClient.objects.create(
        label="Example EHR", issuer=ISSUER, jwks=EXAMPLES["jwks_public"], tenant=TENANT
    )


def _unsigned_jwt_with(**claims) -> str:
    """A token whose payload is JSON we write by hand (escapes PyJWT would not produce)."""
    header = {"alg": "ES384", "typ": "JWT", "kid": "example-kid"}
    payload = json.dumps(claims).encode()
    part = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return f"{part(json.dumps(header).encode())}.{part(payload)}.{part(b'x' * 96)}"


# -- CDS Hooks: the JWT -----------------------------------------------------------------------


@pytest.mark.parametrize("issuer", ["https://ehr\x00.example/", "https://ehr\ud800.example/"])
def test_a_jwt_issuer_with_a_nul_or_a_lone_surrogate_is_401(client, ehr, issuer):
    value = _unsigned_jwt_with(iss=issuer, aud="x", exp=1, iat=1, jti="a")
    response = client.post(SERVICE, "{}", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {value}")  # fmt: skip
    assert response.status_code == 401


@pytest.mark.parametrize("claim", ["exp", "iat"])
def test_exp_or_iat_sent_as_a_string_is_401(client, ehr, claim):
    now = int(time.time())
    value = token(**{claim: str(now + 60 if claim == "exp" else now)})
    patient = PatientFactory()
    response = call(client, hook_call(patient), jwt_token=value)
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("change", "status"),
    [({"hookInstance": 5}, 400), ({"prefetch": {"questionnaireResponses": {}}}, 412)],
)
def test_the_jti_is_spent_even_when_the_call_ends_400_or_412(client, ehr, change, status):
    patient = PatientFactory()
    screened("V01", patient=patient)
    once = token()
    body = {**hook_call(patient), **change}
    if status == 412:
        body["context"] = {**body["context"], "patientId": "not-ours"}
    assert call(client, body, jwt_token=once).status_code == status
    assert UsedJwtId.objects.count() == 1
    assert call(client, hook_call(patient), jwt_token=once).status_code == 401


# -- CDS Hooks: the body ----------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["\x00", "\ud800", "a\udfffb"])
@pytest.mark.parametrize("where", ["hookInstance", "mrn"])
def test_a_nul_or_a_surrogate_in_the_call_is_400_naming_the_field(client, ehr, bad, where):
    patient = PatientFactory()
    screened("V01", patient=patient)
    body = hook_call(patient)
    if where == "hookInstance":
        body["hookInstance"] = f"d1577c69{bad}"
    else:
        body["prefetch"]["patient"]["identifier"][0]["value"] = f"{patient.mrn}{bad}"
    response = call(client, body)
    assert response.status_code == 400
    assert "NUL" in response.json()["error"]


def test_the_json_loader_names_the_field_that_holds_a_nul(client, ehr):
    """Past the middleware (which sees the body as bytes), the API's own loader says where."""
    from interop.cds.service import BadCall, parse_call

    body = hook_call(PatientFactory())
    body["hookInstance"] = "x\x00"
    with pytest.raises(BadCall) as refused:
        parse_call(json.dumps(body).encode())
    assert refused.value.field == "hookInstance"


def _feedback(client, **change):
    patient = PatientFactory()
    screened("V01", patient=patient)
    (card,) = call(client, hook_call(patient)).json()["cards"]
    body = _with_our_card(EXAMPLES["feedback_overridden_with_reason"], card["uuid"])
    body["feedback"][0].update(change)
    return call(client, body, url=FEEDBACK), card


@pytest.mark.parametrize("bad", ["\x00", "\ud800"])
def test_a_nul_or_a_surrogate_in_feedback_text_is_400(client, ehr, bad):
    response, _ = _feedback(
        client, overrideReason={"reason": {"code": "x", "system": "y"}, "userComment": f"a{bad}"}
    )
    assert response.status_code == 400
    assert not CdsFeedback.objects.exists()


@pytest.mark.parametrize(
    "stamp",
    [
        "2025-13-01T10:00:00Z",
        "2025-01-01T25:00:00Z",
        "2025-01-01T10:00:00+99:00",
        "0001-01-01T00:00:00Z",
        "9999-12-31T23:59:59-01:00",
        "٢٠٢٥-01-01T10:00:00Z",
    ],
)
def test_an_impossible_feedback_timestamp_is_400_naming_the_field(client, ehr, stamp):
    response, _ = _feedback(client, outcomeTimestamp=stamp)
    assert response.status_code == 400
    assert response.json()["field"] == "feedback[0].outcomeTimestamp"
    assert not CdsFeedback.objects.exists()


def test_the_feedback_admin_list_shows_a_stored_year_1_or_9999(client, ehr, admin_client):
    _, card = _feedback(client)
    stored = CdsCard.objects.get(uuid=card["uuid"])
    for year in (1, 9999):
        CdsFeedback.objects.create(
            card=stored,
            outcome="accepted",
            outcome_timestamp=datetime(year, 1 if year == 1 else 12, 1, tzinfo=UTC),
        )
    listing = admin_client.get(reverse("admin:interop_cdsfeedback_changelist"))
    assert listing.status_code == 200
    assert "0001-01-01" in listing.content.decode()
    row = CdsFeedback.objects.order_by("outcome_timestamp").first()
    page = admin_client.get(reverse("admin:interop_cdsfeedback_change", args=[row.pk]))
    assert page.status_code == 200


def test_one_card_gets_one_feedback_item_per_call(client, ehr):
    patient = PatientFactory()
    screened("V01", patient=patient)
    (card,) = call(client, hook_call(patient)).json()["cards"]
    body = _with_our_card(EXAMPLES["feedback_accepted"], card["uuid"])
    body["feedback"] = body["feedback"] * 3
    response = call(client, body, url=FEEDBACK)
    assert response.status_code == 400
    assert response.json()["field"] == "feedback[1].card"
    assert not CdsFeedback.objects.exists()


PER_CARD = getattr(service, "MAX_FEEDBACK_PER_CARD", 10)


def test_a_card_keeps_at_most_a_few_feedback_rows(client, ehr):
    patient = PatientFactory()
    screened("V01", patient=patient)
    (card,) = call(client, hook_call(patient)).json()["cards"]
    body = _with_our_card(EXAMPLES["feedback_accepted"], card["uuid"])
    for _ in range(PER_CARD):
        assert call(client, body, url=FEEDBACK).status_code == 200
    response = call(client, body, url=FEEDBACK)
    assert response.status_code == 400 and "already" in response.json()["error"]
    assert CdsFeedback.objects.count() == PER_CARD


def test_two_identities_naming_different_patients_are_400(client, ehr):
    named_by_mrn, named_by_id = PatientFactory(), PatientFactory()
    screened("V01", patient=named_by_mrn)
    screened("V17", patient=named_by_id)
    body = hook_call(named_by_mrn)
    body["context"] = {**body["context"], "patientId": str(named_by_id.uuid)}
    response = call(client, body)
    assert response.status_code == 400
    assert response.json()["field"] == "context.patientId"
    assert "different patient" in response.json()["error"]
    assert not CdsCard.objects.exists()


def test_two_identities_naming_the_same_patient_are_fine(client, ehr):
    patient = PatientFactory()
    screened("V01", patient=patient)
    body = hook_call(patient)
    body["context"] = {**body["context"], "patientId": str(patient.uuid)}
    assert len(call(client, body).json()["cards"]) == 1


def test_a_stored_response_is_recognised_by_its_answers_not_its_id_or_meta(
    client, staff_client, ehr, settings
):
    settings.AMPS_CDS_STORE_RESPONSES = True
    source = IntakeFactory(example_id="V17")
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[source.uuid])).json()
    patient = PatientFactory()
    for variant in ({"id": "a"}, {"id": "b", "meta": {"versionId": "7"}}):
        body = hook_call(patient)
        body["prefetch"]["questionnaireResponses"] = {**qr, **variant}
        assert len(call(client, body).json()["cards"]) == 1
    assert patient.intakes.count() == 1


# -- Pages ------------------------------------------------------------------------------------


def test_a_nul_kept_in_the_session_by_the_queue_search_does_not_break_the_queue(rheum_client):
    session = rheum_client.session
    session[QUEUE_SEARCH_SESSION_KEY] = "MRN\x00"
    session.save()
    assert rheum_client.get(reverse("intake:review_queue")).status_code == 200
    assert QUEUE_SEARCH_SESSION_KEY not in rheum_client.session


def test_a_nul_posted_to_the_queue_search_is_refused_and_not_kept(rheum_client):
    response = rheum_client.post(reverse("intake:review_queue"), {"mrn": "MRN\x00"}, follow=True)
    assert response.status_code == 200
    assert "never has" in response.content.decode()
    assert rheum_client.session.get(QUEUE_SEARCH_SESSION_KEY, "") == ""


def test_a_plan_definition_version_in_other_digits_is_404(staff_client):
    for reference in ("amps-criteria|²", "amps-criteria|٥", "amps-criteria-５"):
        response = staff_client.get(reverse("interop:plan_definition", args=[reference]))
        assert response.status_code == 404


def test_a_history_version_that_is_not_a_number_is_404(admin_client):
    from documents.models import ClinicDetails

    details = ClinicDetails.objects.first() or ClinicDetails.objects.create(clinic_name="C")
    response = admin_client.get(f"/admin/documents/clinicdetails/{details.pk}/history/abc/")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("pain_duration_weeks", "٥"),
        ("pain_duration_weeks", "５"),
        ("date_of_birth", "٢٠١٢-01-01"),
        ("intake_date", "２０２５-01-01"),
    ],
)
def test_non_ascii_digits_are_refused_beside_the_intake_field(staff_client, field, value):
    data = form_data()
    data[field] = value
    response = staff_client.post(reverse("intake:intake_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()[field][0].code == "not_ascii"
    assert value in response.content.decode()  # kept as typed
    assert not Intake.objects.exists()


def test_a_number_pasted_with_a_non_breaking_space_is_read_as_django_reads_it():
    from amps_screen.fields import IntegerField

    assert IntegerField().clean("5\xa0") == 5
    with pytest.raises(ValidationError):
        IntegerField().clean("5\xa05")


def test_non_ascii_digits_are_refused_beside_the_identity_correction_field(staff_client):
    from tests.test_patients import correct_url, correction

    patient = PatientFactory()
    url = correct_url(patient)
    response = staff_client.post(url, correction(patient, date_of_birth="٢٠١٢-01-01"))
    assert response.status_code == 200
    assert response.context["form"].errors.as_data()["date_of_birth"][0].code == "not_ascii"


# -- Enrolment codes --------------------------------------------------------------------------


def test_enrolment_code_guesses_lock_the_user_out_like_passwords(settings, alice):
    settings.AMPS_REQUIRE_2FA = True
    issue_enrolment_code(user=alice)
    browser = Client()
    browser.force_login(alice)
    setup = "/accounts/2fa/setup/"
    statuses = [
        browser.post(setup, {"enrolment_code": f"AAAA-BBBB-CC{n + 2}A"}).status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]
    assert statuses[:-1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert statuses[-1] == 429  # the fifth wrong code locks, as a fifth wrong password does
    assert "_auth_user_id" not in browser.session  # and ends the session
    # The password alone no longer signs in either, until the cool-off or an unlock.
    response = Client().post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 429
    assert User.objects.get(pk=alice.pk).is_active


def test_a_request_with_a_nul_in_the_query_string_is_400(staff_client):
    assert staff_client.get("/intakes/?q=%00").status_code == 400


def test_a_surrogate_spelt_as_a_json_escape_in_a_json_body_is_400(client, ehr):
    body = json.dumps(hook_call(PatientFactory())).replace('"context"', '"\\ud800": 1, "context"')
    response = client.post(SERVICE, body, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token()}")  # fmt: skip
    assert response.status_code == 400


# -- The classes: every form of ours reads numbers and dates through amps_screen.fields --------


def _our_form_classes():
    import importlib
    import pkgutil

    from django import forms
    from django.apps import apps

    ours = ("intake", "accounts", "audit", "exports", "imports", "documents", "jobs", "interop",
            "privacy", "smart", "sso")  # fmt: skip
    for app in ours:
        package = apps.get_app_config(app).module
        names = [f"{package.__name__}.forms"]
        forms_module = importlib.util.find_spec(names[0])
        if forms_module is None:
            continue
        if forms_module.submodule_search_locations:
            names += [
                f"{names[0]}.{info.name}"
                for info in pkgutil.iter_modules(forms_module.submodule_search_locations)
            ]
        for name in names:
            module = importlib.import_module(name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, forms.BaseForm)
                    and value.__module__ == name
                ):
                    yield value


def test_every_number_and_date_field_of_our_forms_is_a_strict_one():
    from amps_screen.fields import REPLACED, STRICT
    from intake.forms import IntakeForm

    checked = 0
    loose = []
    for form_class in _our_form_classes():
        for name, field in form_class.base_fields.items():
            checked += 1
            if isinstance(field, REPLACED) and not isinstance(field, STRICT):
                loose.append(f"{form_class.__name__}.{name}")
    for name, field in IntakeForm().fields.items():
        if isinstance(field, REPLACED) and not isinstance(field, STRICT):
            loose.append(f"IntakeForm.{name}")
    assert checked > 20
    assert loose == []
