from django.conf import settings

from sso import provider


def sign_in(request):
    """For the sign-in page and the header: the provider's button and whether passwords work."""
    return {
        "sso_enabled": provider.enabled(),
        "sso_name": provider.display_name(),
        "password_sign_in": settings.AMPS_PASSWORD_SIGN_IN,
    }
