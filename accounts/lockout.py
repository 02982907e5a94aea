"""django-axes' database handler, with one change: a successful sign-in clears the failures
recorded for that username only.

axes clears every attempt that matches any lockout parameter, so with the per-address limit a
colleague signing in from the same address would wipe the failures against someone else's
username, and anyone with an account could guess a colleague's password without end."""

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt


class LockoutHandler(AxesDatabaseHandler):
    def reset_user_attempts(self, request, credentials: dict | None = None) -> int:
        username = get_client_username(request, credentials)
        if not username:
            return 0
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        return count
