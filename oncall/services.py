"""The emergency alarm: one email to the on-call team per emergency case, sent in the
background, retried on failure, its status kept (admin, the case's page) and its sending in
the access log.

`notify_emergency` runs for every new screening (oncall.signals): a form submitted, a case
screened again, a CDS Hooks response stored. A case gets at most one notification (a
constraint), so re-screening it or submitting the same form again never sends a second email.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from audit.access import AccessAction, record_access
from documents.models import ClinicDetails
from intake.rules import engine
from jobs.services import SAME_DATABASE_BACKENDS
from oncall.models import EmergencyNotification, NotificationStatus

logger = logging.getLogger(__name__)

#: Tries in all before a notification is marked failed (then "Send again" in the admin).
MAX_ATTEMPTS = 3
#: Seconds before each further try, where the task backend can wait (django-tasks-db can).
RETRY_DELAYS = (60, 300)
#: Who the access log names as having sent the email (a system, not a user).
ACCESS_CLIENT = "On-call email"


def notify_emergency(screening) -> EmergencyNotification | None:
    """For a new screening: an emergency that its case has not been notified about gets a
    notification, queued to the on-call email (or marked "not sent" when none is set).
    Returns the new notification, None when there is nothing to send."""
    if screening.urgency != engine.EMERGENCY:
        return None
    if EmergencyNotification.objects.filter(intake_id=screening.intake_id).exists():
        return None
    recipient = ClinicDetails.load().on_call_email
    try:
        with transaction.atomic():  # a savepoint: a race lost leaves the caller's work intact
            notification = EmergencyNotification.objects.create(
                intake_id=screening.intake_id,
                screening=screening,
                recipient=recipient,
                status=NotificationStatus.QUEUED if recipient else NotificationStatus.NOT_SENT,
            )
    except IntegrityError:
        return None  # another screening of this case notified meanwhile
    if recipient:
        enqueue(notification)
    return notification


def enqueue(notification: EmergencyNotification, *, delay: int = 0) -> None:
    """Queue the sending task: now for a backend that keeps its tasks in this database (the
    task row commits with the notification), after the commit for one outside it (Redis)."""
    from oncall.tasks import send_emergency_email

    task = send_emergency_email
    if delay and task.get_backend().supports_defer:
        task = task.using(run_after=timezone.now() + timedelta(seconds=delay))
    if isinstance(task.get_backend(), SAME_DATABASE_BACKENDS):
        task.enqueue(notification.pk)
    else:
        transaction.on_commit(lambda: task.enqueue(notification.pk))


def send_again(notification: EmergencyNotification) -> bool:
    """An editor's "Send again" for a notification that was not sent (failed, or stuck):
    queued anew with fresh attempts. False when it was sent already or has no recipient."""
    recipient = ClinicDetails.load().on_call_email or notification.recipient
    if not recipient:
        return False
    updated = (
        EmergencyNotification.objects.filter(pk=notification.pk)
        .exclude(status=NotificationStatus.SENT)
        .update(status=NotificationStatus.QUEUED, attempts=0, last_error="", recipient=recipient)
    )
    if updated:
        enqueue(notification)
    return bool(updated)


def send(notification_id: int) -> str:
    """The task's work: claim the notification, send the email, record the outcome."""
    claimed = EmergencyNotification.objects.filter(
        pk=notification_id,
        status__in=(NotificationStatus.QUEUED, NotificationStatus.RETRYING),
    ).update(status=NotificationStatus.SENDING, attempts=F("attempts") + 1)
    if not claimed:
        return "not waiting"  # sent already (a duplicate delivery), or taken back
    notification = EmergencyNotification.objects.select_related("intake", "screening").get(
        pk=notification_id
    )
    try:
        message(notification).send()
    except Exception as error:  # the mail server's refusal, a timeout, a lost connection
        return _failed(notification, error)
    now = timezone.now()
    EmergencyNotification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.SENT, sent_at=now, last_error=""
    )
    record_access(
        None,
        action=AccessAction.NOTIFIED,
        intake=notification.intake,
        client=ACCESS_CLIENT,
        detail={
            "notification": str(notification.uuid),
            "recipient": notification.recipient,
            "screening": str(notification.screening.uuid),
        },
    )
    return "sent"


def _failed(notification: EmergencyNotification, error: Exception) -> str:
    reason = f"{type(error).__name__}: {error}"[:500]
    logger.warning("Emergency notification %s not sent: %s", notification.pk, reason)
    again = notification.attempts < MAX_ATTEMPTS
    EmergencyNotification.objects.filter(pk=notification.pk).update(
        status=NotificationStatus.RETRYING if again else NotificationStatus.FAILED,
        last_error=reason,
    )
    if again:
        delay = RETRY_DELAYS[min(notification.attempts, len(RETRY_DELAYS)) - 1]
        enqueue(notification, delay=delay)
        return "retrying"
    return "failed"


def case_url(intake) -> str:
    """The case's page: under AMPS_BASE_URL when set (else the path alone)."""
    return f"{settings.AMPS_BASE_URL}{reverse('intake:intake_detail', args=[intake.uuid])}"


def matched_red_flags(screening) -> list[str]:
    """The matched red flags' names with their codes, in criterion order."""
    return [
        f"{step.get('name') or step['code']} ({step['code']})"
        for step in screening.trace
        if step.get("matched") and step.get("kind") == engine.RED_FLAG
    ] or list(screening.red_flags)


def message(notification: EmergencyNotification) -> EmailMessage:
    """The email: the case number, the tier, the matched red flags, the time and a link; no
    name, MRN or date of birth (the link needs a sign-in)."""
    intake, screening = notification.intake, notification.screening
    screened = timezone.localtime(screening.created_at)
    lines = [
        f"An emergency referral is waiting: case {intake.pk}.",
        "",
        f"Urgency: {engine.urgency_text(engine.EMERGENCY)}.",
        "Red flags matched:",
        *[f"  - {name}" for name in matched_red_flags(screening)],
        "",
        f"Screened: {screened:%-d %b %Y, %H:%M} ({settings.TIME_ZONE}).",
        f"Open the case (sign-in needed): {case_url(intake)}",
        "",
        "This email holds no patient identifiers on purpose. Decision support only: a "
        "clinician decides.",
    ]
    return EmailMessage(
        subject=f"Emergency referral waiting — case {intake.pk}",
        body="\n".join(lines),
        to=[notification.recipient],
    )
