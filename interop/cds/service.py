"""The CDS Hooks 2.0 service `amps-screen` on `patient-view`: discovery, the card, feedback.

The card comes from a completed QuestionnaireResponse for our Questionnaire when the EHR
prefetched one (screened with the published criteria set; nothing stored), else from the
patient's latest stored screening (the patient found by the MRN in the prefetched Patient, or
by a patientId that is our Patient id).

Never silent: a response that is not a whole, valid intake still gives the referral card when
a red flag is answered yes (red flags need no other section), and an info card "screening
incomplete" naming each problem by its question. A prefetch that is missing, or that the EHR
could not fill (an OperationOutcome), is read from the EHR's FHIR server when the call names
one (interop.cds.fetching); only when that fails too is the answer 412."""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone

from amps_screen.inputs import BadInput, load_json, parse_instant
from intake.models import (
    CriteriaSet,
    Decision,
    IntakeStatus,
    OverrideReason,
    Patient,
    Review,
    Screening,
)
from intake.rules import engine
from intake.rules import review as review_rules
from interop.cds import fetching
from interop.cds.counts import count_new_outcomes
from interop.cds.storing import store_response
from interop.cds.suggestions import (
    Problem,
    ResponseNotUsable,
    Suggestion,
    is_our_response,
    response_inputs,
    screen_inputs,
    screen_partially,
)
from interop.fhir.common import Base, canonical_url, coding
from interop.fhir.resources import matched_criteria
from interop.fhir.terms import OUTCOME_SYSTEM, OVERRIDE_REASON_SYSTEM
from interop.models import INCOMPLETE, CdsCard, CdsClient, CdsFeedback, FeedbackOutcome, Indicator

logger = logging.getLogger(__name__)

SERVICE_ID = "amps-screen"
HOOK = "patient-view"
PATIENT_KEY = "patient"
RESPONSES_KEY = "questionnaireResponses"
SUMMARY_LIMIT = 139  # the spec: under 140 characters
MAX_FEEDBACK_ITEMS = 100
# Feedback rows one card may collect over all calls (one item per card in a call).
MAX_FEEDBACK_PER_CARD = 10
OUTCOME_WORDS = {
    engine.Outcome.REFER: "refer",
    engine.Outcome.CONSIDER_AMPS: "consider AMPS",
    engine.Outcome.INDETERMINATE: "indeterminate",
}


class BadCall(ValueError):
    """A request that breaks the spec's field rules: answered 400, naming the field."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


class PreconditionFailed(Exception):
    """The service needs data the call did not bring (answered 412)."""


def responses_template(base: Base) -> str:
    """The prefetch of the patient's completed responses to our Questionnaire, latest first."""
    return (
        "QuestionnaireResponse?subject={{context.patientId}}&status=completed"
        f"&questionnaire={base.questionnaire}&_sort=-authored"
    )


def discovery(base: Base) -> dict:
    return {
        "services": [
            {
                "hook": HOOK,
                "title": "AMPS screen",
                "description": (
                    "Screens a child with musculoskeletal pain: refer for inflammatory work-up, "
                    "consider AMPS (amplified musculoskeletal pain syndrome) or indeterminate, "
                    "with the criteria that matched. Decision support: a clinician decides."
                ),
                "id": SERVICE_ID,
                "prefetch": {
                    PATIENT_KEY: "Patient/{{context.patientId}}",
                    RESPONSES_KEY: responses_template(base),
                },
                "usageRequirements": (
                    "The EHR is registered as a CDS client (issuer and JWKS, and its FHIR "
                    "server to be read when a prefetch is missing). Patients are matched by "
                    "the MRN identifier of the prefetched Patient."
                ),
            }
        ]
    }


# --- The call ------------------------------------------------------------------------------------


def _load(body: bytes):
    """The JSON body; BadCall naming the field for what is not JSON or cannot be stored."""
    try:
        return load_json(body)
    except BadInput as error:
        raise BadCall(error.field, error.message) from None


