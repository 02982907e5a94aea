"""The CDS Hooks 2.0 service: discovery, the card, the JWT checks the spec requires, feedback.

The requests, feedback bodies and the JWT/JWKS are the spec's own examples
(tests/data/cds_hooks_examples.json); the EHR's key is the spec's example ES384 key."""

import base64
import copy
import hashlib
import hmac
import json
import time
import uuid
from io import StringIO
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AccessEvent
from intake import services
from intake.models import Intake, Screening
from interop.cds.suggestions import Suggestion
from interop.fhir.resources import matched_criteria
from interop.models import CdsCard, CdsClient, CdsFeedback, UsedJwtId
from tests.factories import IntakeFactory, PatientFactory
from tests.fhir_validation import assert_cds_response_valid
from tests.interop_helpers import items, screened, validate

EXAMPLES = json.loads(
    (Path(__file__).parent / "data" / "cds_hooks_examples.json").read_text(encoding="utf-8")
)
ISSUER = EXAMPLES["jwt_payload"]["iss"]
TENANT = EXAMPLES["jwt_payload"]["tenant"]
SERVICE = reverse("interop:cds_service")
FEEDBACK = reverse("interop:cds_feedback")
AUDIENCE = f"http://testserver{SERVICE}"
SPEC_KEY = jwt.PyJWK(EXAMPLES["jwk_private"]).key


@pytest.fixture
def ehr(db):
    """The spec's example EHR, allow-listed with its example public JWK Set and tenant."""
    return CdsClient.objects.create(
        label="Example EHR", issuer=ISSUER, jwks=EXAMPLES["jwks_public"], tenant=TENANT
    )


def token(*, key=SPEC_KEY, alg="ES384", kid="example-kid", aud=AUDIENCE, **claims) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": aud,
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
        "tenant": TENANT,
        **claims,
    }
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm=alg, headers={"kid": kid, "typ": "JWT"})


def call(client, body, *, jwt_token=None, url=SERVICE, **extra):
    """POST a call; every answer with cards is checked against the CDS Hooks 2.0 response
    schema (tests/data/cds_hooks_2_0_response.schema.json): every test's cards are."""
    headers = {"HTTP_AUTHORIZATION": f"Bearer {jwt_token or token(aud=f'http://testserver{url}')}"}
    response = client.post(
        url, json.dumps(body), content_type="application/json", **headers, **extra
    )
    if response.status_code == 200 and url == SERVICE:
        assert_cds_response_valid(response.json())
    return response


def hook_call(patient=None, **changes) -> dict:
    """The spec's example call, its prefetch under our keys: the patient with our MRN."""
    body = copy.deepcopy(EXAMPLES["call"])
    prefetched = body["prefetch"].pop("patientToGreet")
    if patient is not None:
        prefetched["identifier"] = [
            {"system": "http://testserver/fhir/sid/mrn", "value": patient.mrn}
        ]
    body["prefetch"]["patient"] = prefetched
    body.update(changes)
    return body


# -- Discovery --------------------------------------------------------------------------------


def test_discovery_lists_the_service_with_its_prefetch(client, db):
    body = client.get(reverse("interop:cds_discovery")).json()
    (entry,) = body["services"]
    assert entry["id"] == "amps-screen" and entry["hook"] == "patient-view"
    assert entry["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert entry["prefetch"]["questionnaireResponses"].startswith(
        "QuestionnaireResponse?subject={{context.patientId}}"
    )
    assert None not in entry.values()


# -- The card ---------------------------------------------------------------------------------


