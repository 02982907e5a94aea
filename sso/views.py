"""Single sign-on pages: the start (to the provider), the callback, the refusal page and
sign-out (ours, and the provider's where it offers RP-initiated logout)."""

import logging

import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from accounts.two_factor import mark_verified
from audit.access import AccessAction, record_access
from sso import provider
from sso.backend import CLAIMS
from sso.second_factor import provider_device

logger = logging.getLogger(__name__)


def _refused(request: HttpRequest, reason: str, *, status: int = 403) -> HttpResponse:
    """A clear page, and the refusal in the access log (who is unknown: the client is us)."""
    record_access(
        request,
        action=AccessAction.SIGN_IN_REFUSED,
        client="single sign-on",
        detail={"reason": reason},
    )
    return render(request, "sso/refused.html", {"reason": reason}, status=status)


@method_decorator(login_not_required, name="dispatch")
class SignInStart(OIDCAuthenticationRequestView):
    """To the provider's authorize endpoint (code flow, PKCE S256, state and nonce)."""

    get_settings = staticmethod(provider.get_setting)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.AMPS_OIDC_CLIENT_ID

    def get(self, request):
        if not provider.enabled():
            return _refused(request, "Single sign-on is not set up on this site.", status=404)
        try:
            self.OIDC_OP_AUTH_ENDPOINT = self.get_settings("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except provider.ProviderUnavailable as error:
            logger.warning("Single sign-on: discovery failed: %s", error)
            return _refused(request, "The sign-in service cannot be reached.", status=503)
        return super().get(request)


@method_decorator(login_not_required, name="dispatch")
class SignInCallback(OIDCAuthenticationCallbackView):
    """The provider's answer: mozilla-django-oidc checks state, exchanges the code (with the
    PKCE verifier) and verifies the id_token; then the second factor and the access log."""

    get_settings = staticmethod(provider.get_setting)

    def get(self, request):
        if not provider.enabled():
            return _refused(request, "Single sign-on is not set up on this site.", status=404)
        # The state first: an answer to a sign-in this browser did not start (a link or an image
        # on another site, "?error=x") is refused, and never reaches the library's error path,
        # which signs out whoever is signed in.
        state = request.GET.get("state", "")
        if state not in request.session.get("oidc_states", {}):
            return _refused(request, "This sign-in was not started here (unknown state).")
        if request.GET.get("error"):
            super().get(request)
            return _refused(request, f"The sign-in service said: {request.GET['error'][:100]}")
        try:
            response = super().get(request)
        except SuspiciousOperation as error:
            return _refused(request, f"The sign-in service's answer was refused ({error}).")
        except (requests.RequestException, provider.ProviderUnavailable) as error:
            logger.warning("Single sign-on: %s", error.__class__.__name__)
            return _refused(request, "The sign-in service did not answer.", status=503)
        if not request.user.is_authenticated:
            return _refused(request, "The sign-in service did not confirm who you are.")
        return response

    def login_success(self):
        response = super().login_success()
        request = self.request
        claims = request.__dict__.get(CLAIMS, {})
        request.session[provider.SIGNED_ON] = True
        second_factor = provider.second_factor_done(claims)
        if second_factor:
            mark_verified(request, provider_device(request.user))
        record_access(
            request,
            action=AccessAction.SIGN_IN,
            detail={
                "by": "single sign-on",
                "amr": [str(v)[:20] for v in claims.get("amr", [])][:10],
                "second_factor": "provider" if second_factor else "asked here",
            },
        )
        return response


@login_not_required
@require_GET
def refused(request: HttpRequest) -> HttpResponse:
    return render(request, "sso/refused.html", {"reason": ""}, status=403)


@login_not_required
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Ends our session and, for a session that came from the provider, the provider's too."""
    url = provider.provider_logout_url(request)
    auth.logout(request)
    return HttpResponseRedirect(url or reverse("login"))
