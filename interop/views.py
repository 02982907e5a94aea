"""FHIR R4 reads and the CDS Hooks service. Each view: access check, fetch, build, log.

These endpoints answer machines: they are exempt from the login redirect and check the
caller themselves (interop.access for FHIR, a signed JWT for CDS Hooks)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from amps_screen.inputs import BadInput, load_json
from audit.access import AccessAction, record_access, record_accesses
from intake.models import (
    CriteriaSet,
    CriteriaSetStatus,
    Intake,
    IntakeStatus,
    Patient,
    Review,
    Screening,
)
from interop.access import (
    caller_label,
    fhir_error,
    fhir_read,
    fhir_response,
    format_refusal,
    not_found,
)
from interop.cds import security, service
from interop.cds.suggestions import Suggestion
from interop.fhir import resources, search
from interop.fhir.common import DICTIONARY_VERSION, PLAN_DEFINITION_ID, Base, operation_outcome
from interop.fhir.questionnaire import local_code_systems, questionnaire
from interop.fhir.validate import validate_response


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
    """PlanDefinition/amps-criteria: the published criteria set. A version is a vread
    (`_history/N`) or a search by url and version, never part of the id."""
    if reference != PLAN_DEFINITION_ID:
        return fhir_error(
            404,
            "not-found",
            f"No PlanDefinition with this id; the criteria are PlanDefinition/"
            f"{PLAN_DEFINITION_ID}, a version is PlanDefinition/{PLAN_DEFINITION_ID}/_history/N.",
        )
    criteria_set = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
    if criteria_set is None:
        return not_found("PlanDefinition")
    return fhir_response(resources.plan_definition(Base.of(request), criteria_set))


@fhir_read()
def plan_definition_vread(request: HttpRequest, reference: str, version: str) -> HttpResponse:
    criteria_set = None
    if reference == PLAN_DEFINITION_ID and version.isdigit() and len(version) < 10:
        criteria_set = CriteriaSet.objects.filter(version=int(version)).first()
    if criteria_set is None:
        return fhir_error(404, "not-found", "No PlanDefinition version with this id.")
    return fhir_response(resources.plan_definition(Base.of(request), criteria_set))


def _bad_search(error: search.BadSearch) -> HttpResponse:
    return fhir_response(
        operation_outcome(error.code, str(error), expression=error.parameter), status=400
    )


@fhir_read()
def plan_definition_search(request: HttpRequest) -> HttpResponse:
    base = Base.of(request)
    try:
        params = search.params_of(request, "PlanDefinition")
        count, offset = search.paging(params)
    except search.BadSearch as error:
        return _bad_search(error)
    sets = CriteriaSet.objects.order_by("version")
    if params.get("url", base.plan_definition) != base.plan_definition:
        sets = sets.none()
    version = params.get("version")
    if version is not None:
        sets = (
            sets.filter(version=int(version))
            if version.isdigit() and len(version) < 10
            else sets.none()
        )
    total = sets.count()
    page = [] if params.get("_summary") == "count" else list(sets[offset : offset + count])
    found = [resources.plan_definition(base, criteria_set) for criteria_set in page]
    return fhir_response(
        search.bundle(base, request, found, total=total, count=count, offset=offset)
    )


@fhir_read()
def questionnaire_search(request: HttpRequest) -> HttpResponse:
    base = Base.of(request)
    try:
        params = search.params_of(request, "Questionnaire")
        count, offset = search.paging(params)
    except search.BadSearch as error:
        return _bad_search(error)
    matches = (
        params.get("url", base.questionnaire) == base.questionnaire
        and params.get("version", DICTIONARY_VERSION) == DICTIONARY_VERSION
    )
    page = matches and offset == 0 and count > 0 and params.get("_summary") != "count"
    found = [questionnaire(base)] if page else []
    return fhir_response(
        search.bundle(base, request, found, total=int(matches), count=count, offset=offset)
    )


@login_not_required
@csrf_exempt  # changes nothing; a POST gets its FHIR 405, not the CSRF page
@never_cache
def metadata(request: HttpRequest) -> HttpResponse:
    """GET /fhir/metadata: the CapabilityStatement (no patient data: no sign-in needed)."""
    if request.method != "GET":
        response = fhir_error(405, "not-supported", "Only GET is supported here.")
        response["Allow"] = "GET"
        return response
    refused = format_refusal(request)
    if refused is not None:
        return refused
    published = CriteriaSet.objects.filter(status=CriteriaSetStatus.PUBLISHED).first()
    moment = (published.published_at if published else None) or timezone.now()
    return fhir_response(search.capability_statement(Base.of(request), published=moment))


# --- FHIR: QuestionnaireResponse/$validate -------------------------------------------------------

MAX_VALIDATE_BYTES = 1_000_000


@fhir_read("intake.view_intake", methods=("POST",))
def questionnaire_response_validate(request: HttpRequest) -> HttpResponse:
    """POST a QuestionnaireResponse (or a Parameters holding one as `resource`): an
    OperationOutcome with one issue per problem, each naming its item by linkId (in
    `expression`) and question. Nothing is stored and nothing of ours is read."""
    content_type = request.content_type or ""
    if content_type not in ("application/fhir+json", "application/json"):
        return fhir_error(415, "not-supported", "Send the resource as application/fhir+json.")
    if _too_big(request, MAX_VALIDATE_BYTES):
        return fhir_error(413, "too-costly", "The resource is too large (at most 1 MB).")
    try:
        body = load_json(request.body)
    except BadInput as error:
        return fhir_error(400, "structure", f"The {error.field} {error.message}.")
    if isinstance(body, dict) and body.get("resourceType") == "Parameters":
        parts = body.get("parameter") if isinstance(body.get("parameter"), list) else []
        body = next(
            (
                p.get("resource")
                for p in parts
                if isinstance(p, dict) and p.get("name") == "resource"
            ),
            None,
        )
    if not isinstance(body, dict) or body.get("resourceType") != "QuestionnaireResponse":
        return fhir_error(400, "structure", "Send a QuestionnaireResponse.")
    return fhir_response(validate_response(Base.of(request), body))


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


@fhir_read("intake.view_patient")
def patient_search(request: HttpRequest) -> HttpResponse:
    """Patient?identifier=system|value (our MRN system) or value, and/or _id. One of them
    is required: this server does not list every patient."""
    base = Base.of(request)
    try:
        params = search.params_of(request, "Patient")
        count, offset = search.paging(params)
        if "identifier" not in params and "_id" not in params:
            raise search.BadSearch("identifier", "a Patient search needs identifier or _id")
    except search.BadSearch as error:
        return _bad_search(error)
    patients = Patient.objects.order_by("pk")
    if "identifier" in params:
        system, value = search.token(params["identifier"])
        if system is not None and system != base.mrn_system:
            patients = patients.none()
        patients = patients.filter(mrn=value)
    if "_id" in params:
        patients = patients.filter(uuid=_uuid(params["_id"]))
    return _searchset(request, base, patients, count, offset, "Patient", _patient_entry)


def _patient_entry(base, patient) -> tuple[dict, tuple]:
    return resources.patient_resource(base, patient), (patient, None)


def _response_entry(base, intake) -> tuple[dict, tuple]:
    return resources.questionnaire_response(base, intake), (intake.patient, intake)


def _searchset(request, base, rows, count, offset, resource_type, entry) -> HttpResponse:
    """The Bundle of one page of `rows`; `entry` builds each row's resource and says whose
    it is, and each row's read is logged (one statement for the page). `_summary=count`: the
    total only, nothing read."""
    total = rows.count()
    page = [] if request.GET.get("_summary") == "count" else list(rows[offset : offset + count])
    built = [entry(base, row) for row in page]
    found = [resource for resource, _ in built]
    if found:
        record_accesses(
            request,
            action=AccessAction.API_READ,
            client=caller_label(request),
            detail={"resource": f"{resource_type}?search"},
            records=[whose for _, whose in built],
        )
    if total and not found:
        # A count (or a page past the end) still says the patient is known here: logged, with
        # what was asked for and how many matched, as every read of a row is.
        record_access(
            request,
            action=AccessAction.API_READ,
            client=caller_label(request),
            detail={"resource": f"{resource_type}?search (count)", "rows": total},
        )
    return fhir_response(
        search.bundle(base, request, found, total=total, count=count, offset=offset)
    )


_RESPONSE_STATUS = {
    "completed": ~Q(status=IntakeStatus.DRAFT),
    "in-progress": Q(status=IntakeStatus.DRAFT),
}
_COMPARE = {"eq": "date", "gt": "gt", "lt": "lt", "ge": "gte", "le": "lte"}


@fhir_read("intake.view_patient", "intake.view_intake")
def questionnaire_response_search(request: HttpRequest) -> HttpResponse:
    """QuestionnaireResponse?patient= (or subject=) or _id, with questionnaire, authored
    (ge/le/gt/lt/eq) and status. A patient or _id is required."""
    base = Base.of(request)
    try:
        params = search.params_of(request, "QuestionnaireResponse")
        count, offset = search.paging(params)
        named = params.get("patient") or params.get("subject")
        if named is None and "_id" not in params:
            raise search.BadSearch("patient", "a QuestionnaireResponse search needs patient or _id")
        bounds = search.date_bounds(params.get("authored", []))
        status = params.get("status")
        if status is not None and status not in _RESPONSE_STATUS:
            raise search.BadSearch("status", "must be completed or in-progress")
    except search.BadSearch as error:
        return _bad_search(error)
    intakes = Intake.objects.select_related("patient").annotate(
        authored=Coalesce("submitted_at", "updated_at")
    )
    if named is not None:
        try:
            intakes = intakes.filter(patient__uuid=_uuid(search.reference_id(named, "Patient")))
        except search.BadSearch as error:
            return _bad_search(error)
    if "_id" in params:
        intakes = intakes.filter(uuid=_uuid(params["_id"]))
    wanted = params.get("questionnaire")
    if wanted is not None and wanted.split("|")[0] != base.questionnaire:
        intakes = intakes.none()
    if status is not None:
        intakes = intakes.filter(_RESPONSE_STATUS[status])
    for prefix, moment in bounds:
        if prefix == "eq":
            intakes = intakes.filter(authored__date=moment.date())
        else:
            intakes = intakes.filter(**{f"authored__{_COMPARE[prefix]}": moment})
    order = "authored" if params.get("_sort") == "authored" else "-authored"
    intakes = intakes.order_by(order, "pk")
    return _searchset(
        request, base, intakes, count, offset, "QuestionnaireResponse", _response_entry
    )


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


def _too_big(request: HttpRequest, limit: int | None = None) -> bool:
    """A declared length over the limit (the CDS service's unless given), or not a number."""
    try:
        length = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        return True
    return length > (settings.AMPS_CDS_MAX_REQUEST_BYTES if limit is None else limit)


def _service_url(request: HttpRequest, *parts: str) -> str:
    return "/".join([Base.of(request).url, "cds-services", *parts])


@csrf_exempt  # GET only: a POST gets the JSON 405, not the CSRF page
@login_not_required
@never_cache
def cds_discovery(request: HttpRequest) -> HttpResponse:
    """GET /cds-services: our one service (no patient data, so no token needed)."""
    if request.method != "GET":
        response = _cds_error(405, "Only GET is supported here.")
        response["Allow"] = "GET"
        return response
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
        # The jti is spent (committed) as soon as the token is verified, whatever follows: a
        # token answered 400 or 412 never works again.
        client, _ = security.verify_call(
            request, audiences=[_service_url(request, service.SERVICE_ID)]
        )
        call = service.parse_call(request.body)
        base = Base.of(request)
        # What the call lacks is read from the EHR's FHIR server before the transaction
        # opens: no database connection waits in a transaction on another server's answer.
        service.fill_prefetch(base, call, client)
        # One transaction (one commit) for the card and the access-log entry.
        with transaction.atomic():
            answer = service.call_service(base=base, call=call, client=client)
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


@csrf_exempt  # changes nothing: any method gets the FHIR 404, never the CSRF page
@login_not_required
def fhir_not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    return fhir_response(
        operation_outcome("not-supported", "No such FHIR endpoint here."), status=404
    )
