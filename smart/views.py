"""The EHR launch (`/smart/launch?iss=…&launch=…`) and its callback (`/smart/callback`)."""

import logging

from django.contrib import auth
from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from audit.access import AccessAction, record_access
from intake.forms.intake import IDENTITY_PREFILL
from intake.models import Patient
from interop.fhir.common import Base
from smart import launch as smart
from smart.models import EhrIdentity, SmartEhr

logger = logging.getLogger(__name__)
MAX_PARAMETER = 1000
SIGN_IN_BACKEND = "sso.backend.SingleSignOnBackend"  # a ModelBackend: loads the user again


def _refused(request: HttpRequest, reason: str, *, status: int = 403) -> HttpResponse:
    record_access(
        request,
        action=AccessAction.LAUNCH_REFUSED,
        client="" if request.user.is_authenticated else "SMART launch",
        detail={"reason": reason},
    )
    return render(request, "smart/refused.html", {"reason": reason}, status=status)


@login_not_required
@require_GET
def launch(request: HttpRequest) -> HttpResponse:
    iss = request.GET.get("iss", "").strip().rstrip("/")
    launch_id = request.GET.get("launch", "")
    if not iss or not launch_id or len(iss) > MAX_PARAMETER or len(launch_id) > MAX_PARAMETER:
        return _refused(request, "The EHR's launch needs its iss and launch.", status=400)
    ehr = SmartEhr.objects.filter(iss=iss, active=True).first()
    if ehr is None:
        return _refused(request, "This EHR is not allowed to launch the app (unknown iss).")
    try:
        url = smart.authorize_url(
            request.session,
            ehr=ehr,
            launch=launch_id,
            redirect_uri=request.build_absolute_uri(reverse("smart:callback")),
        )
    except smart.LaunchRefused as error:
        return _refused(request, str(error), status=502)
    return redirect(url)


@login_not_required
@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    try:
        entry = smart.take_pending(request.session, request.GET.get("state", "")[:MAX_PARAMETER])
        if request.GET.get("error"):
            raise smart.LaunchRefused(f"The EHR said: {request.GET['error'][:100]}")
        code = request.GET.get("code", "")
        if not code or len(code) > MAX_PARAMETER:
            raise smart.LaunchRefused("The EHR gave no authorization code.")
        result = smart.complete(entry, code=code)
    except smart.LaunchRefused as error:
        return _refused(request, str(error))
    identity = (
        EhrIdentity.objects.select_related("user")
        .filter(ehr=result.ehr, fhir_user=result.fhir_user, user__is_active=True)
        .first()
    )
    if identity is None:
        return _refused(
            request,
            f"Your EHR account ({result.fhir_user or 'no fhirUser'}) is not linked to a user "
            "here: ask the clinic's administrator to link it.",
        )
    user = identity.user
    if request.user.is_authenticated and request.user.pk != user.pk:
        return _refused(request, "You are signed in here as someone else: sign out first.")
    signed_in = not request.user.is_authenticated
    if signed_in:
        # The EHR vouched for who this is; the second factor is still asked as for any
        # sign-in (the two-factor middleware), and then the browser goes on to the patient.
        auth.login(request, user, backend=SIGN_IN_BACKEND)
    system = result.ehr.mrn_system or Base.of(request).mrn_system
    mrn = smart.mrn_of(result.patient, system)
    if mrn is None:
        return _refused(request, "The EHR's patient has no MRN of this clinic.")
    patient = Patient.objects.filter(mrn=mrn).first()
    detail = {
        "ehr": result.ehr.iss,
        "fhir_user": result.fhir_user,
        "known_patient": bool(patient),
        "signed_in_by_launch": signed_in,
    }
    record_access(request, action=AccessAction.LAUNCH, patient=patient, detail=detail)
    if patient is not None:
        return redirect("intake:patient_detail", uuid=patient.uuid)
    request.session[IDENTITY_PREFILL] = smart.identity_of(result.patient, mrn)
    return redirect("intake:intake_create")
