"""The CDS Hooks service is never silent (issue 28, point 3): a prefetched questionnaire it
cannot screen whole still gives the referral card for its red flags and an info card naming
each problem by its question; a missing or failed prefetch is read from the EHR's FHIR server
(only an allow-listed one, over https); a signed review changes the card."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

from audit.models import AccessEvent
from intake import services
from interop.cds import fetching
from interop.cds.service import _md
from interop.models import CdsCard, CdsClient
from tests.factories import IntakeFactory, PatientFactory
from tests.fhir_stub import FhirStub
from tests.fhir_validation import assert_cds_response_valid
from tests.interop_helpers import items, screened
from tests.test_interop_cds import EXAMPLES, ISSUER, TENANT, call, hook_call

FEVER_AND_NON_WEIGHT_BEARING = {"fever": True, "non_weight_bearing": True}


@pytest.fixture
def ehr(db):
    """The spec's example EHR (as in test_interop_cds), no FHIR server configured."""
    return CdsClient.objects.create(
        label="Example EHR", issuer=ISSUER, jwks=EXAMPLES["jwks_public"], tenant=TENANT
    )


def _qr(staff_client, example_id="V01", **answers) -> dict:
    intake = IntakeFactory(example_id=example_id)
    qr = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid])).json()
    found = items(qr)
    for name, value in answers.items():
        found[name]["answer"] = [{"valueBoolean": value}]
    return qr


def _code(qr: dict, name: str, *codes: str) -> None:
    item = items(qr)[name]
    template = item["answer"][0]["valueCoding"]
    item["answer"] = [{"valueCoding": {**template, "code": code}} for code in codes]
    for answer in item["answer"]:
        answer["valueCoding"].pop("display", None)


def _int(qr: dict, name: str, value: int | None) -> None:
    item = items(qr)[name]
    item["answer"] = [] if value is None else [{"valueInteger": value}]
    if value is None:
        del item["answer"]


def _not_assessable_with_scores(qr):
    _code(qr, "pain_scale", "not_assessable")
    _int(qr, "pain_now", 4)


def _none_and_injury(qr):
    _code(qr, "triggers", "none", "injury")


def _fps_r_five(qr):
    _code(qr, "pain_scale", "fps_r")
    _int(qr, "pain_now", 5)
    _int(qr, "pain_worst", 6)


def _worst_below_now(qr):
    _int(qr, "pain_now", 7)
    _int(qr, "pain_worst", 3)


@pytest.mark.parametrize(
    ("defect", "question", "message"),
    [
        (_not_assessable_with_scores, "Pain now", "must be empty when the pain scale is not"),
        (_none_and_injury, "Triggers", "'none' cannot be combined with another trigger"),
        (_fps_r_five, "Pain now", "on the Faces Pain Scale-Revised must be 0, 2, 4, 6, 8 or 10"),
        (_worst_below_now, "Worst pain", "cannot be below pain_now (worst 3, now 7)"),
    ],
    ids=["not-assessable-with-scores", "none-and-injury", "fps-r-5", "worst-below-now"],
)
def test_the_issues_examples_still_give_the_emergency_referral(
    client, staff_client, ehr, defect, question, message
):
    qr = _qr(staff_client, **FEVER_AND_NON_WEIGHT_BEARING)
    defect(qr)
    body = hook_call()
    body["prefetch"]["questionnaireResponses"] = qr
    response = call(client, body)
    assert response.status_code == 200
    referral, incomplete = response.json()["cards"]
    assert referral["summary"].startswith("AMPS screen: refer — Emergency — now / same day (")
    assert referral["indicator"] == "critical"
    assert "rf_fever_non_weight_bearing" in referral["detail"]
    assert "AMPS pathways matched" not in referral["detail"]  # not judged on part of a form
    assert incomplete["indicator"] == "info"
    assert incomplete["summary"].startswith("AMPS screen: screening incomplete (")
    assert f"- **{question}**: " in incomplete["detail"]
    assert _md(message) in incomplete["detail"]
    assert "A red flag was answered yes: see the referral card." in incomplete["detail"]
    stored = CdsCard.objects.filter(uuid__in=[referral["uuid"], incomplete["uuid"]])
    assert sorted(stored.values_list("outcome", flat=True)) == ["incomplete", "refer"]


