"""What every request passes through for sign-in: session timeouts (with the rescue of a form
posted after one), the second factor, and no caching of signed-in pages."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers

from accounts.two_factor import EXEMPT_VIEW_NAMES, second_factor_url

SESSION_STARTED = "_amps_session_started"
LAST_ACTIVITY = "_amps_last_activity"
RESCUED_FORM = "_amps_rescued_form"
# The last-activity time is written at most this often (a session write per request is waste).
ACTIVITY_RESOLUTION = 30
# Forms whose typed values are kept across a timeout and given back after the next sign-in.
RESCUABLE_VIEWS = {"intake:intake_create", "intake:intake_edit"}
# Requests a page's script makes by itself (a progress bar polling): not a person's activity,
# so they never keep an unattended session alive.
NOT_ACTIVITY_VIEWS = {"jobs:progress", "intake:review_queue_live"}


def keep_rescued_form_for(request, user) -> None:
    """At sign-in: values rescued at a timeout belong to the user who typed them. Anyone
    else signing in on that browser gets nothing, and the values are discarded."""
    rescued = request.session.get(RESCUED_FORM)
    if rescued is not None and rescued.get("user") != user.pk:
        del request.session[RESCUED_FORM]


def _view_name(request) -> str:
    """The name of the view a request goes to ("" for an unknown path)."""
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def start_session_clock(request) -> None:
    now = time.time()
    request.session[SESSION_STARTED] = now
    request.session[LAST_ACTIVITY] = now


class SessionTimeoutMiddleware:
    """Sign out after SESSION_IDLE_TIMEOUT seconds without a request (sliding) and after
    SESSION_ABSOLUTE_TIMEOUT seconds in all. A form posted after the timeout is not lost:
    its values are kept in the new session and the form is filled with them after sign-in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            expired = self._expired(request)
            if expired:
                return self._sign_out(request, expired)
            now = time.time()
            if now - request.session[LAST_ACTIVITY] >= ACTIVITY_RESOLUTION and (
                _view_name(request) not in NOT_ACTIVITY_VIEWS
            ):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)

    @staticmethod
    def _expired(request) -> str:
        now = time.time()
        started = request.session.get(SESSION_STARTED)
        last = request.session.get(LAST_ACTIVITY)
        if started is None or last is None:
            start_session_clock(request)
            return ""
        if now - started > settings.SESSION_ABSOLUTE_TIMEOUT:
            return "You were signed out because your session reached its 12-hour limit."
        if now - last > settings.SESSION_IDLE_TIMEOUT:
            idle = settings.SESSION_IDLE_TIMEOUT
            span = f"{idle // 60} minutes" if idle >= 120 else f"{idle} seconds"
            return f"You were signed out after {span} without activity."
        return ""

    def _sign_out(self, request, reason: str):
        rescued = self._rescue(request)
        if rescued:
            rescued["user"] = request.user.pk  # given back to this user only
        logout(request)
        if rescued:
            request.session[RESCUED_FORM] = rescued
            reason += " What you typed is kept: it comes back in the form after you sign in."
        messages.warning(request, reason)
        if request.headers.get("Accept") == "application/json":
            return JsonResponse({"signed_out": True, "reason": reason}, status=401)
        return redirect_to_login(
            request.path if request.method == "POST" else request.get_full_path()
        )

    @staticmethod
    def _rescue(request) -> dict | None:
        if request.method != "POST":
            return None
        if _view_name(request) not in RESCUABLE_VIEWS:
            return None
        data = {
            key: request.POST.getlist(key)
            for key in request.POST
            if key not in ("csrfmiddlewaretoken", "action")
        }
        return {"path": request.path, "data": data}


class NoStoreMiddleware:
    """Pages for a signed-in user may show patient data: never cache them anywhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private, max-age=0"
        return response


class TwoFactorMiddleware:
    """With AMPS_REQUIRE_2FA on, a signed-in user whose session has not passed the second
    factor reaches only the sign-in/out and 2FA pages, /healthz and static files. Everything
    else (patient pages, the admin, unknown URLs) redirects to verification or enrolment.
    Goes right after django_otp's OTPMiddleware, which installs `user.is_verified()`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The setting is read per request: tests and deployments switch it without a reload.
        if (
            settings.AMPS_REQUIRE_2FA
            and request.user.is_authenticated
            and not self._verified(request)
            and not self._exempt(request)
        ):
            return self._second_factor_required(request)
        return self.get_response(request)

    @staticmethod
    def _verified(request: HttpRequest) -> bool:
        is_verified = getattr(request.user, "is_verified", None)
        return bool(is_verified and is_verified())  # without OTPMiddleware: never verified

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        static_url = settings.STATIC_URL or ""
        if static_url.startswith("/") and request.path.startswith(static_url):
            return True
        return _view_name(request) in EXEMPT_VIEW_NAMES

    @staticmethod
    def _second_factor_required(request: HttpRequest) -> HttpResponse:
        requested = request.get_full_path() if request.method in ("GET", "HEAD") else request.path
        url = second_factor_url(request.user, requested)
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"two_factor_required": True, "redirect": url}, status=401)
        return redirect(url)
