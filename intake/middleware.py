"""Session lifetime and caching rules that apply to every page."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers

SESSION_STARTED = "_amps_session_started"
LAST_ACTIVITY = "_amps_last_activity"
RESCUED_FORM = "_amps_rescued_form"
# The last-activity time is written at most this often (a session write per request is waste).
ACTIVITY_RESOLUTION = 30
# Forms whose typed values are kept across a timeout and given back after the next sign-in.
RESCUABLE_VIEWS = {"intake:intake_create", "intake:intake_edit"}


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
            if now - request.session[LAST_ACTIVITY] >= ACTIVITY_RESOLUTION:
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
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        if match.view_name not in RESCUABLE_VIEWS:
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