def test_red_flags_need_no_other_section(client, staff_client, ehr):
    """Only the red flags answered (fever yes, the rest no): the referral, and every other
    question listed as not answered by its text."""
    qr = _qr(staff_client, fever=True)
    red_flags = next(group for group in qr["item"] if "fever" in items(group))
    qr["item"] = [red_flags]
    body = hook_call()
    body["prefetch"]["questionnaireResponses"] = qr
    referral, incomplete = call(client, body).json()["cards"]
    assert referral["summary"].startswith("AMPS screen: refer — Urgent — within 48 hours (fever")
    assert "Not answered: " in incomplete["detail"]
    assert "Pain sites" in incomplete["detail"] and "pain_sites" not in incomplete["detail"]


def test_an_incomplete_form_without_a_red_flag_gets_the_info_card_alone(client, staff_client, ehr):
    qr = _qr(staff_client)  # V01: consider AMPS when whole
    _worst_below_now(qr)
    body = hook_call()
    body["prefetch"]["questionnaireResponses"] = qr
    (incomplete,) = call(client, body).json()["cards"]
    assert "No red flag was found among the answers that could be read." in incomplete["detail"]
    assert "consider AMPS" not in incomplete["summary"]


# -- Reading the EHR's FHIR server ---------------------------------------------------------------


@pytest.fixture
def loopback_http(settings):
    settings.AMPS_CDS_FHIR_ALLOW_HTTP = True


def _reads(stub, *, outcome=False, **changes) -> dict:
    """The spec's example call naming the stub as fhirServer, with no prefetch (or with the
    OperationOutcome of the EHR's failed prefetch)."""
    body = hook_call(fhirServer=stub.url, **changes)
    body["fhirAuthorization"]["access_token"] = "ehr-token-123"
    body["prefetch"] = {}
    if outcome:
        body["prefetch"]["questionnaireResponses"] = {
            "resourceType": "OperationOutcome",
            "issue": [{"severity": "error", "code": "timeout"}],
        }
    return body


@pytest.mark.parametrize("outcome", [False, True], ids=["no-prefetch", "operation-outcome"])
def test_without_a_usable_prefetch_the_service_reads_the_ehrs_fhir_server(
    client, staff_client, ehr, loopback_http, outcome
):
    patient = PatientFactory()
    qr = _qr(staff_client, "V17")
    fhir_patient = {
        "resourceType": "Patient",
        "id": "1288992",
        "identifier": [{"system": "http://testserver/fhir/sid/mrn", "value": patient.mrn}],
    }
    with FhirStub(patient=fhir_patient, responses=[qr]) as stub:
        ehr.fhir_server = stub.url
        ehr.save()
        response = call(client, _reads(stub, outcome=outcome))
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["summary"].startswith("AMPS screen: refer — Urgent — within 48 hours (fever")
    # The two reads go out together (their order is the server's).
    by_path = {r["path"]: r for r in stub.requests}
    assert set(by_path) == {"/fhir/Patient/1288992", "/fhir/QuestionnaireResponse"}
    search = by_path["/fhir/QuestionnaireResponse"]
    assert search["query"]["questionnaire"] == ["http://testserver/fhir/Questionnaire/amps-intake"]
    assert search["query"]["subject"] == ["Patient/1288992"]
    assert search["query"]["status"] == ["completed"]
    assert {r["authorization"] for r in stub.requests} == {"Bearer ehr-token-123"}
    event = AccessEvent.objects.filter(patient=patient).latest("pk")
    assert event.detail["resource"] == "cds-hooks/amps-screen"


def test_the_fhir_server_is_read_before_the_calls_transaction_opens(
    client, staff_client, ehr, loopback_http, monkeypatch
):
    """A slow EHR server must not keep a database connection waiting in a transaction: the
    reads happen with as many atomic blocks open as the test itself has, none of the view's."""
    patient = PatientFactory()
    qr = _qr(staff_client, "V17")
    fhir_patient = {
        "resourceType": "Patient",
        "id": "1288992",
        "identifier": [{"system": "http://testserver/fhir/sid/mrn", "value": patient.mrn}],
    }
    outside = len(connection.atomic_blocks)  # the test's own transaction
    seen = []
    read_all = fetching.read_all

    def watched(reads):
        seen.append(len(connection.atomic_blocks))
        return read_all(reads)

    monkeypatch.setattr(fetching, "read_all", watched)
    with FhirStub(patient=fhir_patient, responses=[qr]) as stub:
        ehr.fhir_server = stub.url
        ehr.save()
        response = call(client, _reads(stub, outcome=False))
    assert response.status_code == 200 and response.json()["cards"]
    assert seen == [outside]


