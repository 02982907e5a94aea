"""Shared helpers of the interop tests: stored cases, API tokens, FHIR validation."""

from datetime import timedelta

from django.utils import timezone
from fhir.resources.R4B import get_fhir_model_class

from intake import services
from intake.models import Screening
from interop.models import ApiClient
from tests.factories import IntakeFactory, PatientFactory

VALUE_TYPES = {
    "valueBoolean": "boolean",
    "valueInteger": "integer",
    "valueDecimal": "decimal",
    "valueCoding": "choice",
    "valueDate": "date",
    "valueString": ("text", "string"),
}


def validate(resource: dict):
    """Parse a resource with an independent FHIR library (fhir.resources, R4B models): wrong
    types, unknown elements, broken cardinality and missing required elements fail."""
    model = get_fhir_model_class(resource["resourceType"])
    return model.model_validate(resource)


def screened(example_id="V01", *, patient=None, **fields) -> Screening:
    intake = IntakeFactory(example_id=example_id, patient=patient or PatientFactory(), **fields)
    return services.screen_intake(intake=intake)


def api_token(label="EHR reader", **fields) -> tuple[ApiClient, str]:
    client = ApiClient(label=label, expires_at=timezone.now() + timedelta(days=30), **fields)
    token = client.new_token()
    client.save()
    return client, token


def bearer(token: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def items(resource: dict) -> dict[str, dict]:
    found = {}
    stack = list(resource.get("item", ()))
    while stack:
        item = stack.pop()
        found[item["linkId"]] = item
        stack.extend(item.get("item", ()))
    return found


def answer_type_errors(questionnaire: dict, response: dict) -> list[str]:
    """Every answer of a QuestionnaireResponse whose item is not in the Questionnaire, or whose
    value type does not match the item's type (a choice: a code among its answerOptions)."""
    form = items(questionnaire)
    errors = []
    for link_id, item in items(response).items():
        definition = form.get(link_id)
        if definition is None:
            errors.append(f"{link_id}: not an item of the Questionnaire")
            continue
        for answer in item.get("answer", ()):
            (key,) = answer.keys()
            expected = VALUE_TYPES[key]
            expected = expected if isinstance(expected, tuple) else (expected,)
            if definition["type"] not in expected:
                errors.append(f"{link_id}: {key} for a {definition['type']} item")
            if key == "valueCoding":
                options = [o["valueCoding"] for o in definition["answerOption"]]
                if answer[key] not in options:
                    errors.append(f"{link_id}: {answer[key]} is not an answerOption")
        if "answer" in item and len(item["answer"]) > 1 and not definition.get("repeats"):
            errors.append(f"{link_id}: several answers to an item that does not repeat")
    return errors
