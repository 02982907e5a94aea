"""The background task that emails the on-call team (Django's Tasks framework)."""

from django.tasks import task

from oncall import services


@task()
def send_emergency_email(notification_id: int) -> str:
    """Send one emergency notification; a failure is recorded and tried again later."""
    return services.send(notification_id)