def test_a_signed_call_gets_a_card_from_the_latest_screening(client, ehr):
    patient = PatientFactory()
    screened("V01", patient=patient)
    latest = screened("V17", patient=patient)  # febrile: refer
    response = call(client, hook_call(patient))
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["summary"].startswith("AMPS screen: refer — Urgent — within 48 hours (fever")
    assert len(card["summary"]) < 140
    assert card["indicator"] == "warning"  # an urgent referral, not an emergency
    assert card["source"]["label"] == f"AMPS screen (criteria v{latest.criteria_set.version})"
    assert card["source"]["url"] == (
        "http://testserver/fhir/PlanDefinition?url=http%3A%2F%2Ftestserver%2Ffhir%2F"
        f"PlanDefinition%2Famps-criteria&version={latest.criteria_set.version}"
    )  # a valid URL (the canonical url|version is not one): the search for that version
    assert "- Fever (`rf_fever`)" in card["detail"]
    assert card["links"] == [
        {"label": "Open the case in AMPS screen",
         "url": f"http://testserver/intakes/{latest.intake.uuid}/", "type": "absolute"},
        # The EHR opens our own SMART launch (it adds iss and launch).
        {"label": "Open the case (SMART app)", "url": "http://testserver/smart/launch",
         "type": "smart", "appContext": json.dumps({"intake": str(latest.intake.uuid)})},
    ]  # fmt: skip
    assert card["selectionBehavior"] == "at-most-one" and len(card["suggestions"]) == 1
    assert all(reason["display"] for reason in card["overrideReasons"])
    assert CdsCard.objects.get(uuid=card["uuid"]).screening == latest


def test_a_call_takes_the_same_few_queries_however_many_visits(
    client, ehr, django_assert_num_queries
):
    """Issuer, jti (stored within its own savepoint pair, so that a concurrent replay's
    IntegrityError is refused without spoiling the request), latest screening, card,
    access-log entry, and the transaction's savepoint pair: no field the card needs is left
    to a lazy load."""
    patient = PatientFactory()
    for code in ("V01", "V06", "V17"):
        screened(code, patient=patient)
    call(client, hook_call(patient))  # warm: the published set's compiled rules
    with django_assert_num_queries(9):
        response = call(client, hook_call(patient))
    assert response.json()["cards"][0]["summary"].startswith("AMPS screen: refer")


def test_the_card_is_made_without_reading_the_trace_or_the_criteria_set(client, ehr):
    """The screening is read without its trace (20 kB) and without joining its criteria set:
    the matched criteria and the version come from the set, kept per process; the card names
    exactly what the stored trace says matched, in the same order."""
    patient = PatientFactory()
    latest = screened("V17", patient=patient, joint_swelling_observed=True, night_pain=True)
    call(client, hook_call(patient))  # warm: the published set, read and compiled once
    with CaptureQueriesContext(connection) as queries:
        response = call(client, hook_call(patient))
    statements = [query["sql"] for query in queries.captured_queries]
    (read,) = [sql for sql in statements if sql.startswith('SELECT "intake_screening"')]
    assert '"intake_screening"."trace"' not in read
    assert not [sql for sql in statements if "intake_criteriaset" in sql]
    detail = response.json()["cards"][0]["detail"]
    flags = [code for code, _, _ in matched_criteria(latest.trace, ("red_flag",))]
    assert len(flags) >= 3 and all(f"(`{code}`)" in detail for code in flags)
    where = [detail.index(f"(`{code}`)") for code in flags]
    assert where == sorted(where)  # in the trace's order
    suggestion = Suggestion.of_screening(Screening.objects.get(pk=latest.pk))
    assert suggestion.trace == [
        {"code": code, "kind": kind, "name": name, "matched": True}
        for code, kind, name in matched_criteria(latest.trace)
    ]


def test_a_code_its_set_does_not_have_is_named_from_the_stored_trace(client, ehr):
    patient = PatientFactory()
    latest = screened("V17", patient=patient)
    trace = [*latest.trace, {"code": "rf_gone", "kind": "red_flag", "name": "A flag since removed",
                             "matched": True, "comparisons": []}]  # fmt: skip
    Screening.objects.filter(pk=latest.pk).update(
        red_flags=[*latest.red_flags, "rf_gone"], trace=trace
    )
    detail = call(client, hook_call(patient)).json()["cards"][0]["detail"]
    assert "- A flag since removed (`rf_gone`)" in detail


def test_optional_card_fields_are_omitted_not_null(client, ehr):
    patient = PatientFactory()
    screened("V01", patient=patient)
    (card,) = call(client, hook_call(patient)).json()["cards"]

    def no_nulls(value):
        if isinstance(value, dict):
            return all(v not in (None, "", [], {}) and no_nulls(v) for v in value.values())
        if isinstance(value, list):
            return all(no_nulls(v) for v in value)
        return True

    assert no_nulls(card)


