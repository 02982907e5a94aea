"""Storing a prefetched QuestionnaireResponse as an intake (AMPS_CDS_STORE_RESPONSES).

Off by default: the card then comes from screening the response, and nothing is stored. On,
a completed response for our Questionnaire, about a patient we know by MRN, is stored once as
a submitted intake of that patient (screened like any other, so it reaches the review queue),
made by the EHR's own account; the card then links to that case. The patient's identity is
ours: the response adds an intake, never changes who the patient is."""

from __future__ import annotations

import hashlib
import json
import logging

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from intake import services
from intake.forms.intake import FIRST_INTAKE_DATE
from intake.models import PATIENT_FIELDS, Patient, Screening, model_values
from interop.cds.suggestions import ResponseNotUsable, intake_json, response_date
from interop.models import CdsClient, StoredResponse

logger = logging.getLogger(__name__)


def store_response(*, client: CdsClient, response: dict, patient: Patient) -> Screening | None:
    """The screening of the intake stored from this response (stored now, or when the same
    response came before); None when it cannot be stored (its answers are not a valid intake,
    its date is impossible, or the intake cannot be saved)."""
    try:
        data = intake_json(response)
    except ResponseNotUsable:
        return None
    day = response_date(response) or timezone.localdate()
    content_hash = answers_hash(data, day, patient)
    known = _stored(client, content_hash)
    if known is not None:
        return known
    if not FIRST_INTAKE_DATE <= day <= timezone.localdate():
        logger.info("CDS response not stored: its date is out of range")
        return None
    try:
        with transaction.atomic():
            intake, screening = services.save_intake(
                intake=None,
                patient_values=_identity(patient),
                intake_values={**model_values(data), "intake_date": day, "clinical_notes": ""},
                user=ehr_account(client),
                submit=True,
                patient=patient,
            )
            StoredResponse.objects.create(client=client, content_hash=content_hash, intake=intake)
    except IntegrityError:  # the same response stored by a call at the same moment
        return _stored(client, content_hash)
    except (services.IdentityKept, services.PatientRegisteredMeanwhile) as refused:
        logger.info("CDS response not stored: %s", type(refused).__name__)
        return None
    return screening


def answers_hash(data: dict, day, patient: Patient) -> str:
    """What makes a response the same one again: its answers (as the intake they make), its
    date and the patient; never its `id`, `meta` or the order of its items, which an EHR may
    change each time it sends the same questionnaire."""
    key = {"patient": str(patient.uuid), "date": day.isoformat(), "answers": data}
    return hashlib.sha256(
        json.dumps(key, sort_keys=True, separators=(",", ":"), default=str).encode()
    ).hexdigest()


def _stored(client: CdsClient, content_hash: str) -> Screening | None:
    stored = (
        StoredResponse.objects.select_related("intake__current_screening")
        .filter(client=client, content_hash=content_hash)
        .first()
    )
    return stored.intake.current_screening if stored is not None else None


def _identity(patient: Patient) -> dict:
    return {name: getattr(patient, name) for name in PATIENT_FIELDS}


def ehr_account(client: CdsClient):
    """The account that intakes stored from this EHR's responses are made by: named after the
    client, inactive and without a usable password (it can never sign in)."""
    user, created = get_user_model().objects.get_or_create(
        username=f"cds-client-{client.pk}",
        defaults={"first_name": client.label[:150], "last_name": "(EHR)", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user
