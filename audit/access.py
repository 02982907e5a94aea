"""The one way every app writes the access log."""

from axes.helpers import get_client_ip_address

from audit.models import AccessAction, AccessEvent

__all__ = ["AccessAction", "record_access", "record_accesses"]


def record_access(
    request,
    *,
    action: str,
    patient=None,
    intake=None,
    detail: dict | None = None,
    client: str = "",
    user=None,
) -> AccessEvent:
    """Log that someone opened, printed or exported patient data.

    `request` gives the signed-in user and the address; without a request (a management
    command) pass `user=`. A system reading through the API passes `client=` (its label) and
    no user. `patient` defaults to the intake's patient; an export of many patients has none.
    """
    event = _event(request, action=action, patient=patient, intake=intake, detail=detail,
                   client=client, user=user)  # fmt: skip
    event.save()
    return event


def record_accesses(
    request, *, action: str, records, detail: dict | None = None, client: str = ""
) -> list[AccessEvent]:
    """One entry per (patient, intake) in `records` (either may be None, as above), all
    written in one statement: a page of search results, one read per row."""
    return AccessEvent.objects.bulk_create(
        [
            _event(
                request, action=action, patient=patient, intake=intake, detail=detail, client=client
            )  # fmt: skip
            for patient, intake in records
        ]
    )


def _event(request, *, action, patient, intake, detail, client, user=None) -> AccessEvent:
    if user is None and request is not None and request.user.is_authenticated:
        user = request.user
    detail = dict(detail or {})
    if patient is None and intake is not None:
        patient = intake.patient
    if intake is not None and "status" not in intake.get_deferred_fields() and intake.status:
        # The status as it was then: the log answers "what did they see", not what it is now.
        detail.setdefault("intake_status", str(intake.status))
    return AccessEvent(
        user=user,
        client=client,
        patient=patient,
        intake=intake,
        action=action,
        detail=detail,
        ip_address=client_address(request),
    )


def client_address(request) -> str | None:
    """The address the request came from, by the same rule as the sign-in lockout (django-axes
    with django-ipware): the connection's address, or behind DJANGO_BEHIND_PROXY the client's
    address as the proxy reports it (settings.AXES_IPWARE_*)."""
    if request is None:
        return None
    return get_client_ip_address(request) or None