def test_a_failed_read_spoils_no_other_read(client, staff_client, ehr, loopback_http):
    """The Patient read fails (404) while the responses are read: the card comes from them,
    not a 412 for both."""
    qr = _qr(staff_client, "V17")
    with FhirStub(patient=None, responses=[qr]) as stub:
        ehr.fhir_server = stub.url
        ehr.save()
        response = call(client, _reads(stub, outcome=False))
    assert {r["path"] for r in stub.requests} == {
        "/fhir/Patient/1288992",
        "/fhir/QuestionnaireResponse",
    }
    assert response.status_code == 200, response.content
    assert response.json()["cards"][0]["summary"].startswith("AMPS screen: refer")


def test_when_the_fhir_server_fails_too_the_answer_is_412(client, ehr, loopback_http):
    with FhirStub(status=500) as stub:
        ehr.fhir_server = stub.url
        ehr.save()
        response = call(client, _reads(stub, outcome=True))
    assert response.status_code == 412
    assert "reading the FHIR server failed" in response.json()["error"]


def test_when_the_fhir_server_fails_a_stored_screening_still_gives_its_card(
    client, ehr, loopback_http
):
    patient = PatientFactory()
    screened("V17", patient=patient)
    with FhirStub(status=503) as stub:
        ehr.fhir_server = stub.url
        ehr.save()
        body = _reads(stub, context={"userId": "Practitioner/1", "patientId": str(patient.uuid)})
        response = call(client, body)
    assert response.status_code == 200, response.json()
    assert response.json()["cards"][0]["summary"].startswith("AMPS screen: refer")


def test_a_server_other_than_the_allow_listed_one_is_never_read(client, ehr, loopback_http):
    with FhirStub() as stub, FhirStub() as other:
        ehr.fhir_server = stub.url
        ehr.save()
        response = call(client, _reads(other, outcome=True))
    assert response.status_code == 412
    assert "not the FHIR server allow-listed" in response.json()["error"]
    assert other.requests == [] and stub.requests == []


def test_a_prefetched_operation_outcome_without_a_server_is_412(client, ehr):
    body = hook_call()
    body["prefetch"]["questionnaireResponses"] = {"resourceType": "OperationOutcome", "issue": []}
    del body["fhirServer"], body["fhirAuthorization"]
    response = call(client, body)
    assert response.status_code == 412 and response.json()["field"] == "prefetch"


@pytest.mark.parametrize(
    "url",
    [
        "http://ehr.example.org/fhir",  # http to a host that is not loopback
        "ftp://ehr.example.org/fhir",
        "https://user:pw@ehr.example.org/fhir",
        "https://ehr.example.org/fhir?x=1",
        "https://ehr.example.org/fhir#a",
        "https:///fhir",
        "https://ehr.example.org:99999/fhir",
        "https://ehr.example.org/fh ir",
        "https://" + "a" * 300 + ".org",
    ],
)
def test_unsafe_fhir_servers_are_refused(settings, url):
    settings.AMPS_CDS_FHIR_ALLOW_HTTP = True
    with pytest.raises(fetching.UnsafeServer):
        fetching.check_server(url)


def test_http_to_loopback_only_when_the_deployment_allows_it(settings):
    settings.AMPS_CDS_FHIR_ALLOW_HTTP = False
    with pytest.raises(fetching.UnsafeServer):
        fetching.check_server("http://127.0.0.1:8080/fhir")
    assert fetching.check_server("https://ehr.example.org/fhir/") == "https://ehr.example.org/fhir"
    settings.AMPS_CDS_FHIR_ALLOW_HTTP = True
    assert fetching.check_server("http://127.0.0.1:8080/fhir") == "http://127.0.0.1:8080/fhir"
    assert fetching.check_server("http://[::1]:8080/fhir") == "http://[::1]:8080/fhir"


