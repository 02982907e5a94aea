"""FHIR R4 resources built from stored rows: Patient, QuestionnaireResponse, GuidanceResponse,
PlanDefinition, ClinicalImpression, and a patient's $everything Bundle."""

from __future__ import annotations

from functools import lru_cache

from intake.models import (
    CriteriaSet,
    CriteriaSetStatus,
    Intake,
    IntakeStatus,
    Patient,
    Review,
    Screening,
)
from intake.rules import engine
from interop.cds.suggestions import Suggestion
from interop.fhir.common import (
    PLAN_DEFINITION_ID,
    Base,
    coding,
    concept,
    instant,
    number,
    reference,
    search_entries,
)
from interop.fhir.questionnaire import VALUE_KEYS, questionnaire
from interop.fhir.terms import (
    CRITERION_KIND_SYSTEM,
    DECISION_SYSTEM,
    DISPOSITION_SYSTEM,
    OUTCOME_SYSTEM,
    OVERRIDE_REASON_SYSTEM,
    URGENCY_LABELS,
    URGENCY_PRIORITY,
    URGENCY_SYSTEM,
    urgency_of,
)

PLAN_DEFINITION_TYPE = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
EXPRESSION_LANGUAGE = "text/x-amps-expression"


@lru_cache(maxsize=8)
def _questionnaire_for(base_url: str) -> dict:
    return questionnaire(Base(base_url))


# --- Patient -------------------------------------------------------------------------------------


def patient_resource(base: Base, patient: Patient) -> dict:
    return {
        "resourceType": "Patient",
        "id": str(patient.uuid),
        "identifier": [
            {
                "use": "usual",
                "type": concept("http://terminology.hl7.org/CodeSystem/v2-0203", "MR", "MRN"),
                "system": base.mrn_system,
                "value": patient.mrn,
            }
        ],
        "active": True,
        "name": [{"family": patient.family_name, "given": [patient.given_name]}],
        "gender": patient.sex,
        "birthDate": patient.date_of_birth.isoformat(),
    }


# --- QuestionnaireResponse -----------------------------------------------------------------------


def _answers(item: dict, value) -> list[dict]:
    key = VALUE_KEYS[item["type"]]
    if item["type"] == "choice":
        options = {
            option["valueCoding"]["code"]: option["valueCoding"] for option in item["answerOption"]
        }
        codes = value if isinstance(value, list) else [value]
        return [{key: options[code]} for code in codes]
    if item["type"] == "date":
        return [{key: value.isoformat()}]
    return [{key: number(value)}]


def _response_items(items: list[dict], values: dict) -> list[dict]:
    answered = []
    for item in items:
        if item["type"] == "group":
            children = _response_items(item["item"], values)
            if children:
                answered.append({"linkId": item["linkId"], "text": item["text"], "item": children})
            continue
        value = values.get(item["linkId"])
        if value is None or value == "" or value == []:
            continue
        answered.append(
            {"linkId": item["linkId"], "text": item["text"], "answer": _answers(item, value)}
        )
    return answered


def questionnaire_response(base: Base, intake: Intake) -> dict:
    """One intake's answers, item by item as in Questionnaire/amps-intake (derived ones too)."""
    form = _questionnaire_for(base.url)
    values = {
        **intake.facts(),
        "intake_date": intake.intake_date,
        "clinical_notes": intake.clinical_notes,
    }
    authored = intake.submitted_at or intake.updated_at
    return {
        "resourceType": "QuestionnaireResponse",
        "id": str(intake.uuid),
        "meta": {"lastUpdated": instant(intake.updated_at)},
        "questionnaire": base.questionnaire_canonical,
        "status": "in-progress" if intake.status == IntakeStatus.DRAFT else "completed",
        "subject": reference("Patient", intake.patient.uuid),
        "authored": instant(authored),
        "item": _response_items(form["item"], values),
    }


# --- GuidanceResponse ----------------------------------------------------------------------------


def _code_parameter(name: str, system: str, code: str, display: str) -> dict:
    return {"name": name, "valueCoding": coding(system, code, display)}


def matched_criteria(
    trace: list[dict], kinds=(engine.RED_FLAG, engine.AMPS_PATHWAY, engine.CAVEAT)
):
    """The matched criteria of a trace, in criterion order: (code, kind, name)."""
    return [
        (step["code"], step["kind"], step.get("name") or step["code"])
        for step in trace
        if step.get("matched") and step["kind"] in kinds
    ]


