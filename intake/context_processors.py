from django.conf import settings

from intake.roles import roles_of


def roles(request):
    """The signed-in user's roles (header, navigation) and the idle timeout (its warning)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"user_roles": []}
    return {
        "user_roles": roles_of(user),
        "session_idle_seconds": settings.SESSION_IDLE_TIMEOUT,
        "session_warning_seconds": settings.SESSION_IDLE_WARNING,
    }
