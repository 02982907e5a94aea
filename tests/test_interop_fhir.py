"""FHIR R4 reads: each resource built from the registry and stored rows, validated by an
independent FHIR library; who may read them; every patient-data read in the access log."""

from datetime import timedelta

import fhirpathpy
import pytest
from django.urls import reverse
from django.utils import timezone
from fhirpathpy.models import models as fhirpath_models

from audit.models import AccessEvent
from intake import services
from intake.models import CriteriaSet, Intake, IntakeStatus
from intake.rules import facts
from interop.models import ApiClient
from tests.factories import IntakeFactory, PatientFactory
from tests.interop_helpers import (
    answer_type_errors,
    api_token,
    bearer,
    items,
    screened,
    validate,
)

FHIR_JSON = "application/fhir+json"
SDC_CALCULATED = (
    "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-calculatedExpression"
)
# The R4 model tells the FHIRPath engine that `answer.value` is the choice type value[x].
R4_MODEL = fhirpath_models["r4"]
EXAMPLE_IDS = ("V01", "V02", "V06", "V16", "V17", "V33")


def fhir_get(client, url, **headers):
    response = client.get(url, **headers)
    assert response["Content-Type"].startswith(FHIR_JSON)
    return response


def the_questionnaire(client):
    return fhir_get(client, reverse("interop:questionnaire")).json()


# -- Questionnaire ----------------------------------------------------------------------------


def test_questionnaire_has_a_group_per_section_and_an_item_per_fact(staff_client):
    questionnaire = the_questionnaire(staff_client)
    validate(questionnaire)
    assert questionnaire["url"].endswith("/fhir/Questionnaire/amps-intake")
    assert questionnaire["version"] == "1"
    groups = [group["text"] for group in questionnaire["item"]]
    assert groups[: len(facts.SECTIONS)] == list(facts.SECTIONS)
    by_link = items(questionnaire)
    assert set(facts.FACTS) <= set(by_link)
    expected_types = {"bool": "boolean", "int": "integer", "decimal": "decimal",
                      "choice": "choice", "codes": "choice"}  # fmt: skip
    for name, fact in facts.FACTS.items():
        item = by_link[name]
        assert item["type"] == expected_types[fact.type], name
        assert item["code"][0]["code"] == name
        if fact.derived:
            assert item["readOnly"] is True and "required" not in item
        elif fact.asked_when:  # a red-flag detail: enabled by its red flags, then required
            assert item["required"] is (name != "highest_temperature_c"), name
            assert item["enableWhen"] == [
                {"question": flag, "operator": "=", "answerBoolean": True}
                for flag in fact.asked_when
            ]
            assert item.get("enableBehavior") == ("any" if len(fact.asked_when) > 1 else None)
        else:
            # The pain scores: required whenever enabled (not with a not-assessable scale).
            conditional = "enableWhen" in item
            assert item["required"] is (not fact.nullable or conditional), name
        if fact.type in ("choice", "codes"):
            codes = [option["valueCoding"]["code"] for option in item["answerOption"]]
            assert codes == list(facts.CODE_LABELS[name])
        assert item.get("repeats", False) is (fact.type == "codes")


def test_questionnaire_ranges_are_sdc_min_and_max_values(staff_client):
    by_link = items(the_questionnaire(staff_client))
    extensions = {
        e["url"].rsplit("/", 1)[1]: e for e in by_link["morning_stiffness_minutes"]["extension"]
    }
    assert extensions["minValue"]["valueInteger"] == 0
    assert extensions["maxValue"]["valueInteger"] == 1440
    assert extensions["questionnaire-unit"]["valueCoding"]["code"] == "min"
    crp = {e["url"].rsplit("/", 1)[1]: e for e in by_link["crp_mg_l"]["extension"]}
    assert crp["maxValue"]["valueDecimal"] == 500.0


