"""QuestionnaireResponse/$validate: a response checked against Questionnaire/amps-intake and
the data dictionary's rules, as an OperationOutcome naming each item by linkId."""

from __future__ import annotations

from intake.rules import facts
from interop.cds.suggestions import is_our_response, problems_of
from interop.fhir.common import Base
from interop.fhir.questionnaire import items_by_link_id, questionnaire


def _issue(severity: str, code: str, diagnostics: str, link_id: str = "") -> dict:
    issue: dict = {"severity": severity, "code": code, "diagnostics": diagnostics}
    if link_id:
        issue["expression"] = [f"QuestionnaireResponse.repeat(item).where(linkId='{link_id}')"]
        issue["details"] = {"text": link_id}
    return issue


def validate_response(base: Base, response: dict) -> dict:
    """An OperationOutcome: an error issue per problem (wrong or missing answers, broken
    rules, items the Questionnaire does not have), or one information issue when there is
    none."""
    issues = []
    if not is_our_response(base, {**response, "status": "completed"}):
        issues.append(
            _issue("error", "invalid", f"questionnaire must be {base.questionnaire_canonical}.")
        )
    if response.get("status") not in ("completed", "in-progress", "amended", "stopped",
                                      "entered-in-error"):  # fmt: skip
        issues.append(_issue("error", "value", "status must be a QuestionnaireResponse status."))
    known = items_by_link_id(questionnaire(base))
    for link_id in items_by_link_id(response):
        if link_id not in known:
            issues.append(
                _issue(
                    "error", "structure", f"{link_id}: not an item of the Questionnaire.", link_id
                )  # fmt: skip
            )
    for error in problems_of(response):
        fact = facts.INPUT_FACTS.get(error.field)
        question = f" ({fact.label})" if fact else ""
        code = "required" if error.code == "required" else "value"
        where = error.field or ""
        text = f"{where}{question}: {error.message}" if where else error.message
        issues.append(_issue("error", code, text, where))
    if not issues:
        issues.append(_issue("information", "informational", "No problems found."))
    return {"resourceType": "OperationOutcome", "issue": issues}
