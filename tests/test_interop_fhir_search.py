"""A FHIR server an EHR's client can discover and search (issue 28, point 1), and every
resource the API returns checked by HL7's official R4 JSON schema (point 6)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from intake import services
from intake.models import CriteriaSet, Intake
from tests.factories import IntakeFactory, PatientFactory
from tests.fhir_validation import assert_fhir_valid
from tests.interop_helpers import api_token, bearer, screened, validate

MRN_SYSTEM = "http://testserver/fhir/sid/mrn"


@pytest.fixture
def reader(db):
    _, token = api_token()
    return bearer(token)


def get(client, path, headers, **params):
    return client.get(path, params, **headers)


# -- Capability -----------------------------------------------------------------------------------


def test_metadata_is_the_capability_statement(client, db):
    response = client.get(reverse("interop:metadata"))  # no sign-in: no patient data
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/fhir+json")
    body = response.json()
    assert_fhir_valid(body)
    validate(body)
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1" and body["kind"] == "instance"
    assert "json" in body["format"]
    (rest,) = body["rest"]
    assert rest["mode"] == "server" and rest["security"]["description"]
    by_type = {r["type"]: r for r in rest["resource"]}
    assert {i["code"] for i in by_type["Patient"]["interaction"]} == {"read", "search-type"}
    assert {p["name"] for p in by_type["Patient"]["searchParam"]} == {"_id", "identifier"}
    assert {p["name"] for p in by_type["QuestionnaireResponse"]["searchParam"]} == {
        "_id", "patient", "subject", "questionnaire", "authored", "status"
    }  # fmt: skip
    assert {p["name"] for p in by_type["PlanDefinition"]["searchParam"]} == {"url", "version"}
    assert {"read", "vread"} <= {i["code"] for i in by_type["PlanDefinition"]["interaction"]}
    assert by_type["Patient"]["operation"][0]["name"] == "everything"


# -- Patient search -------------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["system|value", "value"])
def test_an_ehr_finds_our_patient_by_mrn(client, reader, form):
    patient = PatientFactory()
    PatientFactory()  # another
    value = f"{MRN_SYSTEM}|{patient.mrn}" if form == "system|value" else patient.mrn
    response = get(client, "/fhir/Patient", reader, identifier=value)
    body = response.json()
    assert_fhir_valid(body)
    validate(body)
    assert body["type"] == "searchset" and body["total"] == 1
    (entry,) = body["entry"]
    assert entry["resource"]["id"] == str(patient.uuid)
    assert entry["fullUrl"] == f"http://testserver/fhir/Patient/{patient.uuid}"
    assert entry["search"] == {"mode": "match"}
    assert body["link"][0]["relation"] == "self"
    assert "identifier=" in body["link"][0]["url"]
    event = AccessEvent.objects.get(patient=patient)
    assert event.action == "api_read" and event.client == "EHR reader"


def test_another_identifier_system_matches_nothing(client, reader):
    patient = PatientFactory()
    body = get(
        client, "/fhir/Patient", reader, identifier=f"http://other.example/mrn|{patient.mrn}"
    ).json()
    assert body["total"] == 0 and "entry" not in body or body["entry"] == []
    assert not AccessEvent.objects.exists()


def test_patient_search_by_id(client, reader):
    patient = PatientFactory()
    body = get(client, "/fhir/Patient", reader, _id=str(patient.uuid)).json()
    assert [e["resource"]["id"] for e in body["entry"]] == [str(patient.uuid)]


def test_a_patient_search_must_name_someone(client, reader):
    response = get(client, "/fhir/Patient", reader)
    assert response.status_code == 400
    assert response.json()["issue"][0]["expression"] == ["identifier"]


def test_an_unknown_search_parameter_is_refused_naming_it(client, reader):
    response = get(client, "/fhir/Patient", reader, name="Smith")
    assert response.status_code == 400
    issue = response.json()["issue"][0]
    assert issue["code"] == "not-supported" and issue["expression"] == ["name"]


# -- QuestionnaireResponse search -----------------------------------------------------------------


def test_questionnaire_responses_by_patient_with_paging(client, reader):
    patient = PatientFactory()
    intakes = [IntakeFactory(patient=patient, example_id="V01") for _ in range(3)]
    IntakeFactory(example_id="V01")  # someone else's
    url = "/fhir/QuestionnaireResponse"
    first = get(client, url, reader, patient=f"Patient/{patient.uuid}", _count=2).json()
    assert_fhir_valid(first)
    assert first["total"] == 3 and len(first["entry"]) == 2
    (following,) = [link["url"] for link in first["link"] if link["relation"] == "next"]
    second = client.get(following, **reader).json()
    assert len(second["entry"]) == 1 and not any(
        link["relation"] == "next" for link in second["link"]
    )
    seen = {e["resource"]["id"] for e in first["entry"] + second["entry"]}
    assert seen == {str(i.uuid) for i in intakes}
    assert AccessEvent.objects.filter(patient=patient).count() == 3
    by_subject = get(client, url, reader, subject=str(patient.uuid), _summary="count").json()
    assert by_subject["total"] == 3 and not by_subject.get("entry")
    # A count reads no row but says the patient is known here: it is logged too.
    counted = AccessEvent.objects.get(detail__resource="QuestionnaireResponse?search (count)")
    assert counted.detail["rows"] == 3 and counted.client


def test_a_page_of_results_is_logged_a_row_each_in_one_statement(client, reader):
    patient = PatientFactory()
    intakes = [IntakeFactory(patient=patient, example_id="V01") for _ in range(5)]
    with CaptureQueriesContext(connection) as queries:
        page = get(client, "/fhir/QuestionnaireResponse", reader, patient=f"Patient/{patient.uuid}")
    assert len(page.json()["entry"]) == 5
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len([sql for sql in inserts if "audit_accessevent" in sql]) == 1
    logged = AccessEvent.objects.filter(detail__resource="QuestionnaireResponse?search")
    assert {event.intake for event in logged} == set(intakes)
    assert all(event.patient == patient and event.client for event in logged)


def test_questionnaire_responses_by_questionnaire_authored_and_status(client, reader):
    patient = PatientFactory()
    old = IntakeFactory(patient=patient, example_id="V01")
    new = IntakeFactory(patient=patient, example_id="V01")
    Intake.objects.filter(pk=old.pk).update(submitted_at=timezone.now() - timedelta(days=30))
    draft = IntakeFactory(patient=patient, example_id="V01", status="draft")
    url = "/fhir/QuestionnaireResponse"
    ours = "http://testserver/fhir/Questionnaire/amps-intake"
    since = (timezone.now() - timedelta(days=7)).date().isoformat()
    body = get(
        client, url, reader, patient=str(patient.uuid), questionnaire=ours,
        authored=f"ge{since}", status="completed",
    ).json()  # fmt: skip
    assert [e["resource"]["id"] for e in body["entry"]] == [str(new.uuid)]
    before = get(client, url, reader, patient=str(patient.uuid), authored=f"le{since}").json()
    assert str(old.uuid) in [e["resource"]["id"] for e in before["entry"]]
    drafts = get(client, url, reader, patient=str(patient.uuid), status="in-progress").json()
    assert [e["resource"]["id"] for e in drafts["entry"]] == [str(draft.uuid)]
    other = get(
        client, url, reader, patient=str(patient.uuid), questionnaire="http://x.example/Q"
    ).json()
    assert other["total"] == 0
    bad = get(client, url, reader, patient=str(patient.uuid), authored="geyesterday")
    assert bad.status_code == 400 and bad.json()["issue"][0]["expression"] == ["authored"]


# -- Canonical resources: by url and version ------------------------------------------------------


def test_plan_definition_by_url_and_version(client, reader):
    published = CriteriaSet.objects.published()
    url = "http://testserver/fhir/PlanDefinition/amps-criteria"
    body = get(
        client, "/fhir/PlanDefinition", reader, url=url, version=str(published.version)
    ).json()
    assert_fhir_valid(body)
    (entry,) = body["entry"]
    assert entry["resource"]["id"] == "amps-criteria"
    assert entry["resource"]["version"] == str(published.version)
    every = get(client, "/fhir/PlanDefinition", reader, url=url).json()
    assert every["total"] == CriteriaSet.objects.count()


def test_questionnaire_by_url_and_version(client, reader):
    url = "http://testserver/fhir/Questionnaire/amps-intake"
    body = get(client, "/fhir/Questionnaire", reader, url=url, version="1").json()
    assert_fhir_valid(body)
    (entry,) = body["entry"]
    assert entry["resource"]["id"] == "amps-intake"
    assert get(client, "/fhir/Questionnaire", reader, url=url, version="9").json()["total"] == 0


# -- Refused interactions: FHIR answers, never HTML ----------------------------------------------


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
@pytest.mark.parametrize(
    "url", ["/fhir/Patient", "/fhir/QuestionnaireResponse/x", "/fhir/metadata"]
)
def test_writes_are_405_operation_outcomes(client, reader, method, url):
    client.enforce_csrf_checks = True
    response = getattr(client, method)(url, "{}", content_type="application/fhir+json", **reader)
    assert response.status_code == 405
    assert response["Content-Type"].startswith("application/fhir+json")
    assert response.json()["resourceType"] == "OperationOutcome"
    assert "GET" in response["Allow"]


def test_a_post_to_discovery_is_a_json_405(client, db):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/cds-services", "{}", content_type="application/json")
    assert response.status_code == 405 and response.json()["error"]


@pytest.mark.parametrize(
    ("params", "headers"),
    [
        ({"_format": "xml"}, {}),
        ({"_format": "application/fhir+xml"}, {}),
        ({}, {"HTTP_ACCEPT": "application/fhir+xml"}),
        ({}, {"HTTP_ACCEPT": "application/xml, text/xml"}),
    ],
)
def test_xml_is_refused_with_406(client, reader, params, headers):
    patient = PatientFactory()
    response = client.get(f"/fhir/Patient/{patient.uuid}", params, **reader, **headers)
    assert response.status_code == 406
    assert response.json()["resourceType"] == "OperationOutcome"
    metadata = client.get("/fhir/metadata", params, **headers)
    assert metadata.status_code == 406


def test_json_formats_and_browsers_are_served(client, reader):
    patient = PatientFactory()
    url = f"/fhir/Patient/{patient.uuid}"
    for params, headers in (
        ({"_format": "json"}, {}),
        ({}, {"HTTP_ACCEPT": "application/fhir+json"}),
        ({}, {"HTTP_ACCEPT": "text/html,application/xhtml+xml,*/*;q=0.8"}),
    ):
        assert client.get(url, params, **reader, **headers).status_code == 200


# -- Everything the API returns, through HL7's schema --------------------------------------------


def test_everything_search_questionnaire_and_resources_hold_to_hl7s_schema(
    client, staff_client, reader, bob
):
    patient = PatientFactory()
    screening = screened("V17", patient=patient)
    screened("V01", patient=patient)
    services.record_review(
        screening=screening, reviewer=bob, decision="agree", disposition="inflammatory_workup"
    )
    everything = client.get(f"/fhir/Patient/{patient.uuid}/$everything", **reader).json()
    assert_fhir_valid(everything)
    for entry in everything["entry"]:
        assert_fhir_valid(entry["resource"])
        again = client.get(f"/fhir/{entry['resource']['resourceType']}/{entry['resource']['id']}",
                           **reader)  # fmt: skip
        assert again.json()["id"] == entry["resource"]["id"]
        assert_fhir_valid(again.json())
    for url in (
        "/fhir/Questionnaire/amps-intake",
        "/fhir/PlanDefinition/amps-criteria",
        "/fhir/CodeSystem/amps-facts",
        "/fhir/metadata",
        "/fhir/Patient/nope",
    ):
        assert_fhir_valid(client.get(url, **reader).json())


# -- The smaller points: _summary/_elements, narrative, lastUpdated, ETag -------------------------


def test_elements_are_honoured_and_marked_subsetted(client, reader):
    patient = PatientFactory()
    body = client.get(f"/fhir/Patient/{patient.uuid}", {"_elements": "gender"}, **reader).json()
    assert set(body) == {"resourceType", "id", "meta", "gender"}
    assert body["meta"]["tag"][0]["code"] == "SUBSETTED"
    assert_fhir_valid(body)
    found = get(client, "/fhir/Patient", reader, identifier=patient.mrn, _elements="birthDate")
    (entry,) = found.json()["entry"]
    assert set(entry["resource"]) == {"resourceType", "id", "meta", "birthDate"}


@pytest.mark.parametrize("summary", ["true", "text", "data"])
def test_other_summaries_are_refused_not_ignored(client, reader, summary):
    patient = PatientFactory()
    response = client.get(f"/fhir/Patient/{patient.uuid}", {"_summary": summary}, **reader)
    assert response.status_code == 400
    assert response.json()["issue"][0]["code"] == "not-supported"


def test_resources_carry_a_narrative_last_updated_and_an_etag(client, reader):
    screening = screened("V17")
    intake = screening.intake
    response = client.get(f"/fhir/QuestionnaireResponse/{intake.uuid}", **reader)
    body = response.json()
    assert body["text"]["status"] == "generated"
    assert body["text"]["div"].startswith('<div xmlns="http://www.w3.org/1999/xhtml">')
    assert body["meta"]["lastUpdated"]
    assert response["ETag"].startswith('W/"') and response["Last-Modified"]
    plan = client.get("/fhir/PlanDefinition/amps-criteria", **reader)
    assert plan["ETag"] == f'W/"{CriteriaSet.objects.published().version}"'
    guidance = client.get(f"/fhir/GuidanceResponse/{screening.uuid}", **reader).json()
    assert guidance["meta"]["lastUpdated"] and guidance["text"]["div"]
    patient = client.get(f"/fhir/Patient/{intake.patient.uuid}", **reader).json()
    assert intake.patient.mrn in patient["text"]["div"]
    assert_fhir_valid(patient)