@pytest.mark.parametrize(
    ("link_id", "system", "code"),
    [
        ("crp_mg_l", "http://loinc.org", "1988-5"),
        ("esr_mm_hr", "http://loinc.org", "30341-2"),  # the method is not recorded
        ("fever", "http://snomed.info/sct", "386661006"),
        ("joint_swelling_observed", "http://snomed.info/sct", "271771009"),
    ],
)
def test_items_carry_standard_codes_where_one_exists(staff_client, link_id, system, code):
    item = items(the_questionnaire(staff_client))[link_id]
    assert {"system": system, "code": code} in [
        {"system": c["system"], "code": c["code"]} for c in item["code"]
    ]


def test_items_without_a_standard_code_use_the_local_code_system(staff_client):
    questionnaire = the_questionnaire(staff_client)
    wpi = items(questionnaire)["wpi"]
    system = questionnaire["url"].replace("Questionnaire/amps-intake", "CodeSystem/amps-facts")
    assert wpi["code"] == [{"system": system, "code": "wpi", "display": facts.FACTS["wpi"].label}]


def test_the_local_code_system_has_one_code_per_fact(staff_client):
    system = fhir_get(staff_client, reverse("interop:code_system", args=["amps-facts"])).json()
    validate(system)
    codes = [concept["code"] for concept in system["concept"]]
    assert set(facts.FACTS) <= set(codes)
    assert system["count"] == len(codes)
    missing = fhir_get(staff_client, reverse("interop:code_system", args=["nope"]))
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_every_system_the_questionnaire_names_locally_is_published(staff_client):
    questionnaire = the_questionnaire(staff_client)
    local = {
        c["system"]
        for item in items(questionnaire).values()
        for c in [*item.get("code", ()), *(o["valueCoding"] for o in item.get("answerOption", ()))]
        if "/fhir/CodeSystem/" in c["system"]
    }
    for system in local:
        response = staff_client.get(system.split("testserver", 1)[1])
        assert response.status_code == 200, system
        validate(response.json())


def test_kawasaki_none_is_an_exclusive_answer(staff_client):
    by_link = items(the_questionnaire(staff_client))
    for name in ("kawasaki_features", "triggers"):
        exclusive = [
            option["valueCoding"]["code"]
            for option in by_link[name]["answerOption"]
            if {"url": OPTION_EXCLUSIVE, "valueBoolean": True} in option.get("extension", [])
        ]
        assert exclusive == ["none"], name


OPTION_EXCLUSIVE = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
#: Red-flag details answered, for the derived facts that read them.
WITH_DETAILS = {
    "fever": True,
    "fever_days": 6,
    "highest_temperature_c": "38.4",
    "kawasaki_features": ["oral_changes", "cervical_node"],
    "non_weight_bearing": True,
    "non_weight_bearing_days": 2,
    "esr_mm_hr": 45,
    "wbc_10e9_l": "3.1",
    "neutrophils_10e9_l": "0.9",
    "platelets_10e9_l": 90,
    "pain_sites": ["knee_left", "lower_back"],
}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("example_id", "changes"),
    [
        *[(example_id, {}) for example_id in EXAMPLE_IDS],
        ("V01", WITH_DETAILS),
        ("V01", {**WITH_DETAILS, "highest_temperature_c": None, "pain_sites": ["lower_back"]}),
        ("V01", {**WITH_DETAILS, "pain_sites": ["hip_right"], "kawasaki_features": ["none"]}),
    ],
)
def test_calculated_expressions_give_the_engines_derived_facts(staff_client, example_id, changes):
    """The FHIRPath of each derived item, run by an independent engine on our own
    QuestionnaireResponse, gives exactly what the rules engine derived."""
    questionnaire = the_questionnaire(staff_client)
    intake = IntakeFactory(example_id=example_id, **changes)
    response = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid]))
    derived = intake.facts()
    for name in facts.DERIVED_FACTS:
        item = items(questionnaire)[name]
        (extension,) = [e for e in item["extension"] if e["url"] == SDC_CALCULATED]
        expression = extension["valueExpression"]["expression"]
        result = fhirpathpy.evaluate(
            response.json(), expression, {"resource": response.json()}, model=R4_MODEL
        )
        assert result == ([] if derived[name] is None else [derived[name]]), name


# -- QuestionnaireResponse --------------------------------------------------------------------