@pytest.mark.parametrize(
    ("example_id", "changes", "urgency", "indicator", "summary"),
    [
        ("V01", {}, "", "info", "AMPS screen: consider AMPS ("),
        ("V01", {"morning_stiffness_minutes": 45}, "routine", "warning",
         "AMPS screen: refer — Routine — next routine clinic ("),
        ("V17", {}, "urgent", "warning", "AMPS screen: refer — Urgent — within 48 hours (fever"),
        ("V17", {"non_weight_bearing": True}, "emergency", "critical",
         "AMPS screen: refer — Emergency — now / same day ("),
    ],
)  # fmt: skip
def test_a_card_signed_for_by_a_configured_key_has_the_indicator_of_its_urgency(
    client, ehr, example_id, changes, urgency, indicator, summary
):
    patient = PatientFactory()
    screening = screened(example_id, patient=patient, **changes)
    assert screening.urgency == urgency
    (card,) = call(client, hook_call(patient)).json()["cards"]
    assert card["indicator"] == indicator
    assert card["summary"].startswith(summary) and len(card["summary"]) < 140
    if urgency:
        assert f"urgency: {urgency.capitalize()}" in card["detail"]


def test_the_patient_may_be_named_by_our_patient_id(client, ehr):
    patient = PatientFactory()
    screened("V01", patient=patient)
    body = hook_call(context={"userId": "Practitioner/1", "patientId": str(patient.uuid)})
    del body["prefetch"]["patient"]
    assert len(call(client, body).json()["cards"]) == 1


# Not named `context`: that is Playwright's browser-context fixture, and a test asking for it
# is moved among the browser tests (after whose database flush the role groups are gone).
@pytest.mark.parametrize("hook_context", EXAMPLES["patient_view_contexts"])
def test_an_unknown_patient_gets_no_cards(client, ehr, hook_context):
    body = hook_call(PatientFactory.build(), context=hook_context)
    response = call(client, body)
    assert response.status_code == 200
    assert response.json() == {"cards": []}


def test_a_patient_without_a_screening_gets_no_cards(client, ehr):
    patient = PatientFactory()
    assert call(client, hook_call(patient)).json() == {"cards": []}


def test_a_null_prefetch_means_no_data_and_no_cards(client, ehr):
    body = hook_call()
    body["prefetch"]["patient"] = None
    assert call(client, body).json() == {"cards": []}


def test_without_the_patient_prefetch_the_service_answers_412(client, ehr):
    body = hook_call()
    del body["prefetch"]["patient"]
    response = call(client, body)
    assert response.status_code == 412
    assert response.json()["field"] == "prefetch"


def test_the_call_is_in_the_access_log_under_the_ehrs_label(client, ehr):
    patient = PatientFactory()
    screening = screened("V01", patient=patient)
    call(client, hook_call(patient))
    event = AccessEvent.objects.get()
    assert (event.user, event.client, event.action) == (None, "Example EHR", "api_read")
    assert event.patient == patient and event.intake == screening.intake


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"hook": "order-sign"}, "hook"),
        ({"hookInstance": None}, "hookInstance"),
        ({"context": "1288992"}, "context"),
        ({"context": {"userId": "Practitioner/1"}}, "context.patientId"),
        ({"prefetch": []}, "prefetch"),
        ({"fhirServer": None}, "fhirServer"),
    ],
)
def test_a_malformed_call_is_400_naming_the_field(client, ehr, change, field):
    body = {**hook_call(), **change}
    body = {name: value for name, value in body.items() if value is not None}
    response = call(client, body)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_a_body_that_is_not_json_is_400(client, ehr):
    response = client.post(SERVICE, "{nope", content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token()}")  # fmt: skip
    assert response.status_code == 400 and response.json()["field"] == "body"


