"""FHIR R4 reads and the CDS Hooks service. Each view: access check, fetch, build, log.

These endpoints answer machines: they are exempt from the login redirect and check the
caller themselves (interop.access for FHIR, a signed JWT for CDS Hooks)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from audit.access import AccessAction, record_access
from intake.models import CriteriaSet, CriteriaSetStatus, Intake, Patient, Review, Screening
from interop.access import caller_label, fhir_read, fhir_response, not_found
from interop.cds import security, service
from interop.cds.suggestions import Suggestion
from interop.fhir import resources
from interop.fhir.common import PLAN_DEFINITION_ID, Base, operation_outcome
from interop.fhir.questionnaire import local_code_systems, questionnaire


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _log_read(request: HttpRequest, *, resource: str, patient=None, intake=None) -> None:
    record_access(
        request,
        action=AccessAction.API_READ,
        patient=patient,
        intake=intake,
        client=caller_label(request),
        detail={"resource": resource},
    )


# --- FHIR: definitions (no patient data) ---------------------------------------------------------


@fhir_read()
def questionnaire_read(request: HttpRequest) -> HttpResponse:
    return fhir_response(questionnaire(Base.of(request)))


@fhir_read()
def code_system_read(request: HttpRequest, code_system_id: str) -> HttpResponse:
    systems = local_code_systems(Base.of(request))
    if code_system_id not in systems:
        return not_found("CodeSystem")
    return fhir_response(systems[code_system_id])


@fhir_read()
def plan_definition_read(request: HttpRequest, reference: str) -> HttpResponse:
    """amps-criteria (the published set), amps-criteria|N (canonical|version), or the
    resource id amps-criteria-N."""
    sets = CriteriaSet.objects.all()
    if reference == PLAN_DEFINITION_ID:
        criteria_set = sets.filter(status=CriteriaSetStatus.PUBLISHED).first()
    else:
        name, separator, version = reference.partition("|")
        if not separator:
            name, _, version = reference.rpartition("-")
        criteria_set = None
        if name == PLAN_DEFINITION_ID and version.isdigit() and len(version) < 10:
            criteria_set = sets.filter(version=int(version)).first()
    if criteria_set is None:
        return not_found("PlanDefinition")
    return fhir_response(resources.plan_definition(Base.of(request), criteria_set))


# --- FHIR: patient data (every read is logged) ---------------------------------------------------


@fhir_read("intake.view_intake")
def questionnaire_response_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    intake = Intake.objects.select_related("patient").filter(uuid=_uuid(resource_id)).first()
    if intake is None:
        return not_found("QuestionnaireResponse")
    _log_read(request, resource="QuestionnaireResponse", patient=intake.patient, intake=intake)
    return fhir_response(resources.questionnaire_response(Base.of(request), intake))


@fhir_read("intake.view_screening")
def guidance_response_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    screening = (
        Screening.objects.select_related("intake__patient", "criteria_set")
        .filter(uuid=_uuid(resource_id))
        .first()
    )
    if screening is None:
        return not_found("GuidanceResponse")
    intake = screening.intake
    _log_read(request, resource="GuidanceResponse", patient=intake.patient, intake=intake)
    suggestion = Suggestion.of_screening(screening)
    return fhir_response(resources.guidance_response(Base.of(request), suggestion))


@fhir_read("intake.view_review")
def clinical_impression_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    review = (
        Review.objects.select_related("intake__patient", "screening__criteria_set", "reviewer")
        .filter(uuid=_uuid(resource_id))
        .first()
    )
    if review is None:
        return not_found("ClinicalImpression")
    intake = review.intake
    _log_read(request, resource="ClinicalImpression", patient=intake.patient, intake=intake)
    return fhir_response(resources.clinical_impression(Base.of(request), review))


@fhir_read("intake.view_patient")
def patient_read(request: HttpRequest, resource_id: str) -> HttpResponse:
    patient = Patient.objects.filter(uuid=_uuid(resource_id)).first()
    if patient is None:
        return not_found("Patient")
    _log_read(request, resource="Patient", patient=patient)
    return fhir_response(resources.patient_resource(Base.of(request), patient))


# The bundle holds the reviews (ClinicalImpressions) too.
@fhir_read(
    "intake.view_patient", "intake.view_intake", "intake.view_screening", "intake.view_review"
)
def patient_everything(request: HttpRequest, resource_id: str) -> HttpResponse:
    patient = Patient.objects.filter(uuid=_uuid(resource_id)).first()
    if patient is None:
        return not_found("Patient")
    _log_read(request, resource="Patient/$everything", patient=patient)
    return fhir_response(resources.everything(Base.of(request), patient))


# --- CDS Hooks -----------------------------------------------------------------------------------


def _cds_error(status: int, message: str, *, field: str = "") -> JsonResponse:
    body: dict = {"error": message}
    if field:
        body["field"] = field
    response = JsonResponse(body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="amps_screen CDS Hooks"'
    return response


def _too_big(request: HttpRequest) -> bool:
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return True
    return length > settings.AMPS_CDS_MAX_REQUEST_BYTES


def _service_url(request: HttpRequest, *parts: str) -> str:
    return "/".join([Base.of(request).url, "cds-services", *parts])


@login_not_required
@never_cache
def cds_discovery(request: HttpRequest) -> HttpResponse:
    """GET /cds-services: our one service (no patient data, so no token needed)."""
    if request.method != "GET":
        return _cds_error(405, "Only GET is supported here.")
    return JsonResponse(service.discovery(Base.of(request)))


@csrf_exempt  # machine-to-machine: the caller proves itself with a signed JWT, not a cookie
@login_not_required
@never_cache
def cds_service(request: HttpRequest) -> HttpResponse:
    """POST /cds-services/amps-screen: a card from the patient's screening, or none."""
    if request.method != "POST":
        return _cds_error(405, "Call the service with POST.")
    if _too_big(request):
        return _cds_error(413, "The request is too large.", field="body")
    try:
        # One transaction (one commit) for the jti, the card and the access-log entry.
        with transaction.atomic():
            client, _ = security.verify_call(
                request, audiences=[_service_url(request, service.SERVICE_ID)]
            )
            call = service.parse_call(request.body)
            answer = service.call_service(base=Base.of(request), call=call, client=client)
            if answer.patient is not None or answer.cards:
                record_access(
                    request,
                    action=AccessAction.API_READ,
                    patient=answer.patient,
                    intake=answer.screening.intake if answer.screening else None,
                    client=client.label,
                    detail={"resource": "cds-hooks/amps-screen", "cards": len(answer.cards)},
                )
    except security.NotAuthenticated as error:
        return _cds_error(401, str(error))
    except service.BadCall as error:
        return _cds_error(400, str(error), field=error.field)
    except service.PreconditionFailed as error:
        return _cds_error(412, str(error), field="prefetch")
    return JsonResponse({"cards": answer.cards})


@csrf_exempt  # as above: a signed JWT, not a cookie
@login_not_required
@never_cache
def cds_feedback(request: HttpRequest) -> HttpResponse:
    """POST /cds-services/amps-screen/feedback: what the clinician did with our cards."""
    if request.method != "POST":
        return _cds_error(405, "Send feedback with POST.")
    if _too_big(request):
        return _cds_error(413, "The request is too large.", field="body")
    feedback_url = _service_url(request, service.SERVICE_ID, "feedback")
    try:
        client, _ = security.verify_call(
            request, audiences=[feedback_url, _service_url(request, service.SERVICE_ID)]
        )
        stored = service.record_feedback(body=request.body, client=client)
    except security.NotAuthenticated as error:
        return _cds_error(401, str(error))
    except service.BadCall as error:
        return _cds_error(400, str(error), field=error.field)
    return JsonResponse({"stored": stored})


@login_not_required
def fhir_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    return fhir_response(
        operation_outcome("not-supported", "No such FHIR endpoint here."), status=404
    )