@pytest.mark.parametrize("example_id", EXAMPLE_IDS)
def test_questionnaire_response_answers_only_items_of_the_questionnaire(staff_client, example_id):
    intake = IntakeFactory(example_id=example_id)
    response = fhir_get(
        staff_client, reverse("interop:questionnaire_response", args=[intake.uuid])
    ).json()
    validate(response)
    assert response["id"] == str(intake.uuid)
    assert response["status"] == "completed"
    assert response["questionnaire"].endswith("/fhir/Questionnaire/amps-intake|1")
    assert response["subject"] == {"reference": f"Patient/{intake.patient.uuid}"}
    assert answer_type_errors(the_questionnaire(staff_client), response) == []
    answered = items(response)
    assert [a["valueCoding"]["code"] for a in answered["pain_sites"]["answer"]] == intake.pain_sites
    assert answered["age_years"]["answer"] == [{"valueInteger": intake.age_years}]


def test_a_draft_is_an_in_progress_response_and_leaves_unanswered_items_out(staff_client):
    intake = IntakeFactory(status=IntakeStatus.DRAFT, fever=None, crp_mg_l=None)
    response = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid]))
    body = response.json()
    validate(body)
    assert body["status"] == "in-progress"
    assert "fever" not in items(body) and "crp_mg_l" not in items(body)


# -- GuidanceResponse, PlanDefinition, ClinicalImpression, Patient, $everything ----------------


def test_guidance_response_is_the_suggestion_with_its_criteria_version(staff_client):
    screening = screened("V17")
    body = fhir_get(
        staff_client, reverse("interop:guidance_response", args=[screening.uuid])
    ).json()
    validate(body)
    assert body["status"] == "success"
    assert body["moduleCanonical"].endswith(
        f"/fhir/PlanDefinition/amps-criteria|{screening.criteria_set.version}"
    )
    (output,) = body["contained"]
    assert body["outputParameters"] == {"reference": "#output"}
    parameters = output["parameter"]
    by_name = {}
    for parameter in parameters:
        by_name.setdefault(parameter["name"], []).append(parameter)
    assert by_name["outcome"][0]["valueCoding"]["code"] == "refer"
    assert by_name["urgency"][0]["valueCoding"]["code"] in ("emergency", "urgent", "routine")
    matched = [p["part"][0]["valueString"] for p in by_name["matchedCriterion"]]
    assert set(screening.red_flags) <= set(matched)
    assert by_name["criteriaHash"][0]["valueString"] == screening.criteria_hash
    assert body["note"][0]["text"] == screening.explanation


def test_plan_definition_published_and_by_version(staff_client):
    published = CriteriaSet.objects.published()
    current = fhir_get(staff_client, reverse("interop:plan_definition", args=["amps-criteria"]))
    versioned = staff_client.get(
        reverse("interop:plan_definition_version", args=["amps-criteria", published.version])
    )
    assert current.json() == versioned.json()
    assert current.json()["id"] == "amps-criteria"  # a read returns the id asked for
    assert current.json()["meta"]["versionId"] == str(published.version)
    body = current.json()
    validate(body)
    assert body["version"] == str(published.version) and body["status"] == "active"
    criteria = list(published.criteria.filter(active=True))
    assert [action["id"] for action in body["action"]] == [c.code for c in criteria]
    fever = next(a for a in body["action"] if a["id"] == "rf_fever")
    assert fever["condition"][0]["expression"] == {
        "language": "text/x-amps-expression",
        "expression": published.criteria.get(code="rf_fever").expression,
    }
    assert fever["code"][0]["coding"][0]["code"] == "red_flag"
    assert fever["documentation"][0]["citation"]
    assert (
        staff_client.get(
            reverse("interop:plan_definition_version", args=["amps-criteria", 999])
        ).status_code
        == 404
    )