def test_a_request_over_the_size_limit_is_refused(client, ehr, settings):
    settings.AMPS_CDS_MAX_REQUEST_BYTES = 1000
    body = hook_call()
    body["prefetch"]["padding"] = "x" * 2000
    assert call(client, body).status_code == 413


# -- Security ---------------------------------------------------------------------------------


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _unsigned() -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 300, "iat": now, "jti": "x1",
              "tenant": TENANT}  # fmt: skip
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'example-kid'})}.{_b64(claims)}."


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda: "", id="no token"),
        pytest.param(_unsigned, id="alg none, unsigned"),
        pytest.param(lambda: token(exp=int(time.time()) - 120), id="expired"),
        pytest.param(lambda: token(iat=int(time.time()) + 600), id="issued in the future"),
        pytest.param(
            lambda: token(aud="https://other.example/cds-services/amps-screen"), id="wrong audience"
        ),
        pytest.param(
            lambda: token(key="shared-secret-shared-secret-32by", alg="HS256"), id="HMAC signed"
        ),
        pytest.param(lambda: token(iss="https://intruder.example/"), id="unknown issuer"),
        pytest.param(lambda: token(tenant="another-tenant"), id="wrong tenant"),
        pytest.param(lambda: token(jti=None), id="no jti"),
        pytest.param(lambda: token(kid="another-kid"), id="unknown kid"),
        pytest.param(
            lambda: token(key=ec.generate_private_key(ec.SECP384R1())), id="signed by another key"
        ),
        pytest.param(lambda: token(exp=int(time.time()) + 7200), id="lives too long"),
    ],
)
def test_a_call_without_a_valid_jwt_is_401(client, ehr, make_token):
    patient = PatientFactory()
    screened("V17", patient=patient)
    value = make_token()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {value}"} if value else {}
    response = client.post(SERVICE, json.dumps(hook_call(patient)),
                           content_type="application/json", **headers)  # fmt: skip
    assert response.status_code == 401
    assert "cards" not in response.json()
    assert not AccessEvent.objects.exists()


def test_a_replayed_jwt_is_401(client, ehr):
    patient = PatientFactory()
    screened("V01", patient=patient)
    once = token()
    assert call(client, hook_call(patient), jwt_token=once).status_code == 200
    assert call(client, hook_call(patient), jwt_token=once).status_code == 401
    assert UsedJwtId.objects.count() == 1


def test_the_hmac_key_confusion_attack_is_refused(client, ehr):
    """HS256 'signed' with the issuer's public key as the shared secret."""
    public_pem = SPEC_KEY.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "jti": "forged",
              "tenant": TENANT}  # fmt: skip
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'example-kid'})}.{_b64(claims)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    assert call(client, hook_call(), jwt_token=forged).status_code == 401


@pytest.mark.parametrize(
    ("alg", "private_key"),
    [
        ("ES256", ec.generate_private_key(ec.SECP256R1())),
        ("RS384", rsa.generate_private_key(public_exponent=65537, key_size=2048)),
    ],
)
def test_es256_and_rs384_keys_are_accepted_too(client, db, alg, private_key):
    algorithm = jwt.get_algorithm_by_name(alg)
    public = algorithm.to_jwk(private_key.public_key(), as_dict=True)
    CdsClient.objects.create(label="Other EHR", issuer=ISSUER,
                             jwks={"keys": [{**public, "kid": "k1"}]})  # fmt: skip
    patient = PatientFactory()
    screened("V17", patient=patient)
    signed = token(key=private_key, alg=alg, kid="k1")
    (card,) = call(client, hook_call(patient), jwt_token=signed).json()["cards"]
    assert card["indicator"] == "warning"


def test_es512_is_not_an_accepted_algorithm(client, db):
    private_key = ec.generate_private_key(ec.SECP521R1())
    public = jwt.get_algorithm_by_name("ES512").to_jwk(private_key.public_key(), as_dict=True)
    CdsClient.objects.create(label="EHR", issuer=ISSUER, jwks={"keys": [{**public, "kid": "k"}]})
    signed = token(key=private_key, alg="ES512", kid="k")
    assert call(client, hook_call(), jwt_token=signed).status_code == 401


def test_an_inactive_client_is_refused(client, ehr):
    CdsClient.objects.filter(pk=ehr.pk).update(active=False)
    assert call(client, hook_call()).status_code == 401


def test_a_jku_other_than_the_allowed_one_is_refused(client, ehr):
    CdsClient.objects.filter(pk=ehr.pk).update(jku=EXAMPLES["jwt_header"]["jku"])
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "exp": now + 60, "iat": now, "tenant": TENANT}
    for jku, status in (("https://evil.example/jwks", 401), (EXAMPLES["jwt_header"]["jku"], 200)):
        signed = jwt.encode({**claims, "jti": jku}, SPEC_KEY, algorithm="ES384",
                            headers={"kid": "example-kid", "jku": jku})  # fmt: skip
        assert call(client, hook_call(), jwt_token=signed).status_code == status