def guidance_output(base: Base, suggestion) -> dict:
    """The contained Parameters with a suggestion's coded output (see cds.Suggestion)."""
    kind_labels = engine.KIND_LABELS
    parameters = [
        _code_parameter(
            "outcome", base.code_system(OUTCOME_SYSTEM), suggestion.outcome,
            engine.OUTCOME_LABELS[suggestion.outcome],
        ),
    ]  # fmt: skip
    if suggestion.urgency:
        parameters.append(
            _code_parameter(
                "urgency", base.code_system(URGENCY_SYSTEM), suggestion.urgency,
                URGENCY_LABELS[suggestion.urgency],
            )
        )  # fmt: skip
        # The tier's timeframe in the clinic's words, and as a request priority.
        parameters.append(
            {"name": "urgencyText", "valueString": engine.urgency_text(suggestion.urgency)}
        )
        parameters.append({"name": "priority", "valueCode": URGENCY_PRIORITY[suggestion.urgency]})
    for code, kind, name in matched_criteria(suggestion.trace):
        parameters.append(
            {
                "name": "matchedCriterion",
                "part": [
                    {"name": "code", "valueString": code},
                    {"name": "name", "valueString": name},
                    {
                        "name": "kind",
                        "valueCoding": coding(
                            base.code_system(CRITERION_KIND_SYSTEM), kind, kind_labels[kind]
                        ),
                    },
                ],
            }
        )
    for message in suggestion.caveat_messages:
        parameters.append({"name": "caveatMessage", "valueString": message})
    parameters.append({"name": "criteriaHash", "valueString": suggestion.criteria_hash})
    if suggestion.intake_uuid:
        parameters.append(
            {
                "name": "questionnaireResponse",
                "valueReference": reference("QuestionnaireResponse", suggestion.intake_uuid),
            }
        )
    return {"resourceType": "Parameters", "id": "output", "parameter": parameters}


def guidance_response(base: Base, suggestion, *, request_identifier: str = "") -> dict:
    """The suggestion as a GuidanceResponse: the outcome, urgency and matched criteria as coded
    output, the explanation as a note, the criteria set as moduleCanonical."""
    resource: dict = {"resourceType": "GuidanceResponse"}
    if suggestion.screening_uuid:
        resource["id"] = str(suggestion.screening_uuid)
        resource["meta"] = {"lastUpdated": instant(suggestion.created_at)}
    resource["contained"] = [guidance_output(base, suggestion)]
    if request_identifier:
        resource["requestIdentifier"] = {
            "system": "urn:ietf:rfc:3986",
            "value": f"urn:uuid:{request_identifier}",
        }
    resource["moduleCanonical"] = f"{base.plan_definition}|{suggestion.criteria_version}"
    resource["status"] = "success"
    if suggestion.patient_uuid:
        resource["subject"] = reference("Patient", suggestion.patient_uuid)
    resource["occurrenceDateTime"] = instant(suggestion.created_at)
    if suggestion.explanation:
        resource["note"] = [{"text": suggestion.explanation}]
    resource["outputParameters"] = {"reference": "#output"}
    return resource


# --- PlanDefinition ------------------------------------------------------------------------------

PLAN_STATUS = {
    CriteriaSetStatus.DRAFT: "draft",
    CriteriaSetStatus.PUBLISHED: "active",
    CriteriaSetStatus.RETIRED: "retired",
}


def _action(base: Base, criterion) -> dict:
    action: dict = {"id": criterion.code, "title": criterion.name}
    if criterion.rationale:
        action["description"] = criterion.rationale
    if criterion.message:
        action["textEquivalent"] = criterion.message
    codes = [
        concept(
            base.code_system(CRITERION_KIND_SYSTEM),
            criterion.kind,
            criterion.get_kind_display(),
        )
    ]
    if criterion.kind == engine.RED_FLAG:
        urgency = urgency_of(criterion)
        codes.append(concept(base.code_system(URGENCY_SYSTEM), urgency, URGENCY_LABELS[urgency]))
        action["priority"] = URGENCY_PRIORITY[urgency]
    action["code"] = codes
    if criterion.source:
        action["documentation"] = [{"type": "citation", "citation": criterion.source}]
    action["condition"] = [
        {
            "kind": "applicability",
            "expression": {"language": EXPRESSION_LANGUAGE, "expression": criterion.expression},
        }
    ]
    return action