@dataclass
class Call:
    hook_instance: str
    patient_id: str
    prefetch: dict = field(default_factory=dict)
    fhir_server: str = ""
    access_token: str = ""
    # Prefetch keys needed that neither the EHR nor a read of its FHIR server could fill.
    unavailable: set = field(default_factory=set)
    unavailable_reason: str = ""


def parse_call(body: bytes) -> Call:
    data = _load(body)
    if not isinstance(data, dict):
        raise BadCall("body", "must be a JSON object")
    if data.get("hook") != HOOK:
        raise BadCall("hook", f"must be {HOOK!r}")
    hook_instance = data.get("hookInstance")
    if not isinstance(hook_instance, str) or not 1 <= len(hook_instance) <= 100:
        raise BadCall("hookInstance", "must be a string (a UUID) of at most 100 characters")
    context = data.get("context")
    if not isinstance(context, dict):
        raise BadCall("context", "must be an object")
    patient_id = context.get("patientId")
    if not isinstance(patient_id, str) or not 1 <= len(patient_id) <= 64:
        raise BadCall("context.patientId", "must be a FHIR id (a string of 1-64 characters)")
    if not isinstance(context.get("userId"), str):
        raise BadCall("context.userId", "must be a string such as Practitioner/123")
    if "fhirAuthorization" in data and not isinstance(data.get("fhirServer"), str):
        raise BadCall("fhirServer", "is required when fhirAuthorization is sent")
    fhir_server = data.get("fhirServer", "")
    if not isinstance(fhir_server, str) or len(fhir_server) > fetching.MAX_SERVER_URL:
        raise BadCall("fhirServer", "must be a URL of at most 300 characters")
    access_token = ""
    authorization = data.get("fhirAuthorization")
    if authorization is not None:
        access_token = authorization.get("access_token") if isinstance(authorization, dict) else 0
        if not isinstance(access_token, str) or not 1 <= len(access_token) <= 8192:
            raise BadCall("fhirAuthorization.access_token", "must be a string of 1-8192 characters")
        if authorization.get("token_type", "Bearer") != "Bearer":
            raise BadCall("fhirAuthorization.token_type", "must be 'Bearer'")
    prefetch = data.get("prefetch", {})
    if not isinstance(prefetch, dict):
        raise BadCall("prefetch", "must be an object")
    return Call(
        hook_instance=hook_instance,
        patient_id=patient_id,
        prefetch=prefetch,
        fhir_server=fhir_server,
        access_token=access_token,
    )


def _is_outcome(value) -> bool:
    """A prefetch the EHR could not fill: an OperationOutcome, or a Bundle holding only one."""
    if not isinstance(value, dict):
        return False
    if value.get("resourceType") == "OperationOutcome":
        return True
    entries = value.get("entry") if value.get("resourceType") == "Bundle" else None
    return (
        bool(entries)
        and isinstance(entries, list)
        and all(
            isinstance(e, dict)
            and isinstance(e.get("resource"), dict)
            and e["resource"].get("resourceType") == "OperationOutcome"
            for e in entries
        )
    )


