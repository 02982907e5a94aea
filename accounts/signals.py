"""Start each session's timeout clock at sign-in."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import start_session_clock


@receiver(user_logged_in)
def start_clock_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