def test_clinical_impression_is_the_signed_review(staff_client, bob):
    screening = screened("V01")
    review = services.record_review(
        screening=screening,
        reviewer=bob,
        decision="override",
        override_reason="clinical_judgement",
        comment="Seen in clinic.",
        disposition="inflammatory_workup",
        note="Bloods today.",
    )
    body = fhir_get(staff_client, reverse("interop:clinical_impression", args=[review.uuid])).json()
    validate(body)
    assert body["assessor"] == {"display": "Bob Bennett"}
    assert body["supportingInfo"] == [
        {"reference": f"GuidanceResponse/{screening.uuid}"},
        {"reference": f"QuestionnaireResponse/{screening.intake.uuid}"},
    ]
    findings = [f["itemCodeableConcept"]["coding"][0]["code"] for f in body["finding"]]
    # The override reason is a finding: statusReason is for a status other than completed.
    assert findings == ["override", "inflammatory_workup", "clinical_judgement"]
    assert "statusReason" not in body
    assert body["finding"][0]["basis"] == "Clinical judgement: Seen in clinic."
    assert body["finding"][2]["itemCodeableConcept"]["coding"][0]["code"] == "clinical_judgement"
    assert {"text": "Bloods today."} in body["note"]


def test_everything_bundles_the_patient_and_all_of_their_records(staff_client, bob):
    patient = PatientFactory()
    first = screened("V01", patient=patient)
    services.record_review(screening=first, reviewer=bob, decision="agree",
                           disposition="amps_programme")  # fmt: skip
    screened("V17", patient=patient)
    body = fhir_get(staff_client, reverse("interop:patient_everything", args=[patient.uuid])).json()
    validate(body)
    kinds = [entry["resource"]["resourceType"] for entry in body["entry"]]
    assert kinds == ["Patient", "QuestionnaireResponse", "QuestionnaireResponse",
                     "GuidanceResponse", "GuidanceResponse", "ClinicalImpression"]  # fmt: skip
    for entry in body["entry"]:
        validate(entry["resource"])
    (patient_resource,) = [e["resource"] for e in body["entry"][:1]]
    assert patient_resource["identifier"][0]["value"] == patient.mrn
    assert patient_resource["gender"] == patient.sex


def test_everything_takes_the_same_queries_for_one_visit_or_ten(
    staff_client, django_assert_max_num_queries
):
    patient = PatientFactory()
    screened("V01", patient=patient)
    url = reverse("interop:patient_everything", args=[patient.uuid])
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        staff_client.get(url)
    for _ in range(9):
        screened("V02", patient=patient)
    with CaptureQueriesContext(connection) as ten:
        staff_client.get(url)
    assert len(ten) == len(one)


# -- Access -----------------------------------------------------------------------------------


def test_an_api_token_reads_and_the_read_is_logged_with_the_client(client, db):
    api_client, token = api_token(label="Hospital EHR")
    intake = IntakeFactory()
    response = client.get(
        reverse("interop:questionnaire_response", args=[intake.uuid]), **bearer(token)
    )
    assert response.status_code == 200
    event = AccessEvent.objects.get()
    assert (event.user, event.client, event.action) == (None, "Hospital EHR", "api_read")
    assert event.intake == intake and event.patient == intake.patient
    assert event.detail == {"resource": "QuestionnaireResponse", "intake_status": "submitted"}
    api_client.refresh_from_db()
    assert api_client.last_used_at is not None


def test_a_signed_in_users_read_is_logged_under_their_name(staff_client, alice):
    screening = screened("V01")
    staff_client.get(reverse("interop:guidance_response", args=[screening.uuid]))
    event = AccessEvent.objects.get()
    assert (event.user, event.client) == (alice, "")
    assert event.detail == {"resource": "GuidanceResponse", "intake_status": "submitted"}


@pytest.mark.parametrize(
    "header",
    ["", "Bearer amps_nope_nope", "Bearer not-a-token", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_a_missing_or_wrong_token_is_401_with_an_operation_outcome(client, db, header):
    intake = IntakeFactory()
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.get(reverse("interop:questionnaire_response", args=[intake.uuid]), **extra)
    assert response.status_code == 401
    assert response["Content-Type"].startswith(FHIR_JSON)
    body = response.json()
    validate(body)
    assert body["issue"][0]["code"] == "login"
    assert not AccessEvent.objects.exists()


def test_a_token_with_a_wrong_secret_is_refused(client, db):
    _, token = api_token()
    intake = IntakeFactory()
    url = reverse("interop:questionnaire_response", args=[intake.uuid])
    assert client.get(url, **bearer(token[:-2] + "xx")).status_code == 401


def test_revoked_and_expired_tokens_are_refused(client, db):
    revoked, revoked_token = api_token(label="revoked")
    ApiClient.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())
    expired, expired_token = api_token(label="expired")
    ApiClient.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(1))
    url = reverse("interop:questionnaire")
    assert client.get(url, **bearer(revoked_token)).status_code == 401
    assert client.get(url, **bearer(expired_token)).status_code == 401