def fill_prefetch(base: Base, call: Call, client: CdsClient) -> None:
    """Read from the EHR's FHIR server each prefetch the call lacks (absent, or an
    OperationOutcome). What could not be had is remembered in `call.unavailable` (with the
    reason in `call.unavailable_reason`): the call still gets the cards the rest allows, and
    412 when that is none."""
    wanted = [
        key
        for key in (PATIENT_KEY, RESPONSES_KEY)
        if key not in call.prefetch or _is_outcome(call.prefetch[key])
    ]
    outcomes = {key for key in wanted if key in call.prefetch}
    for key in outcomes:
        del call.prefetch[key]
    if not wanted:
        return
    if not call.fhir_server or not client.fhir_server:
        # Nothing to read (or this EHR's server is not to be read): what is absent is no data,
        # and what the EHR could not prefetch is missing.
        call.unavailable = outcomes
        call.unavailable_reason = (
            "the EHR could not prefetch it, and there is no FHIR server to read it from"
        )
        return
    try:
        server = fetching.allowed_server(call.fhir_server, client.fhir_server)
        reads = {}
        if PATIENT_KEY in wanted:
            reads[PATIENT_KEY] = (fetching.fetch_patient, server, call.patient_id,
                                  call.access_token)  # fmt: skip
        if RESPONSES_KEY in wanted:
            reads[RESPONSES_KEY] = (fetching.fetch_responses, server, call.patient_id,
                                    base.questionnaire, call.access_token)  # fmt: skip
        found, failed = fetching.read_all(reads)
        # What was read is used even when the other read failed: the cards the rest allows.
        call.prefetch.update(found)
        if failed:
            call.unavailable = set(wanted) - set(call.prefetch)
            call.unavailable_reason = f"reading the FHIR server failed ({failed[0]})"
    except fetching.UnsafeServer as error:
        call.unavailable = set(wanted) - set(call.prefetch)
        call.unavailable_reason = f"fhirServer {error}"
    if call.unavailable:
        logger.info("CDS call %s: not read from the FHIR server: %s", call.hook_instance,
                    call.unavailable_reason)  # fmt: skip


def _resources(value) -> list[dict]:
    """The resources of a prefetched value: a resource, or the entries of a Bundle."""
    if not isinstance(value, dict):
        return []
    if value.get("resourceType") == "Bundle":
        entries = value.get("entry")
        if not isinstance(entries, list):
            return []
        return [e["resource"] for e in entries if isinstance(e, dict) and "resource" in e]
    return [value]


def _prefetched_response(base: Base, call: Call) -> dict | None:
    """The most recently authored completed QuestionnaireResponse for our Questionnaire."""
    ours = [r for r in _resources(call.prefetch.get(RESPONSES_KEY)) if is_our_response(base, r)]
    ours.sort(key=lambda r: str(r.get("authored", "")), reverse=True)
    return ours[0] if ours else None


def find_patient(base: Base, call: Call) -> Patient | None:
    """Our patient: by the MRN identifier (our MRN system) of the prefetched Patient, else by
    a patientId that is one of our Patient ids. Raises PreconditionFailed when neither can
    tell (no Patient prefetched and the id is not ours)."""
    mrns = _prefetched_mrns(base, call)
    patient = Patient.objects.filter(mrn__in=mrns).first() if mrns else None
    if patient is not None:
        return patient
    try:
        patient = Patient.objects.filter(uuid=uuid.UUID(call.patient_id)).first()
    except ValueError:
        patient = None
    if patient is None and PATIENT_KEY not in call.prefetch:
        why = f" ({call.unavailable_reason})" if PATIENT_KEY in call.unavailable else ""
        raise PreconditionFailed(
            f"Prefetch {PATIENT_KEY!r} (Patient/{{{{context.patientId}}}}) is needed to find "
            f"the patient by MRN{why}."
        )
    return patient


@dataclass
class Answer:
    cards: list[dict]
    patient: Patient | None = None
    screening: Screening | None = None