def test_a_patient_id_that_is_not_a_fhir_id_is_never_put_into_a_url():
    with pytest.raises(fetching.FetchFailed):
        fetching.fetch_patient("https://ehr.example.org/fhir", "../../admin", "t")


def test_the_responses_prefetch_names_our_questionnaire(client, db):
    (entry,) = client.get(reverse("interop:cds_discovery")).json()["services"]
    assert entry["prefetch"]["questionnaireResponses"] == (
        "QuestionnaireResponse?subject={{context.patientId}}&status=completed"
        "&questionnaire=http://testserver/fhir/Questionnaire/amps-intake&_sort=-authored"
    )


# -- A signed review changes the card -------------------------------------------------------------


def test_a_signed_agreement_is_stated_on_the_card(client, ehr, bob):
    patient = PatientFactory()
    screening = screened("V17", patient=patient)
    review = services.record_review(
        screening=screening, reviewer=bob, decision="agree", disposition="inflammatory_workup"
    )
    (card,) = call(client, hook_call(patient)).json()["cards"]
    signed = f"{review.signed_at.astimezone():%Y-%m-%d}"
    assert card["summary"] == (
        f"AMPS screen: reviewed by Bob Bennett on {signed}: inflammatory work-up"
    )
    assert card["detail"].startswith(
        f"**Reviewed by Bob Bennett on {signed}: inflammatory work-up.**"
    )
    assert "overridden" not in card["detail"]
    assert card["indicator"] == "warning"


def test_a_signed_override_is_stated_and_sets_the_indicator(client, ehr, bob):
    patient = PatientFactory()
    screening = screened("V17", patient=patient)  # refer — urgent
    services.record_review(
        screening=screening,
        reviewer=bob,
        decision="override",
        override_reason="clinical_judgement",
        comment="Viral illness, settled",
        disposition="no_further_action",
    )
    (card,) = call(client, hook_call(patient)).json()["cards"]
    assert card["summary"].endswith(": no further action (suggestion overridden)")
    assert "refer — urgent" not in card["summary"]
    assert (
        "The suggestion below was overridden: clinical judgement (Viral illness, settled)."
        in card["detail"]
    )
    assert card["indicator"] == "info"


def test_the_response_schema_catches_what_the_spec_forbids():
    """The checker every call's cards go through (tests.test_interop_cds.call) is not
    vacuous: a null, a raw `|` in a URL, a long summary, a suggestion without
    selectionBehavior and an unknown indicator are each refused."""
    good = {
        "summary": "AMPS screen: refer",
        "indicator": "warning",
        "source": {"label": "AMPS screen", "url": "https://a.example/fhir/PlanDefinition?x=1"},
    }
    assert_cds_response_valid({"cards": [good]})
    for bad in (
        {**good, "detail": None},
        {**good, "source": {"label": "x", "url": "https://a.example/PlanDefinition/a|2"}},
        {**good, "summary": "x" * 140},
        {**good, "suggestions": [{"label": "Accept"}]},
        {**good, "indicator": "hard-stop"},
        {**good, "links": [{"label": "x", "url": "https://a.example/", "type": "absolute",
                            "appContext": "{}"}]},
    ):  # fmt: skip
        with pytest.raises(AssertionError):
            assert_cds_response_valid({"cards": [bad]})


def test_add_cds_client_takes_an_https_fhir_server_only(tmp_path, db, settings):
    settings.AMPS_CDS_FHIR_ALLOW_HTTP = False
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps(EXAMPLES["jwks_public"]))
    arguments = ["add_cds_client", "--iss", ISSUER, "--jwks-file", str(jwks)]
    with pytest.raises(CommandError, match="--fhir-server: must use https"):
        call_command(*arguments, "--fhir-server", "http://ehr.example.org/fhir")
    call_command(*arguments, "--fhir-server", "https://ehr.example.org/fhir/", stdout=StringIO())
    assert CdsClient.objects.get(issuer=ISSUER).fhir_server == "https://ehr.example.org/fhir"


def test_a_redirect_from_the_fhir_server_is_not_followed(client, ehr, loopback_http):
    with FhirStub(status=302) as stub:
        ehr.fhir_server = stub.url
        ehr.save()
        response = call(client, _reads(stub, outcome=True))
    assert response.status_code == 412
    assert "answered 302" in response.json()["error"]
    assert len(stub.requests) == 2  # the Patient and the search, nothing after