def test_cors_headers_only_for_the_configured_ehr_origin(client, ehr, settings):
    settings.CORS_ALLOWED_ORIGINS = ["https://ehr.example.org"]
    preflight = client.options(
        SERVICE,
        HTTP_ORIGIN="https://ehr.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="authorization, content-type",
    )
    assert preflight["Access-Control-Allow-Origin"] == "https://ehr.example.org"
    assert "authorization" in preflight["Access-Control-Allow-Headers"]
    other = client.options(SERVICE, HTTP_ORIGIN="https://evil.example",
                           HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")  # fmt: skip
    assert "Access-Control-Allow-Origin" not in other
    fhir = client.get(reverse("interop:questionnaire"), HTTP_ORIGIN="https://ehr.example.org")
    assert "Access-Control-Allow-Origin" not in fhir


# -- Prefetched QuestionnaireResponse ---------------------------------------------------------


@pytest.mark.parametrize("example_id", ["V01", "V02", "V06", "V16", "V17", "V33"])
def test_our_own_questionnaire_response_round_trips_to_the_same_suggestion(
    client, staff_client, ehr, example_id
):
    intake = IntakeFactory(example_id=example_id)
    screening = services.screen_intake(intake=intake)
    response = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid]))
    body = hook_call()  # the spec's example patient: not one of ours
    body["prefetch"]["questionnaireResponses"] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": response.json()}],
    }
    validate(body["prefetch"]["questionnaireResponses"])
    cards_before = CdsCard.objects.count()
    (card,) = call(client, body).json()["cards"]
    stored = CdsCard.objects.get(uuid=card["uuid"])
    assert stored.from_prefetch and stored.screening is None
    assert stored.outcome == screening.outcome
    from_stored = call(client, hook_call(intake.patient)).json()["cards"][0]
    assert card["summary"] == from_stored["summary"]
    assert card["indicator"] == from_stored["indicator"]
    assert card["detail"].split("\n\nScreened")[0] == from_stored["detail"].split("\n\nScreened")[0]
    assert CdsCard.objects.count() == cards_before + 2
    assert "links" not in card  # no stored case to open


def test_a_prefetched_response_is_screened_without_storing_anything(client, staff_client, ehr):
    intake = IntakeFactory(example_id="V17")
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid])).json()
    screenings = intake.screenings.count()
    body = hook_call()
    body["prefetch"]["questionnaireResponses"] = qr  # a single resource is accepted too
    (card,) = call(client, body).json()["cards"]
    assert card["summary"].startswith("AMPS screen: refer")
    assert intake.screenings.count() == screenings