def call_service(*, base: Base, call: Call, client: CdsClient) -> Answer:
    """The cards for one call, each stored as a CdsCard for feedback (the view holds the
    call's transaction): the suggestion's card, and a "screening incomplete" card when the
    prefetched response could not be screened whole. The call's prefetch is complete by then
    (fill_prefetch, before the transaction)."""
    check_one_patient(base, call)
    response = _prefetched_response(base, call)
    patient_resource = call.prefetch.get(PATIENT_KEY)
    suggestion, inputs, problems = None, None, []
    if response is not None:
        try:
            inputs = response_inputs(response, patient_resource)
        except ResponseNotUsable as error:
            # The fields only: the messages quote the answers, which are patient data.
            fields = sorted({message.split(":", 1)[0] for message in error.errors})
            logger.info("CDS call %s: prefetched response not usable (fields: %s)",
                        call.hook_instance, ", ".join(fields)[:300])  # fmt: skip
            partial = screen_partially(response, patient_resource)
            suggestion = partial.suggestion
            problems = partial.problems or [
                Problem("", "The response", "could not be read as an intake")
            ]
    if suggestion is None and inputs is None:
        screening = _latest_screening(base, call)
        if screening is not None:
            suggestion = Suggestion.of_screening(screening)
            suggestion = _with_review(suggestion, screening)
            patient = screening.intake.patient
        else:
            patient = find_patient(base, call)
    else:
        patient = _quiet_find(base, call)
        # A stored response is screened once, as it is stored; else it is screened unstored.
        if settings.AMPS_CDS_STORE_RESPONSES and patient is not None and not problems:
            stored = store_response(client=client, response=response, patient=patient)
            if stored is not None:
                suggestion = Suggestion.of_screening(stored)
        if suggestion is None:
            suggestion = screen_inputs(inputs)
    cards = []
    if suggestion is not None:
        row = CdsCard.objects.create(
            client=client,
            hook_instance=call.hook_instance,
            screening=suggestion.screening,
            from_prefetch=suggestion.screening is None,
            outcome=suggestion.outcome,
            indicator=card_indicator(suggestion),
            criteria_version=suggestion.criteria_version,
        )
        cards.append(card(base, suggestion, card_uuid=row.uuid))
    if problems:
        version = suggestion.criteria_version if suggestion else _published_version()
        row = CdsCard.objects.create(
            client=client,
            hook_instance=call.hook_instance,
            from_prefetch=True,
            outcome=INCOMPLETE,
            indicator=Indicator.INFO,
            criteria_version=version,
        )
        cards.append(incomplete_card(base, problems, suggestion, version, card_uuid=row.uuid))
    if not cards and call.unavailable:
        keys = ", ".join(sorted(call.unavailable))
        raise PreconditionFailed(f"No data for prefetch {keys}: {call.unavailable_reason}.")
    return Answer(
        cards=cards,
        patient=patient,
        screening=suggestion.screening if suggestion else None,
    )


def _published_version() -> int:
    return CriteriaSet.objects.published().version


def _with_review(suggestion: Suggestion, screening: Screening) -> Suggestion:
    """The suggestion with its signed review, when the screening has one (loaded with it)."""
    try:
        review = screening.review
    except Review.DoesNotExist:
        return suggestion
    return replace(suggestion, review=review)


def check_one_patient(base: Base, call: Call) -> None:
    """The call's identities (the MRNs of the prefetched Patient, and a patientId that is one
    of our Patient ids) must not name two of our patients: BadCall saying which disagree.
    One query, made only when there are two identities to compare."""
    mrns = _prefetched_mrns(base, call)
    try:
        ours = uuid.UUID(call.patient_id)
    except ValueError:
        ours = None
    if len(set(mrns)) < 2 and not (mrns and ours):
        return
    named = Q(mrn__in=mrns) | Q(uuid=ours) if ours else Q(mrn__in=mrns)
    found = list(Patient.objects.filter(named).values_list("uuid", "mrn")[:3])
    by_mrn = {patient_uuid for patient_uuid, mrn in found if mrn in mrns}
    if len(by_mrn) > 1:
        raise BadCall(
            f"prefetch.{PATIENT_KEY}.identifier",
            "holds MRNs of two different patients: the call must be about one patient",
        )
    if ours and by_mrn and ours not in by_mrn and any(u == ours for u, _ in found):
        raise BadCall(
            "context.patientId",
            f"names a different patient than the MRN of prefetch.{PATIENT_KEY}: "
            "the call must be about one patient",
        )


def _prefetched_mrns(base: Base, call: Call) -> list[str]:
    prefetched = call.prefetch.get(PATIENT_KEY)
    if not isinstance(prefetched, dict) or prefetched.get("resourceType") != "Patient":
        return []
    identifiers = prefetched.get("identifier")
    return [
        identifier["value"]
        for identifier in (identifiers if isinstance(identifiers, list) else [])
        if isinstance(identifier, dict)
        and identifier.get("system") == base.mrn_system
        and isinstance(identifier.get("value"), str)
    ]


