"""The access log as the criteria pages write it: `audit.access.record_access` (issue 14).

Until the `audit` app lands on this branch, the intake app's own log stands in for it; the
stand-in takes the same arguments and drops what the old log cannot hold (the detail)."""

try:
    from audit.access import AccessAction, record_access
except ImportError:  # pragma: no cover - replaced when main's `audit` app is merged
    from intake.models import AccessAction, AccessEvent

    def record_access(request, *, action, patient=None, intake=None, detail=None, client=""):
        return AccessEvent.objects.create(
            user=request.user,
            patient_id=patient.pk if patient is not None else intake.patient_id,
            intake=intake,
            action=action,
            ip_address=request.META.get("REMOTE_ADDR") or None,
        )


__all__ = ["AccessAction", "record_access"]
