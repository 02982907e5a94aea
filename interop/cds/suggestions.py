"""A suggestion as the FHIR and CDS Hooks code needs it, whether stored (a Screening) or
worked out from a QuestionnaireResponse an EHR sent (never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone

from intake.models import CriteriaSet, Screening, completed_years
from intake.rules import facts, validation
from intake.rules.engine import Outcome, Result
from interop.fhir.common import Base
from interop.fhir.questionnaire import items_by_link_id
from interop.fhir.resources import urgency_of

# The most answers one QuestionnaireResponse may carry (ours has under 100 items).
MAX_RESPONSE_ITEMS = 500


@dataclass(frozen=True)
class Suggestion:
    outcome: str
    urgency: str
    red_flags: list
    pathways: list
    caveats: list
    caveat_messages: list
    trace: list
    explanation: str
    criteria_version: int
    criteria_hash: str
    created_at: datetime
    screening: Screening | None = None
    screening_uuid: UUID | None = None
    intake_uuid: UUID | None = None
    patient_uuid: UUID | None = None

    @classmethod
    def of_screening(cls, screening: Screening) -> Suggestion:
        """A stored screening (its intake and criteria set loaded)."""
        return cls(
            **_what_was_found(screening),
            criteria_version=screening.criteria_set.version,
            criteria_hash=screening.criteria_hash,
            created_at=screening.created_at,
            screening=screening,
            screening_uuid=screening.uuid,
            intake_uuid=screening.intake.uuid,
            patient_uuid=screening.intake.patient.uuid,
        )

    @classmethod
    def of_result(cls, result: Result, *, criteria_set: CriteriaSet, criteria_hash: str):
        return cls(
            **_what_was_found(result),
            criteria_version=criteria_set.version,
            criteria_hash=criteria_hash,
            created_at=timezone.now(),
        )


# What a stored screening and an engine result both hold, under the same names.
_FOUND = ("outcome", "red_flags", "pathways", "caveats", "caveat_messages", "trace", "explanation")


def _what_was_found(row) -> dict:
    return {name: getattr(row, name) for name in _FOUND} | {"urgency": _urgency(row.outcome, row)}


def _urgency(outcome: str, row) -> str:
    """A referral's urgency (routine when its set had none); "" for other outcomes."""
    return urgency_of(row) if outcome == Outcome.REFER else ""


class ResponseNotUsable(ValueError):
    """A QuestionnaireResponse that is not a whole, valid intake: the errors, by field."""

    def __init__(self, errors: list[str]):
        super().__init__("; ".join(errors))
        self.errors = errors


def intake_json(response: dict, patient: dict | None = None) -> dict:
    """The data-dictionary JSON intake held by a QuestionnaireResponse for our Questionnaire
    (its answers by linkId; derived and non-fact items are ignored, the engine derives).
    Without `age_years` or `sex` answers, they come from the prefetched Patient resource
    (birthDate at the intake date, or the authored date; gender)."""
    items = items_by_link_id(response)
    if len(items) > MAX_RESPONSE_ITEMS:
        raise ResponseNotUsable([f"item: more than {MAX_RESPONSE_ITEMS} items"])
    data: dict = {}
    errors = []
    for name, fact in facts.INPUT_FACTS.items():
        item = items.get(name)
        answers = (item or {}).get("answer") or []
        if not isinstance(answers, list):
            errors.append(f"{name}: answer must be a list")
            continue
        values = []
        for answer in answers:
            value = _answer_value(answer, fact)
            if value is _BAD:
                errors.append(f"{name}: an answer of the wrong type")
                break
            values.append(value)
        else:
            if fact.type == facts.CODES:
                data[name] = values
            elif len(values) > 1:
                errors.append(f"{name}: more than one answer")
            elif values:
                data[name] = values[0]
    if errors:
        raise ResponseNotUsable(errors)
    if isinstance(patient, dict):
        _from_patient(data, items, response, patient)
    return data


def _from_patient(data: dict, items: dict, response: dict, patient: dict) -> None:
    gender = patient.get("gender")
    if "sex" not in data and isinstance(gender, str) and gender in facts.CODE_LABELS["sex"]:
        data["sex"] = patient["gender"]
    born = _date(patient.get("birthDate"))
    on = response_date(response, items) or timezone.localdate()
    if "age_years" not in data and born is not None and born <= on:
        data["age_years"] = completed_years(born, on)


def response_date(response: dict, items: dict | None = None) -> date | None:
    """The intake date a response gives: its `intake_date` answer, else the day it was
    authored; None when it gives neither."""
    items = items_by_link_id(response) if items is None else items
    answers = (items.get("intake_date") or {}).get("answer")
    first = answers[0] if isinstance(answers, list) and answers else None
    on = _date(first.get("valueDate") if isinstance(first, dict) else None)
    return on or _date(str(response.get("authored", ""))[:10])


def _date(value) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


_BAD = object()


def _answer_value(answer, fact: facts.Fact):
    if not isinstance(answer, dict):
        return _BAD
    if fact.type == facts.BOOL:
        value = answer.get("valueBoolean")
        return value if isinstance(value, bool) else _BAD
    if fact.type == facts.INT:
        value = answer.get("valueInteger")
        return value if isinstance(value, int) and not isinstance(value, bool) else _BAD
    if fact.type == facts.DECIMAL:
        value = answer.get("valueDecimal")
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        return float(value) if ok else _BAD
    coding = answer.get("valueCoding")
    if not isinstance(coding, dict) or not isinstance(coding.get("code"), str):
        return _BAD
    return coding["code"]


def is_our_response(base: Base, resource) -> bool:
    """A completed QuestionnaireResponse answering our Questionnaire (any version given)."""
    if not isinstance(resource, dict) or resource.get("resourceType") != "QuestionnaireResponse":
        return False
    questionnaire = resource.get("questionnaire")
    if not isinstance(questionnaire, str):
        return False
    return resource.get("status") == "completed" and questionnaire.split("|")[0] in (
        base.questionnaire,
        base.questionnaire.removeprefix(base.url + "/fhir/"),
    )


def screen_response(response: dict, patient: dict | None = None) -> Suggestion:
    """Screen a QuestionnaireResponse with the published criteria set; nothing is stored.
    Raises ResponseNotUsable when its answers are not a valid intake."""
    data = intake_json(response, patient)
    inputs, errors = validation.validate_intake(data)
    if errors:
        raise ResponseNotUsable(
            [f"{e.field}: {e.message}" if e.field else e.message for e in errors]
        )
    criteria_set = CriteriaSet.objects.published()
    compiled = criteria_set.compiled()
    result = compiled.evaluate(facts.derive(inputs), trace=True)
    return Suggestion.of_result(result, criteria_set=criteria_set, criteria_hash=compiled.hash)