def _latest_screening(base: Base, call: Call) -> Screening | None:
    """The latest screening of the patient named by MRN or by our id, in one query."""
    return latest_screenings(base, call).first()


def latest_screenings(base: Base, call: Call):
    """The screenings of the patient named by MRN or by our id, latest first, with what a
    card and the access log read of them."""
    named = Q(intake__patient__mrn__in=_prefetched_mrns(base, call))
    try:
        named |= Q(intake__patient__uuid=uuid.UUID(call.patient_id))
    except ValueError:
        pass
    return (
        Screening.objects.filter(named)
        # A historic intake (a REDCap import) is screened when it is loaded, years after its
        # visit: its screening is never "the latest" a card speaks of.
        .exclude(intake__status=IntakeStatus.HISTORIC)
        # The criteria set comes from CriteriaSet.objects.final (kept per process).
        .select_related("intake__patient", "review__reviewer")
        # Only what the card and the access log read: the intake's ~100 answer columns are
        # neither fetched nor planned for (a third of a call's cost when they were), nor the
        # screening's trace (20 kB of JSON; the matched criteria come from its set).
        .only(*CARD_FIELDS)
        .order_by("-created_at", "-pk")
    )


# The columns of a screening, its intake, patient and review that a card is made of.
CARD_FIELDS = (
    "uuid",
    "outcome",
    "urgency",
    "red_flags",
    "pathways",
    "caveats",
    "caveat_messages",
    "explanation",
    "criteria_hash",
    "created_at",
    "criteria_set_id",
    "intake__uuid",
    "intake__status",  # the access log keeps the status the card was made from
    "intake__patient__uuid",
    "intake__patient__mrn",
    "review__decision",
    "review__override_reason",
    "review__comment",
    "review__disposition",
    "review__signed_at",
    "review__reviewer__username",
    "review__reviewer__first_name",
    "review__reviewer__last_name",
)


def _quiet_find(base: Base, call: Call) -> Patient | None:
    try:
        return find_patient(base, call)
    except PreconditionFailed:
        return None


# --- The card ------------------------------------------------------------------------------------


def indicator(suggestion: Suggestion) -> str:
    if suggestion.outcome == engine.Outcome.REFER:
        return Indicator.CRITICAL if suggestion.urgency == "emergency" else Indicator.WARNING
    return Indicator.INFO


# A signed override's card follows the disposition signed, not the overridden suggestion.
_DISPOSITION_INDICATORS = {
    review_rules.INFLAMMATORY_WORKUP: Indicator.WARNING,
    review_rules.OTHER_REFERRAL: Indicator.WARNING,
}


def card_indicator(suggestion: Suggestion) -> str:
    """The suggestion's indicator; after a signed override, the disposition's."""
    review = suggestion.review
    if review is not None and review.decision == Decision.OVERRIDE:
        return _DISPOSITION_INDICATORS.get(review.disposition, Indicator.INFO)
    return indicator(suggestion)


def _reviewer(review: Review) -> str:
    reviewer = review.reviewer
    return reviewer.get_full_name() or reviewer.get_username()


def review_line(review: Review) -> str:
    """'Reviewed by Dr A Rheum on 2026-12-01: inflammatory work-up'."""
    disposition = _lower_first(review_rules.DISPOSITION_LABELS[review.disposition])
    signed = timezone.localdate(review.signed_at)
    return f"Reviewed by {_reviewer(review)} on {signed:%Y-%m-%d}: {disposition}"


def _lower_first(name: str) -> str:
    if len(name) > 1 and name[1].isupper():  # an acronym: CRP, ESR
        return name
    return name[:1].lower() + name[1:]