def test_a_configured_service_stores_a_prefetched_response_once_as_an_intake(
    client, staff_client, ehr, settings
):
    """AMPS_CDS_STORE_RESPONSES: the EHR's completed questionnaire becomes a submitted intake
    of the patient we know by MRN (made by the EHR's account), once, and the card opens it."""
    settings.AMPS_CDS_STORE_RESPONSES = True
    source = IntakeFactory(example_id="V17")  # the answers the EHR will send back
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[source.uuid])).json()
    patient = PatientFactory()
    body = hook_call(patient)
    body["prefetch"]["questionnaireResponses"] = qr
    (card,) = call(client, body).json()["cards"]
    (stored,) = patient.intakes.all()
    assert stored.status == "submitted" and stored.current_screening.outcome == "refer"
    assert stored.created_by.username == f"cds-client-{ehr.pk}"
    assert not stored.created_by.is_active and not stored.created_by.has_usable_password()
    assert stored.intake_date == source.intake_date
    assert card["summary"].startswith("AMPS screen: refer")
    assert card["links"][0]["url"] == f"http://testserver/intakes/{stored.uuid}/"
    case = staff_client.get(reverse("intake:intake_detail", args=[stored.uuid]))
    assert case.status_code == 200 and ehr.label in case.content.decode()
    assert CdsCard.objects.get(uuid=card["uuid"]).screening == stored.current_screening
    assert (patient.given_name, patient.family_name) == tuple(
        type(patient).objects.filter(pk=patient.pk).values_list("given_name", "family_name")[0]
    )  # the response never changes who the patient is

    body = hook_call(patient)  # the chart opened again: the same response
    body["prefetch"]["questionnaireResponses"] = qr
    (again,) = call(client, body).json()["cards"]
    assert patient.intakes.count() == 1
    assert again["links"] == card["links"]


def test_a_stored_response_is_screened_once(client, staff_client, ehr, settings, monkeypatch):
    from intake.rules.engine import CompiledCriteria

    settings.AMPS_CDS_STORE_RESPONSES = True
    source = IntakeFactory(example_id="V17")
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[source.uuid])).json()
    body = hook_call(PatientFactory())
    body["prefetch"]["questionnaireResponses"] = qr
    evaluations = []
    evaluate = CompiledCriteria.evaluate
    monkeypatch.setattr(
        CompiledCriteria,
        "evaluate",
        lambda self, *args, **kwargs: evaluations.append(1) or evaluate(self, *args, **kwargs),
    )
    (card,) = call(client, body).json()["cards"]
    assert card["summary"].startswith("AMPS screen: refer")
    assert len(evaluations) == 1


def test_a_stored_response_needs_a_patient_we_know(client, staff_client, ehr, settings):
    settings.AMPS_CDS_STORE_RESPONSES = True
    source = IntakeFactory(example_id="V17")
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[source.uuid])).json()
    intakes = Intake.objects.count()
    body = hook_call()  # the spec's example patient: no MRN of ours
    body["prefetch"]["questionnaireResponses"] = qr
    (card,) = call(client, body).json()["cards"]
    assert card["summary"].startswith("AMPS screen: refer") and "links" not in card
    assert Intake.objects.count() == intakes


@pytest.mark.parametrize(
    "change",
    [
        {"item": [{}]},
        {"item": "ab"},
        {"item": [{"linkId": "intake_date", "answer": {"a": 1}}]},
        {"item": [{"linkId": "pain_sites", "item": 5}]},
    ],
    ids=["item-without-linkId", "items-not-a-list", "answers-not-a-list", "nested-not-a-list"],
)
def test_a_malformed_prefetched_response_falls_back_to_the_stored_screening(
    client, staff_client, ehr, change, caplog
):
    """No red flag can be read from it: the stored screening's card, and the info card
    saying the response could not be screened."""
    patient = PatientFactory()
    screened("V17", patient=patient)
    qr = staff_client.get(
        reverse("interop:questionnaire_response", args=[IntakeFactory(example_id="V01").uuid])
    ).json()
    body = hook_call(patient)
    body["prefetch"]["questionnaireResponses"] = {**qr, **change}
    body["prefetch"]["patient"]["gender"] = ["female"]  # not a code: ignored, not a crash
    caplog.set_level("INFO", logger="interop.cds.service")
    response = call(client, body)
    assert response.status_code == 200
    card, incomplete = response.json()["cards"]
    assert card["summary"].startswith("AMPS screen: refer")  # the stored V17 screening
    assert incomplete["summary"].startswith("AMPS screen: screening incomplete")
    assert incomplete["indicator"] == "info"
    assert "not 25" not in caplog.text and "now 7" not in caplog.text