def plan_definition(base: Base, criteria_set: CriteriaSet) -> dict:
    """A criteria set (one version) as a PlanDefinition: one action per active criterion."""
    criteria = [c for c in criteria_set.criteria.all() if c.active]
    resource = {
        "resourceType": "PlanDefinition",
        # One resource, one version per criteria set: the version is meta.versionId (read it
        # as PlanDefinition/amps-criteria/_history/N), never part of the id.
        "id": PLAN_DEFINITION_ID,
        "meta": {
            "versionId": str(criteria_set.version),
            "lastUpdated": instant(criteria_set.published_at or criteria_set.created_at),
        },
        "extension": [
            {
                "url": base.structure("criteria-content-hash"),
                # A draft has no stored hash yet: the hash of its criteria as they stand.
                "valueString": criteria_set.content_hash or engine.content_hash(criteria),
            }
        ],
        "url": base.plan_definition,
        "version": str(criteria_set.version),
        "name": "AmpsCriteria",
        "title": f"AMPS screen criteria, version {criteria_set.version}",
        "type": concept(PLAN_DEFINITION_TYPE, "eca-rule", "ECA Rule"),
        "status": PLAN_STATUS[criteria_set.status],
        "date": instant(criteria_set.published_at or criteria_set.created_at),
        "description": criteria_set.notes
        or "Any matched red flag: refer; else any matched AMPS pathway: consider AMPS; "
        "else indeterminate. Matched caveats are shown with any outcome.",
        "action": [_action(base, criterion) for criterion in criteria],
    }
    return resource


# --- ClinicalImpression --------------------------------------------------------------------------


def clinical_impression(base: Base, review: Review) -> dict:
    """A signed review: decision (with the override reason as its basis) and disposition as
    findings, the reviewer as assessor, the suggestion and the intake as supporting info."""
    decision: dict = {
        "itemCodeableConcept": concept(
            base.code_system(DECISION_SYSTEM), review.decision, review.get_decision_display()
        )
    }
    if review.override_reason:
        basis = review.get_override_reason_display()
        decision["basis"] = f"{basis}: {review.comment}" if review.comment else basis
    reviewer = review.reviewer
    resource: dict = {
        "resourceType": "ClinicalImpression",
        "id": str(review.uuid),
        "meta": {"lastUpdated": instant(review.signed_at)},
        "status": "completed",
        "description": "Rheumatologist's review of the AMPS screen suggestion",
        "subject": reference("Patient", review.intake.patient.uuid),
        "effectiveDateTime": instant(review.signed_at),
        "date": instant(review.signed_at),
        "assessor": {"display": reviewer.get_full_name() or reviewer.get_username()},
        "protocol": [f"{base.plan_definition}|{review.screening.criteria_set.version}"],
        "summary": f"{review.get_decision_display()}; disposition: "
        f"{review.get_disposition_display()}",
        "finding": [
            decision,
            {
                "itemCodeableConcept": concept(
                    base.code_system(DISPOSITION_SYSTEM),
                    review.disposition,
                    review.get_disposition_display(),
                )
            },
        ],
        "supportingInfo": [
            reference("GuidanceResponse", review.screening.uuid),
            reference("QuestionnaireResponse", review.intake.uuid),
        ],
    }
    if review.override_reason:
        # A finding of its own (statusReason is for a status that is not `completed`).
        resource["finding"].append(
            {
                "itemCodeableConcept": concept(
                    base.code_system(OVERRIDE_REASON_SYSTEM),
                    review.override_reason,
                    review.get_override_reason_display(),
                ),
                "basis": "Why the suggestion was overridden",
            }
        )
    notes = [text for text in (review.note, review.comment) if text]
    if notes:
        resource["note"] = [{"text": text} for text in notes]
    return resource


# --- $everything ---------------------------------------------------------------------------------


def everything(base: Base, patient: Patient) -> dict:
    """A searchset Bundle: the patient, every intake (QuestionnaireResponse), screening
    (GuidanceResponse) and signed review (ClinicalImpression). Four queries whatever the
    number of visits."""
    intakes = list(patient.intakes.order_by("intake_date", "created_at"))
    for intake in intakes:
        intake.patient = patient
    by_id = {intake.pk: intake for intake in intakes}
    screenings = []
    for screening in (
        Screening.objects.filter(intake__patient=patient)
        .select_related("criteria_set")
        .order_by("created_at")
    ):
        screening.intake = by_id[screening.intake_id]
        screenings.append(screening)
    by_screening = {screening.pk: screening for screening in screenings}
    reviews = list(
        Review.objects.filter(intake__patient=patient)
        .select_related("reviewer")
        .order_by("signed_at")
    )
    for review in reviews:
        review.intake = by_id[review.intake_id]
        review.screening = by_screening[review.screening_id]
    resources = [patient_resource(base, patient)]
    resources += [questionnaire_response(base, intake) for intake in intakes]
    resources += [guidance_response(base, Suggestion.of_screening(s)) for s in screenings]
    resources += [clinical_impression(base, review) for review in reviews]
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": search_entries(base, resources),
    }
