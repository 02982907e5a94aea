"""A suggestion as the FHIR and CDS Hooks code needs it, whether stored (a Screening) or
worked out from a QuestionnaireResponse an EHR sent (never stored)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from django.utils import timezone

from intake.models import CriteriaSet, Screening, completed_years
from intake.rules import engine, facts, validation
from intake.rules.engine import Outcome, Result
from intake.rules.explanation import explain
from interop.fhir.common import Base
from interop.fhir.questionnaire import items_by_link_id
from interop.fhir.terms import urgency_of

# The most answers one QuestionnaireResponse may carry (ours has under 100 items).
MAX_RESPONSE_ITEMS = 500


@dataclass(frozen=True)
class Suggestion:
    outcome: str
    urgency: str
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
    # Screened from the readable answers of an incomplete response (red flags only).
    incomplete: bool = False
    # The signed review of a stored screening, when there is one.
    review: object | None = None

    @classmethod
    def of_screening(cls, screening: Screening) -> Suggestion:
        """A stored screening (its intake loaded). Its criteria set's version and matched
        criteria come from the set, read and compiled once per process (a set that screened
        an intake never changes), so neither the set nor the stored trace (some 20 kB: every
        comparison of every criterion) need be read with the screening."""
        criteria_set = CriteriaSet.objects.final(screening.criteria_set_id)
        return cls(
            **_what_was_found(screening),
            trace=_matched_steps(screening, criteria_set),
            explanation=screening.explanation,
            criteria_version=criteria_set.version,
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
            trace=result.trace,
            explanation=explain(result),
            criteria_version=criteria_set.version,
            criteria_hash=criteria_hash,
            created_at=timezone.now(),
        )


# What a stored screening and an engine result both hold, under the same names.
_FOUND = ("outcome", "caveat_messages")


def _matched_steps(screening: Screening, criteria_set: CriteriaSet) -> list[dict]:
    """The trace entries of what matched (what a card and a GuidanceResponse name), from the
    screening's codes and its criteria set; the stored trace only when a code is not in the
    set (read then if it was deferred)."""
    codes = [*screening.red_flags, *screening.pathways, *screening.caveats]
    steps = criteria_set.compiled().matched_steps(codes)
    return screening.trace if steps is None else steps


def _what_was_found(row) -> dict:
    return {name: getattr(row, name) for name in _FOUND} | {"urgency": _urgency(row.outcome, row)}


def _urgency(outcome: str, row) -> str:
    """A referral's urgency (routine when its set had none); "" for other outcomes."""
    return urgency_of(row) if outcome == Outcome.REFER else ""


class ResponseNotUsable(ValueError):
    """A QuestionnaireResponse that is not a whole, valid intake: the errors, by field
    ("field: message"), and the same as FieldErrors in `problems` (field "" for the whole)."""

    def __init__(self, errors: list[str], problems: list[validation.FieldError] | None = None):
        super().__init__("; ".join(errors))
        self.errors = errors
        self.problems = problems or []


def intake_json(response: dict, patient: dict | None = None) -> dict:
    """The data-dictionary JSON intake held by a QuestionnaireResponse for our Questionnaire
    (its answers by linkId; derived and non-fact items are ignored, the engine derives).
    Without `age_years` or `sex` answers, they come from the prefetched Patient resource
    (birthDate at the intake date, or the authored date; gender)."""
    data, problems = _answers(response)
    if problems:
        raise ResponseNotUsable([str(p) for p in problems], problems)
    if isinstance(patient, dict):
        _from_patient(data, items_by_link_id(response), response, patient)
    return data