@pytest.mark.parametrize(
    "prefetch",
    [{"questionnaireResponses": {"resourceType": "Bundle", "entry": 5}},
     {"patient": {"resourceType": "Patient", "identifier": 5}}],
    ids=["entries-not-a-list", "identifiers-not-a-list"],
)  # fmt: skip
def test_malformed_prefetched_values_are_no_data_not_an_error(client, ehr, prefetch):
    body = hook_call()
    body["prefetch"].update(prefetch)
    response = call(client, body)
    assert response.status_code in (200, 412)
    assert response.json().get("cards", []) == []


def test_a_body_nested_too_deep_is_400(client, ehr):
    body = b'{"hook": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token()}"}
    response = client.post(SERVICE, body, content_type="application/json", **headers)
    assert response.status_code == 400


def test_an_in_progress_or_foreign_response_is_not_screened(client, staff_client, ehr):
    intake = IntakeFactory(example_id="V17")
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid])).json()
    for change in ({"status": "in-progress"}, {"questionnaire": "http://other.example/Q/1"}):
        body = hook_call()
        body["prefetch"]["questionnaireResponses"] = {**qr, **change}
        assert call(client, body).json() == {"cards": []}


def test_a_response_with_a_wrong_answer_still_gives_its_red_flags(client, staff_client, ehr):
    intake = IntakeFactory(example_id="V17")  # febrile: an urgent referral
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid])).json()
    items(qr)["age_years"]["answer"] = [{"valueString": "eleven"}]
    body = hook_call()
    body["prefetch"]["questionnaireResponses"] = qr
    response = call(client, body)
    assert response.status_code == 200
    referral, incomplete = response.json()["cards"]
    assert referral["summary"].startswith("AMPS screen: refer — Urgent — within 48 hours (fever")
    assert "incomplete prefetched questionnaire" in referral["detail"]
    assert "**Age \\(completed years\\)**: an answer of the wrong type" in incomplete["detail"]


# -- Feedback ---------------------------------------------------------------------------------


def _with_our_card(example: dict, card_uuid: str) -> dict:
    body = copy.deepcopy(example)
    for item in body["feedback"]:
        item["card"] = card_uuid
    return body


@pytest.mark.parametrize(
    "example", ["feedback_accepted", "feedback_overridden", "feedback_overridden_with_reason"]
)
def test_feedback_from_the_spec_examples_is_stored(client, ehr, example):
    patient = PatientFactory()
    screened("V01", patient=patient)
    (card,) = call(client, hook_call(patient)).json()["cards"]
    body = _with_our_card(EXAMPLES[example], card["uuid"])
    response = call(client, body, url=FEEDBACK)
    assert response.status_code == 200
    stored = CdsFeedback.objects.get()
    assert stored.card.uuid == uuid.UUID(card["uuid"])
    assert stored.outcome == body["feedback"][0]["outcome"]
    if example == "feedback_overridden_with_reason":
        assert stored.override_reason == "d7ecf885"
        assert stored.user_comment == "A comment entered by the clinician."


def test_feedback_on_an_unknown_card_is_400_and_stores_nothing(client, ehr):
    response = call(client, EXAMPLES["feedback_accepted"], url=FEEDBACK)
    assert response.status_code == 400
    assert response.json()["field"] == "feedback[0].card"
    assert not CdsFeedback.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"outcome": "ignored"}, "feedback[0].outcome"),
        ({"outcomeTimestamp": "yesterday"}, "feedback[0].outcomeTimestamp"),
        ({"acceptedSuggestions": []}, "feedback[0].acceptedSuggestions"),
        ({"overrideReason": {"userComment": "x"}}, "feedback[0].overrideReason"),
    ],
)
def test_bad_feedback_is_400_naming_the_field(client, ehr, change, field):
    patient = PatientFactory()
    screened("V01", patient=patient)
    (card,) = call(client, hook_call(patient)).json()["cards"]
    body = _with_our_card(EXAMPLES["feedback_accepted"], card["uuid"])
    body["feedback"][0].update(change)
    response = call(client, body, url=FEEDBACK)
    assert response.status_code == 400
    assert response.json()["field"] == field