def test_only_the_secrets_hash_is_stored(db):
    api_client, token = api_token()
    secret = token.rsplit("_", 1)[1]
    assert secret not in api_client.secret_hash
    assert api_client.matches(secret) and not api_client.matches(secret + "x")


def test_not_signed_in_is_401_not_a_redirect_to_the_login_page(client, db):
    response = client.get(reverse("interop:questionnaire"))
    assert response.status_code == 401
    assert response.json()["resourceType"] == "OperationOutcome"


def test_everything_needs_the_right_to_read_reviews_too(client, dave):
    """$everything bundles the signed reviews: reading patients, intakes and screenings is not
    enough."""
    from django.contrib.auth.models import Permission

    dave.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="intake",
            codename__in=["view_patient", "view_intake", "view_screening"],
        )
    )
    client.force_login(dave)
    patient = PatientFactory()
    response = client.get(reverse("interop:patient_everything", args=[patient.uuid]))
    assert response.status_code == 403
    assert not AccessEvent.objects.exists()


def test_a_user_without_the_role_is_403(client, dave):
    client.force_login(dave)
    intake = IntakeFactory()
    response = client.get(reverse("interop:questionnaire_response", args=[intake.uuid]))
    assert response.status_code == 403
    assert response.json()["issue"][0]["code"] == "forbidden"


@pytest.mark.parametrize(
    "name",
    ["questionnaire_response", "guidance_response", "clinical_impression", "patient",
     "patient_everything"],
)  # fmt: skip
@pytest.mark.parametrize("resource_id", ["0b8c2a7e-8a4f-4f43-9a57-1d2a1e6f9a11", "not-a-uuid"])
def test_an_unknown_id_is_404_with_an_operation_outcome(staff_client, name, resource_id):
    response = staff_client.get(reverse(f"interop:{name}", args=[resource_id]))
    assert response.status_code == 404
    body = response.json()
    validate(body)
    assert body["issue"][0]["code"] == "not-found"


def test_writes_are_not_supported(staff_client):
    response = staff_client.post(reverse("interop:questionnaire"), {})
    assert response.status_code in (403, 405)  # CSRF refuses a session POST before the view


def test_a_patient_read_by_token_is_logged(client, db):
    _, token = api_token(label="Registry")
    patient = PatientFactory()
    body = client.get(reverse("interop:patient", args=[patient.uuid]), **bearer(token)).json()
    validate(body)
    assert AccessEvent.objects.get().detail == {"resource": "Patient"}


def test_the_admin_shows_a_new_token_once(admin_client):
    response = admin_client.post(
        reverse("admin:interop_apiclient_add"),
        {
            "label": "Lab system",
            "scope": "read",
            "expires_at_0": "2030-01-01",
            "expires_at_1": "00:00:00",
        },  # fmt: skip
        follow=True,
    )
    (message,) = [str(m) for m in response.context["messages"] if "only this once" in str(m)]
    token = message.rsplit(": ", 1)[1]
    stored = ApiClient.objects.get(label="Lab system")
    assert token.startswith(f"amps_{stored.key_id}_")
    assert stored.matches(token.rsplit("_", 1)[1])
    assert (
        token
        not in admin_client.get(
            reverse("admin:interop_apiclient_change", args=[stored.pk])
        ).content.decode()
    )


def test_the_admin_revokes_tokens(admin_client, client, db):
    api_client, token = api_token()
    admin_client.post(
        reverse("admin:interop_apiclient_changelist"),
        {"action": "revoke", "_selected_action": [api_client.pk]},
    )
    assert client.get(reverse("interop:questionnaire"), **bearer(token)).status_code == 401