def _answers(response: dict) -> tuple[dict, list[validation.FieldError]]:
    """The answers a response gives, by field, and the answers it gives wrongly (by field;
    a wrong answer is left out of the data)."""
    items = items_by_link_id(response)
    if len(items) > MAX_RESPONSE_ITEMS:
        message = f"more than {MAX_RESPONSE_ITEMS} items"
        return {}, [validation.FieldError("", f"The response has {message}.", "too_large")]
    data: dict = {}
    errors: list[validation.FieldError] = []
    for name, fact in facts.INPUT_FACTS.items():
        item = items.get(name)
        answers = (item or {}).get("answer") or []
        if not isinstance(answers, list):
            errors.append(validation.FieldError(name, "answer must be a list", "type"))
            continue
        values = []
        for answer in answers:
            value = _answer_value(answer, fact)
            if value is _BAD:
                errors.append(validation.FieldError(name, "an answer of the wrong type", "type"))
                break
            values.append(value)
        else:
            if fact.type == facts.CODES:
                if values or not fact.nullable:  # a detail not answered: not asked
                    data[name] = values
            elif len(values) > 1:
                errors.append(validation.FieldError(name, "more than one answer", "cardinality"))
            elif values:
                data[name] = values[0]
    return data, errors


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


def response_inputs(response: dict, patient: dict | None = None) -> dict:
    """The validated intake inputs of a QuestionnaireResponse. Raises ResponseNotUsable when
    its answers are not a valid intake."""
    inputs, errors = validation.validate_intake(intake_json(response, patient))
    if errors:
        raise ResponseNotUsable([str(e) for e in errors], errors)
    return inputs


def screen_inputs(inputs: dict) -> Suggestion:
    """Screen a response's validated inputs with the published criteria set; nothing is
    stored."""
    criteria_set = CriteriaSet.objects.published()
    compiled = criteria_set.compiled()
    result = compiled.evaluate(facts.derive(inputs), trace=True)
    return Suggestion.of_result(result, criteria_set=criteria_set, criteria_hash=compiled.hash)


# --- A response that cannot be screened whole -----------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Why a response could not be screened whole: the question (its text) and what is wrong."""

    link_id: str
    question: str
    message: str
    missing: bool = False


@dataclass(frozen=True)
class PartialScreening:
    """What a response that is not a whole, valid intake still tells: the red flags its
    readable answers match (a referral Suggestion, or None), and every problem."""

    suggestion: Suggestion | None
    problems: list[Problem]


def _problem(error: validation.FieldError) -> Problem:
    fact = facts.INPUT_FACTS.get(error.field)
    question = fact.label if fact else ("The response" if not error.field else error.field)
    return Problem(error.field, question, error.message, missing=error.code == "required")


def problems_of(response: dict, patient: dict | None = None) -> list[validation.FieldError]:
    """Every reason this response is not a valid intake ([] when it is one): wrong answer
    types first, then the data dictionary's rules for the answers that could be read."""
    data, wrong = _answers(response)
    if isinstance(patient, dict):
        _from_patient(data, items_by_link_id(response), response, patient)
    _, errors = validation.validate_intake(data)
    unreadable = {error.field for error in wrong}
    return wrong + [error for error in errors if error.field not in unreadable]


def screen_partially(response: dict, patient: dict | None = None) -> PartialScreening:
    """Screen what can be read of a response that is not a valid intake: every answer that
    breaks a rule (with the answers it contradicts) counts as unknown, and only the red flags
    are judged: a red flag needs no other section, and an unknown answer never matches a
    comparison. An AMPS pathway is not suggested from an incomplete intake."""
    data, _ = _answers(response)
    if isinstance(patient, dict):
        _from_patient(data, items_by_link_id(response), response, patient)
    errors = problems_of(response, patient)
    unknown = {error.field for error in errors}
    inputs: dict = {}
    for name, fact in facts.INPUT_FACTS.items():
        value = None if name in unknown else data.get(name)
        if value is not None:
            value, error = validation.check_value(fact, value)
            value = None if error else value
        inputs[name] = fact.default if value is None and fact.default is not None else value
    criteria_set = CriteriaSet.objects.published()
    compiled = criteria_set.compiled()
    result = compiled.evaluate(facts.derive(inputs), trace=True)
    suggestion = None
    if result.red_flags:
        suggestion = Suggestion(
            outcome=Outcome.REFER,
            urgency=result.urgency or engine.ROUTINE,
            caveat_messages=[],
            trace=[entry for entry in result.trace if entry["kind"] == engine.RED_FLAG],
            explanation="",
            criteria_version=criteria_set.version,
            criteria_hash=compiled.hash,
            created_at=timezone.now(),
            incomplete=True,
        )
    return PartialScreening(suggestion, [_problem(error) for error in errors])