def test_feedback_needs_a_valid_jwt_too(client, ehr):
    response = client.post(FEEDBACK, json.dumps(EXAMPLES["feedback_accepted"]),
                           content_type="application/json")  # fmt: skip
    assert response.status_code == 401


def test_feedback_is_counted_beside_the_agreement_figures(client, ehr, rheum_client):
    patient = PatientFactory()
    screened("V01", patient=patient)
    (card,) = call(client, hook_call(patient)).json()["cards"]
    call(client, _with_our_card(EXAMPLES["feedback_accepted"], card["uuid"]), url=FEEDBACK)
    call(client, _with_our_card(EXAMPLES["feedback_overridden"], card["uuid"]), url=FEEDBACK)
    version = CdsCard.objects.get(uuid=card["uuid"]).criteria_version
    page = rheum_client.get(reverse("intake:review_agreement")).content.decode()
    assert "Cards in the EHR (CDS Hooks feedback)" in page
    assert f"<tr><td>v{version}</td><td>1</td><td>1</td><td>1</td></tr>" in page


# -- add_cds_client ---------------------------------------------------------------------------


def test_add_cds_client_allow_lists_an_issuer_with_its_keys(tmp_path, db):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(EXAMPLES["jwks_public"]))
    out = StringIO()
    call_command("add_cds_client", "--iss", ISSUER, "--jwks-file", str(jwks),
                 "--tenant", TENANT, stdout=out)  # fmt: skip
    client = CdsClient.objects.get(issuer=ISSUER)
    assert client.tenant == TENANT and client.jwks == EXAMPLES["jwks_public"]
    assert "Added" in out.getvalue()


def test_add_cds_client_refuses_a_private_or_symmetric_key(tmp_path, db):
    for jwks in (
        {"keys": [EXAMPLES["jwk_private"]]},
        {"keys": [{"kty": "oct", "k": "c2Vj", "kid": "s"}]},
    ):
        path = tmp_path / "jwks.json"
        path.write_text(json.dumps(jwks))
        with pytest.raises(CommandError):
            call_command("add_cds_client", "--iss", ISSUER, "--jwks-file", str(path))
    assert not CdsClient.objects.exists()


def test_age_and_sex_missing_from_a_response_come_from_the_prefetched_patient(
    client, staff_client, ehr
):
    intake = IntakeFactory(example_id="V01")
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid])).json()
    patient_group = qr["item"][0]
    patient_group["item"] = [
        i for i in patient_group["item"] if i["linkId"] not in ("age_years", "sex")
    ]
    body = hook_call()
    body["prefetch"]["patient"]["gender"] = "female"
    body["prefetch"]["questionnaireResponses"] = qr
    no_birth_date = copy.deepcopy(body)
    del no_birth_date["prefetch"]["patient"]["birthDate"]
    (incomplete,) = call(client, no_birth_date).json()["cards"]  # no age: not screened whole
    assert "Not answered: Age \\(completed years\\)." in incomplete["detail"]
    body["prefetch"]["patient"]["birthDate"] = f"{intake.intake_date.year - 13}-01-01"
    (card,) = call(client, body).json()["cards"]
    assert card["summary"].startswith("AMPS screen: consider AMPS")


@pytest.mark.parametrize("model", [CdsCard, CdsFeedback])
def test_cards_and_feedback_are_read_only_in_the_admin_even_for_a_superuser(model, rf, db):
    from django.contrib import admin
    from django.contrib.auth import get_user_model

    request = rf.get("/admin/")
    request.user = get_user_model().objects.create_superuser("root", password="x" * 16)
    model_admin = admin.site._registry[model]
    assert model_admin.has_view_permission(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_a_jti_is_stored_once_and_the_refusal_leaves_the_transaction_usable(db):
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from interop.cds.security import _insert_once

    expires = timezone.now() + timedelta(minutes=5)
    with transaction.atomic():
        assert _insert_once(ISSUER, "only-once", expires)
        assert not _insert_once(ISSUER, "only-once", expires)
        assert _insert_once("https://other.example", "only-once", expires)  # per issuer
        assert UsedJwtId.objects.filter(jti="only-once").count() == 2
