"""At sign-in: start the session's timeout clock, and keep a rescued form only for its owner."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from accounts.middleware import keep_rescued_form_for, start_session_clock


@receiver(user_logged_in)
def start_clock_at_sign_in(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        start_session_clock(request)
        keep_rescued_form_for(request, user)
