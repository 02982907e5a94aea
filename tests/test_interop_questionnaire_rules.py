"""The Questionnaire states the data dictionary's rules (issue 28, point 2): enableWhen for the
pain scores, the exclusive `none` trigger, the FPS-R scores and worst-not-below-now as
FHIRPath constraints (evaluated here by an independent engine, fhirpathpy), and
QuestionnaireResponse/$validate naming each item with a problem by linkId."""

import json

import pytest
from django.urls import reverse
from fhirpathpy import evaluate
from fhirpathpy.models import models

from tests.factories import IntakeFactory
from tests.fhir_validation import assert_fhir_valid
from tests.interop_helpers import items
from tests.test_interop_cds_never_silent import (
    _fps_r_five,
    _none_and_injury,
    _not_assessable_with_scores,
    _worst_below_now,
)

EXT = "http://hl7.org/fhir/StructureDefinition"
VALIDATE = "/fhir/QuestionnaireResponse/$validate"


def the_questionnaire(client) -> dict:
    return client.get(reverse("interop:questionnaire")).json()


def a_response(client, example_id="V01") -> dict:
    intake = IntakeFactory(example_id=example_id)
    return client.get(reverse("interop:questionnaire_response", args=[intake.uuid])).json()


def test_the_pain_scores_are_asked_unless_the_scale_is_not_assessable(staff_client):
    form = the_questionnaire(staff_client)
    assert_fhir_valid(form)
    by_link = items(form)
    for name in ("pain_now", "pain_worst"):
        (condition,) = by_link[name]["enableWhen"]
        assert condition["question"] == "pain_scale" and condition["operator"] == "!="
        assert condition["answerCoding"]["code"] == "not_assessable"
        assert by_link[name]["required"] is True  # when enabled
        assert {"minValue", "maxValue"} <= {
            e["url"].rsplit("/", 1)[1] for e in by_link[name]["extension"]
        }
    scale_system = by_link["pain_scale"]["answerOption"][0]["valueCoding"]["system"]
    assert condition["answerCoding"]["system"] == scale_system


def test_none_is_an_exclusive_trigger(staff_client):
    options = items(the_questionnaire(staff_client))["triggers"]["answerOption"]
    exclusive = [
        o["valueCoding"]["code"]
        for o in options
        if {"url": f"{EXT}/questionnaire-optionExclusive", "valueBoolean": True}
        in o.get("extension", [])
    ]
    assert exclusive == ["none"]


def _constraints(form: dict) -> dict[str, list[str]]:
    found = {}
    for link_id, item in items(form).items():
        for extension in item.get("extension", []):
            if extension["url"] == f"{EXT}/questionnaire-constraint":
                parts = {e["url"]: e for e in extension["extension"]}
                found.setdefault(link_id, []).append(parts["expression"]["valueString"])
    return found


def _holds(form: dict, response: dict) -> dict[str, bool]:
    """Each constraint evaluated on the response's item (fhirpathpy with the R4 model, so
    `answer.value` resolves; %resource is the response). An unanswered item holds."""
    results = {}
    for link_id, expressions in _constraints(form).items():
        for expression in expressions:
            on_item = f"QuestionnaireResponse.repeat(item).where(linkId='{link_id}')"
            value = evaluate(
                response, f"{on_item}.select({expression})", {"resource": response},
                model=models["r4"],
            )  # fmt: skip
            results[f"{link_id}: {expression[-40:]}"] = value in ([True], [])
    return results


@pytest.mark.parametrize(
    ("defect", "broken"),
    [(_fps_r_five, "pain_now"), (_worst_below_now, "pain_worst"), (_none_and_injury, "triggers")],
    ids=["fps-r-5", "worst-below-now", "none-and-injury"],
)
def test_the_rules_are_fhirpath_constraints_an_independent_engine_checks(
    staff_client, defect, broken
):
    form = the_questionnaire(staff_client)
    assert set(_constraints(form)) == {"pain_now", "pain_worst", "triggers", "kawasaki_features"}
    response = a_response(staff_client)
    assert all(_holds(form, response).values())  # a valid intake breaks none
    defect(response)
    failed = [key for key, held in _holds(form, response).items() if not held]
    assert failed and all(key.startswith(broken) for key in failed)


def post(client, body, content_type="application/fhir+json"):
    return client.post(VALIDATE, json.dumps(body), content_type=content_type)


def test_validate_a_valid_response(staff_client):
    outcome = post(staff_client, a_response(staff_client)).json()
    assert_fhir_valid(outcome)
    assert [i["severity"] for i in outcome["issue"]] == ["information"]


@pytest.mark.parametrize(
    ("defect", "link_ids"),
    [
        (_not_assessable_with_scores, {"pain_now", "pain_worst"}),
        (_none_and_injury, {"triggers"}),
        (_fps_r_five, {"pain_now"}),
        (_worst_below_now, {"pain_worst"}),
    ],
)
def test_validate_names_each_item_with_a_problem(staff_client, defect, link_ids):
    response = a_response(staff_client)
    defect(response)
    items(response)["age_years"]["answer"] = [{"valueString": "eleven"}]
    parameters = {
        "resourceType": "Parameters",
        "parameter": [{"name": "resource", "resource": response}],
    }
    outcome = post(staff_client, parameters).json()
    assert_fhir_valid(outcome)
    errors = [i for i in outcome["issue"] if i["severity"] == "error"]
    named = {i["details"]["text"] for i in errors}
    assert named == link_ids | {"age_years"}
    for issue in errors:
        assert issue["expression"] == [
            f"QuestionnaireResponse.repeat(item).where(linkId='{issue['details']['text']}')"
        ]
    assert any(i["diagnostics"].startswith("age_years (Age (completed years)): ") for i in errors)


def test_validate_names_items_the_questionnaire_lacks_and_a_foreign_questionnaire(staff_client):
    response = a_response(staff_client)
    response["item"].append({"linkId": "shoe_size", "answer": [{"valueInteger": 3}]})
    response["questionnaire"] = "http://other.example/Questionnaire/x"
    diagnostics = [i["diagnostics"] for i in post(staff_client, response).json()["issue"]]
    assert "shoe_size: not an item of the Questionnaire." in diagnostics
    assert any(d.startswith("questionnaire must be ") for d in diagnostics)


def test_validate_refuses_other_formats_and_methods(staff_client, client):
    response = a_response(staff_client)
    assert post(staff_client, response, content_type="application/fhir+xml").status_code == 415
    assert post(staff_client, {"resourceType": "Patient"}).status_code == 400
    not_json = staff_client.post(VALIDATE, b"{", content_type="application/fhir+json")
    assert not_json.status_code == 400
    assert not_json.json()["issue"][0]["diagnostics"] == "The body is not JSON."
    big = b'{"resourceType": "QuestionnaireResponse", "x": "' + b"a" * 1_000_000 + b'"}'
    oversized = staff_client.post(VALIDATE, big, content_type="application/fhir+json")
    assert oversized.status_code == 413
    assert staff_client.get(VALIDATE).status_code == 405
    assert post(client, response).status_code == 401  # not signed in, no token
