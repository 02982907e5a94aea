"""`{% oncall_alarm screening %}`: the alarm over an emergency or urgent result."""

from django import template

from documents.models import ClinicDetails
from intake.models import IntakeStatus
from intake.rules import engine
from oncall.models import EmergencyNotification

register = template.Library()


@register.inclusion_tag("oncall/_alarm.html")
def oncall_alarm(screening) -> dict:
    """An emergency: a danger banner (role="alert") with the tier and timeframe, "phone the
    on-call team now" with the number, and whether the team was emailed. An urgent result: a
    warning banner with its timeframe. Only for a case waiting for review: nothing for a
    signed case, nor for a historic (imported) visit."""
    if screening is None or screening.intake.status != IntakeStatus.SUBMITTED:
        return {"tier": ""}
    context = {"tier": screening.urgency, "text": screening.urgency_text}
    if screening.urgency == engine.EMERGENCY:
        clinic = ClinicDetails.load()
        context["phone"] = clinic.on_call_phone
        context["notification"] = EmergencyNotification.objects.filter(
            intake_id=screening.intake_id
        ).first()
    return context