def test_intake_model_still_matches_the_registry():
    # The QuestionnaireResponse reads every input fact from the intake (or its patient).
    assert {f.name for f in Intake._meta.fields} >= set(facts.INPUT_FACTS) - {"age_years", "sex"}


def test_a_suggestion_that_is_not_a_referral_has_no_urgency(staff_client):
    screening = screened("V01")
    body = staff_client.get(reverse("interop:guidance_response", args=[screening.uuid])).json()
    names = [parameter["name"] for parameter in body["contained"][0]["parameter"]]
    assert "urgency" not in names and names[0] == "outcome"


def test_a_session_without_its_second_factor_reads_nothing(staff_client, settings):
    settings.AMPS_REQUIRE_2FA = True
    intake = IntakeFactory()
    response = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid]))
    assert response.status_code == 302
    assert not AccessEvent.objects.exists()


def test_a_draft_criteria_set_reads_as_a_draft_plan_definition(staff_client, carol):
    draft = services.new_draft(user=carol)
    body = staff_client.get(
        reverse("interop:plan_definition_version", args=["amps-criteria", draft.version])
    ).json()
    validate(body)
    assert body["status"] == "draft" and body["id"] == "amps-criteria"
    assert body["meta"]["versionId"] == str(draft.version)
    assert body["extension"][0]["valueString"] == draft.compiled().hash
    for old_form in (f"amps-criteria-{draft.version}", f"amps-criteria|{draft.version}"):
        refused = staff_client.get(reverse("interop:plan_definition", args=[old_form]))
        assert (
            refused.status_code == 404 and "_history" in refused.json()["issue"][0]["diagnostics"]
        )


def test_pain_now_claims_no_one_scale_and_esr_no_method(staff_client):
    by_link = items(the_questionnaire(staff_client))
    assert [c["code"] for c in by_link["pain_now"]["code"]] == ["pain_now"]
    assert "4537-7" not in [c["code"] for c in by_link["esr_mm_hr"]["code"]]


@pytest.mark.parametrize(
    ("changes", "urgency", "text", "priority"),
    [
        ({"non_weight_bearing": True}, "emergency", "Emergency — now / same day", "stat"),
        ({}, "urgent", "Urgent — within 48 hours", "asap"),
    ],
)
def test_a_guidance_response_carries_the_tier_its_timeframe_and_priority(
    staff_client, changes, urgency, text, priority
):
    screening = screened("V17", **changes)
    assert screening.urgency == urgency
    body = fhir_get(
        staff_client, reverse("interop:guidance_response", args=[screening.uuid])
    ).json()
    validate(body)
    values = {p["name"]: p for p in body["contained"][0]["parameter"]}
    assert values["urgency"]["valueCoding"]["code"] == urgency
    assert values["urgencyText"]["valueString"] == text
    assert values["priority"]["valueCode"] == priority


def test_the_plan_definition_gives_each_red_flag_its_request_priority(staff_client):
    body = fhir_get(staff_client, reverse("interop:plan_definition", args=["amps-criteria"])).json()
    priorities = {action["id"]: action.get("priority") for action in body["action"]}
    assert priorities["rf_fever"] == "asap"  # urgent: within 48 hours
    assert "stat" in priorities.values()
    assert "urgent" not in priorities.values()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "changes",
    [
        {},  # no red-flag detail asked: none answered, none read back
        {**WITH_DETAILS, "rash": True, "petechiae_or_purpura": True},
        {"proximal_weakness": True, "bulbar_or_respiratory_weakness": False, "dark_urine": True},
    ],
)
def test_red_flag_details_round_trip_through_the_questionnaire_response(staff_client, changes):
    from intake.rules import validate_intake
    from interop.cds.suggestions import intake_json

    intake = IntakeFactory(example_id="V01", **changes)
    response = staff_client.get(
        reverse("interop:questionnaire_response", args=[intake.uuid])
    ).json()
    answered = items(response)
    for name in facts.RED_FLAG_DETAIL_FIELDS:
        assert (name in answered) is (getattr(intake, name) is not None), name
    inputs, errors = validate_intake(intake_json(response))
    assert errors == []
    assert inputs == intake.input_facts()