def summary(suggestion: Suggestion) -> str:
    """'AMPS screen: refer — Emergency — now / same day (fever, non-weight-bearing)', under 140
    characters; after a signed review, what was signed ('AMPS screen: reviewed by … on …:
    disposition')."""
    if suggestion.review is not None:
        text = f"AMPS screen: {_lower_first(review_line(suggestion.review))}"
        if suggestion.review.decision == Decision.OVERRIDE:
            text += " (suggestion overridden)"
        return text[:SUMMARY_LIMIT]
    text = f"AMPS screen: {OUTCOME_WORDS[suggestion.outcome]}"
    kinds = (engine.RED_FLAG,) if suggestion.outcome == engine.Outcome.REFER else ()
    if suggestion.outcome == engine.Outcome.REFER:
        text += f" — {engine.urgency_text(suggestion.urgency)}"
    elif suggestion.outcome == engine.Outcome.CONSIDER_AMPS:
        kinds = (engine.AMPS_PATHWAY,)
    names = [_lower_first(name) for _, _, name in matched_criteria(suggestion.trace, kinds)]
    for shown in range(len(names), 0, -1):
        rest = len(names) - shown
        listed = ", ".join(names[:shown]) + (f" +{rest} more" if rest else "")
        candidate = f"{text} ({listed})"
        if len(candidate) <= SUMMARY_LIMIT:
            return candidate
    return text[:SUMMARY_LIMIT]


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def _md(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def detail(suggestion: Suggestion) -> str:
    """The card's markdown: the signed review, outcome, urgency, the matched criteria,
    caveats, provenance."""
    lines = []
    review = suggestion.review
    if review is not None:
        lines += [f"**{_md(review_line(review))}.**"]
        if review.decision == Decision.OVERRIDE:
            reason = review_rules.OVERRIDE_REASON_LABELS.get(review.override_reason, "")
            lines += [
                "",
                f"The suggestion below was overridden: {_md(reason.split(' (')[0].lower())}"
                + (f" ({_md(review.comment)})" if review.comment else "")
                + ".",
            ]
        lines += ["", "The suggestion that was reviewed:", ""]
    heading = f"**{_md(engine.OUTCOME_LABELS[suggestion.outcome])}**"
    if suggestion.outcome == engine.Outcome.REFER:
        heading += f" — urgency: {_md(engine.urgency_text(suggestion.urgency))}"
    lines.append(heading)
    for kind, heading in (
        (engine.RED_FLAG, "Red flags matched"),
        (engine.AMPS_PATHWAY, "AMPS pathways matched"),
    ):
        matched = matched_criteria(suggestion.trace, (kind,))
        if matched:
            lines += ["", f"{heading}:"]
            lines += [f"- {_md(name)} (`{code}`)" for code, _, name in matched]
    if suggestion.caveat_messages:
        lines += ["", "Caveats:"]
        lines += [f"- {_md(message)}" for message in suggestion.caveat_messages]
    where = "the stored intake" if suggestion.screening else "the prefetched questionnaire"
    if suggestion.incomplete:
        where = (
            "the answers that could be read of an incomplete prefetched questionnaire (red "
            "flags only: see the card 'screening incomplete')"
        )
    lines += [
        "",
        f"Screened {suggestion.created_at:%Y-%m-%d} from {where} with criteria set "
        f"v{suggestion.criteria_version} (content hash `{suggestion.criteria_hash[:12]}`). "
        "This is decision support: a clinician decides.",
    ]
    return "\n".join(lines)


def card(base: Base, suggestion: Suggestion, *, card_uuid) -> dict:
    """One card, following the spec's field rules (optional fields omitted, not null)."""
    version = suggestion.criteria_version
    result: dict = {
        "uuid": str(card_uuid),
        "summary": summary(suggestion),
        "detail": detail(suggestion),
        "indicator": card_indicator(suggestion),
        "source": {
            "label": f"AMPS screen (criteria v{version})",
            "url": canonical_url(base.fhir, "PlanDefinition", base.plan_definition, version),
            "topic": coding(
                base.code_system(OUTCOME_SYSTEM),
                suggestion.outcome,
                engine.OUTCOME_LABELS[suggestion.outcome],
            ),
        },
        "suggestions": [
            {
                "label": f"Accept: {engine.OUTCOME_LABELS[suggestion.outcome]}",
                "uuid": str(uuid.uuid5(card_uuid, "accept")),
                "isRecommended": True,
            }
        ],
        "selectionBehavior": "at-most-one",
        "overrideReasons": [
            coding(base.code_system(OVERRIDE_REASON_SYSTEM), code, label)
            for code, label in OverrideReason.choices
        ],
    }
    links = []
    if suggestion.intake_uuid:
        links.append(
            {
                "label": "Open the case in AMPS screen",
                "url": f"{base.url}/intakes/{suggestion.intake_uuid}/",
                "type": "absolute",
            }
        )
        # Our own SMART launch (/smart/launch: the EHR adds iss and launch), or another.
        links.append(
            {
                "label": "Open the case (SMART app)",
                "url": settings.AMPS_SMART_LAUNCH_URL or f"{base.url}/smart/launch",
                "type": "smart",
                "appContext": json.dumps({"intake": str(suggestion.intake_uuid)}),
            }
        )
    if links:
        result["links"] = links
    return result


def incomplete_card(
    base: Base, problems: list[Problem], suggestion: Suggestion | None, version: int, *, card_uuid
) -> dict:
    """The info card of a response that could not be screened whole: each problem by its
    question, what was judged (the red flags) and what was not."""
    wrong = [p for p in problems if not p.missing]
    missing = [p for p in problems if p.missing]
    lines = ["The prefetched questionnaire could not be screened in full."]
    if wrong:
        lines += ["", "Answers that break the form's rules:"]
        lines += [f"- **{_md(p.question)}**: {_md(p.message)}" for p in wrong]
    if missing:
        lines += ["", "Not answered: " + ", ".join(_md(p.question) for p in missing) + "."]
    if suggestion is not None:
        judged = "A red flag was answered yes: see the referral card."
    else:
        judged = "No red flag was found among the answers that could be read."
    lines += [
        "",
        f"{judged} The red flags were judged on the answers that could be read (criteria set "
        f"v{version}); the AMPS pathways were not assessed. Correct the questionnaire in the "
        "EHR to screen it in full.",
    ]
    count = len(problems)
    text = f"AMPS screen: screening incomplete ({count} problem{'s' if count != 1 else ''})"
    return {
        "uuid": str(card_uuid),
        "summary": text[:SUMMARY_LIMIT],
        "detail": "\n".join(lines),
        "indicator": Indicator.INFO,
        "source": {
            "label": f"AMPS screen (criteria v{version})",
            "url": canonical_url(base.fhir, "PlanDefinition", base.plan_definition, version),
        },
    }


# --- Feedback ------------------------------------------------------------------------------------


def _text(value, where: str, limit: int, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value) or len(value) > limit:
        raise BadCall(where, f"must be a string of at most {limit} characters")
    return value


def _feedback_row(index: int, item, cards: dict) -> CdsFeedback:
    where = f"feedback[{index}]"
    if not isinstance(item, dict):
        raise BadCall(where, "must be an object")
    card_uuid = _text(item.get("card"), f"{where}.card", 100, required=True)
    try:
        stored = cards.get(str(uuid.UUID(card_uuid)))
    except ValueError:
        stored = None
    if stored is None:
        raise BadCall(f"{where}.card", "is not the uuid of a card this service gave you")
    outcome = item.get("outcome")
    if outcome not in FeedbackOutcome.values:
        raise BadCall(f"{where}.outcome", "must be 'accepted' or 'overridden'")
    accepted = item.get("acceptedSuggestions", [])
    if outcome == FeedbackOutcome.ACCEPTED and not accepted:
        raise BadCall(f"{where}.acceptedSuggestions", "is required for an accepted outcome")
    if (
        not isinstance(accepted, list)
        or len(accepted) > 10
        or not all(
            isinstance(a, dict) and isinstance(a.get("id"), str) and len(a["id"]) <= 100
            for a in accepted
        )
    ):
        raise BadCall(f"{where}.acceptedSuggestions", 'must be a list of {"id": string}')
    reason = item.get("overrideReason") or {}
    if not isinstance(reason, dict) or (reason and outcome != FeedbackOutcome.OVERRIDDEN):
        raise BadCall(f"{where}.overrideReason", "is an object, only for an overridden card")
    coded = reason.get("reason") or {}
    if not isinstance(coded, dict):
        raise BadCall(f"{where}.overrideReason.reason", "must be a Coding")
    try:
        moment = parse_instant(item.get("outcomeTimestamp"))
    except ValueError:
        raise BadCall(
            f"{where}.outcomeTimestamp",
            "must be an ISO 8601 date-time with an offset, in the years 1900-2200",
        ) from None
    return CdsFeedback(
        card=stored,
        outcome=outcome,
        accepted_suggestions=[a["id"] for a in accepted],
        override_reason=_text(coded.get("code"), f"{where}.overrideReason.reason.code", 100),
        override_reason_system=_text(
            coded.get("system"), f"{where}.overrideReason.reason.system", 300
        ),
        user_comment=_text(reason.get("userComment"), f"{where}.overrideReason.userComment", 1000),
        outcome_timestamp=moment,
    )


def _check_rows_per_card(rows: list[CdsFeedback]) -> None:
    """One item per card in a call, and at most MAX_FEEDBACK_PER_CARD rows per card."""
    seen: set[int] = set()
    for index, row in enumerate(rows):
        where = f"feedback[{index}].card"
        if row.card.pk in seen:
            raise BadCall(where, "was given feedback by an earlier item of this call")
        seen.add(row.card.pk)
        if row.card.feedback_rows >= MAX_FEEDBACK_PER_CARD:
            raise BadCall(
                where, f"has had feedback {MAX_FEEDBACK_PER_CARD} times already: no more is kept"
            )


@transaction.atomic
def record_feedback(*, body: bytes, client: CdsClient) -> int:
    """Store every feedback item of a request, or none when one is wrong (BadCall)."""
    data = _load(body)
    items = data.get("feedback") if isinstance(data, dict) else None
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_FEEDBACK_ITEMS:
        raise BadCall("feedback", f"must be a list of 1-{MAX_FEEDBACK_ITEMS} items")
    wanted = [
        i.get("card") for i in items if isinstance(i, dict) and isinstance(i.get("card"), str)
    ]
    valid = []
    for value in wanted:
        try:
            valid.append(uuid.UUID(value))
        except ValueError:
            continue
    # Locked (in one order, so that two requests cannot deadlock over them) until the commit:
    # a concurrent request with feedback on the same card waits, then sees this one's.
    found = CdsCard.objects.select_for_update().filter(client=client, uuid__in=valid)
    cards = {str(card.uuid): card for card in found.order_by("pk")}
    had = _outcomes_had(cards.values())
    rows = [_feedback_row(index, item, cards) for index, item in enumerate(items)]
    _check_rows_per_card(rows)
    CdsFeedback.objects.bulk_create(rows)
    count_new_outcomes([row for row in rows if (row.card.pk, row.outcome) not in had])
    return len(rows)


def _outcomes_had(cards) -> set[tuple[int, str]]:
    """The (card, outcome) pairs already given as feedback; sets each card's `feedback_rows`
    (how many it has) for _check_rows_per_card. One GROUP BY."""
    by_pk = {card.pk: card for card in cards}
    for card in by_pk.values():
        card.feedback_rows = 0
    had = set()
    stored = (
        CdsFeedback.objects.filter(card__in=by_pk)
        .values_list("card", "outcome")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for card_pk, outcome, n in stored:
        by_pk[card_pk].feedback_rows += n
        had.add((card_pk, outcome))
    return had
