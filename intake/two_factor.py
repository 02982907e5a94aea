"""Two-factor authentication (TOTP, django-otp): enrolment, verification, recovery codes, and
the middleware that keeps a password-only session away from every other page.

Included at `accounts/2fa/` without an app namespace: `two_factor_setup`,
`two_factor_verify`, `two_factor_recovery_codes`.
"""

import base64
import io
import math
import re

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, path, resolve, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10

# Reachable by a signed-in user who has not passed the second factor yet.
EXEMPT_VIEW_NAMES = frozenset(
    {
        "login",
        "logout",
        "healthz",
        "two_factor_setup",
        "two_factor_verify",
        "two_factor_recovery_codes",  # checks verification itself
        "session_keepalive",  # an empty 204 that only restarts the idle clock
    }
)


# -- Helpers ------------------------------------------------------------------------------------


def confirmed_authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def _recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()


def _url_with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def second_factor_url(user, next_url: str) -> str:
    """Where a signed-in, unverified user goes: verify with a device, or enrol one."""
    name = "two_factor_verify" if confirmed_authenticator(user) else "two_factor_setup"
    return _url_with_next(name, next_url)


def _safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def _qr_code_data_uri(text: str) -> str:
    # An SVG in an <img> data URI: no inline script or style, so it passes the CSP (img-src data:).
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=5, border=4, xmldecl=False, dark="#000", light="#fff"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _manual_key(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _format_recovery_code(token: str) -> str:
    return f"{token[:4]}-{token[4:]}"


def _refuse_if_throttled(device) -> None:
    allowed, details = device.verify_is_allowed()
    if allowed:
        return
    locked_until = (details or {}).get("locked_until")
    seconds = (
        max(math.ceil((locked_until - timezone.now()).total_seconds()), 1) if locked_until else 60
    )
    if seconds < 120:
        wait = f"{seconds} second{'s' if seconds != 1 else ''}"
    else:
        wait = f"{math.ceil(seconds / 60)} minutes"
    raise ValidationError(
        "Too many wrong codes. Wait %(wait)s before you try again.",
        code="throttled",
        params={"wait": wait},
    )


# -- Services (writes that span models) ---------------------------------------------------------


@transaction.atomic
def replace_recovery_codes(*, user) -> list[str]:
    """Delete the user's recovery codes and create RECOVERY_CODE_COUNT new single-use ones.
    The device itself is kept, so a session verified with a recovery code stays verified."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    tokens = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in tokens)
    return [_format_recovery_code(t) for t in tokens]


@transaction.atomic
def confirm_authenticator(*, device: TOTPDevice) -> list[str]:
    """Confirm a just-verified authenticator, drop the user's other unconfirmed ones, and
    return a fresh set of recovery codes."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    return replace_recovery_codes(user=device.user)


def _mark_verified(request: HttpRequest, device) -> None:
    # A new session key for the new level of trust, as Django does at sign-in.
    request.session.cycle_key()
    django_otp.login(request, device)


# -- Forms --------------------------------------------------------------------------------------


class AuthenticatorCodeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "spellcheck": "false",
            }
        ),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise ValidationError(
                "Enter the 6 digits your authenticator app shows.", code="invalid_format"
            )
        _refuse_if_throttled(self.device)
        verified = django_otp.verify_token(self.device.user, self.device.persistent_id, code)
        if verified is None:
            raise ValidationError(
                "That code is not right. Enter the code your app shows now (each code works once).",
                code="invalid_code",
            )
        self.device = verified  # the fresh row, with the code recorded as used
        return code


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label="Recovery code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, device: StaticDevice | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_recovery_code(self) -> str:
        code = re.sub(r"[\s-]", "", self.cleaned_data["recovery_code"]).lower()
        if self.device is None or not self.device.token_set.exists():
            raise ValidationError(
                "You have no recovery codes left. Ask an administrator to reset your "
                "two-factor authentication.",
                code="no_recovery_codes",
            )
        _refuse_if_throttled(self.device)
        verified = django_otp.verify_token(self.device.user, self.device.persistent_id, code)
        if verified is None:
            raise ValidationError(
                "That recovery code is not right, or it has been used already.",
                code="invalid_recovery_code",
            )
        self.device = verified
        return code


# -- Views --------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if confirmed_authenticator(request.user):
        # Replacing an authenticator needs an administrator: a password alone never does it.
        if request.user.is_verified():
            messages.info(request, "Two-factor authentication is already set up.")
            return redirect(next_url)
        return redirect(_url_with_next("two_factor_verify", next_url))
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").last()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, name=AUTHENTICATOR_NAME, confirmed=False
        )
    form = AuthenticatorCodeForm(request.POST if request.method == "POST" else None, device=device)
    if form.is_valid():
        codes = confirm_authenticator(device=form.device)
        _mark_verified(request, form.device)
        context = {"codes": codes, "next": next_url, "just_enrolled": True}
        return render(request, "registration/two_factor_recovery_codes.html", context)
    context = {
        "form": form,
        "qr_code": _qr_code_data_uri(device.config_url),
        "manual_key": _manual_key(device),
        "next": next_url,
    }
    return render(request, "registration/two_factor_setup.html", context)


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_verified():
        return redirect(next_url)
    authenticator = confirmed_authenticator(request.user)
    if authenticator is None:
        return redirect(_url_with_next("two_factor_setup", next_url))
    posted = request.POST if request.method == "POST" else {}
    code_form = AuthenticatorCodeForm(posted if "code" in posted else None, device=authenticator)
    recovery_form = RecoveryCodeForm(
        posted if "recovery_code" in posted else None, device=_recovery_device(request.user)
    )
    for form in (code_form, recovery_form):
        if form.is_valid():
            _mark_verified(request, form.device)
            if form is recovery_form:
                _say_recovery_codes_left(request, form.device)
            return redirect(next_url)
    context = {"code_form": code_form, "recovery_form": recovery_form, "next": next_url}
    return render(request, "registration/two_factor_verify.html", context)


def _say_recovery_codes_left(request: HttpRequest, device: StaticDevice) -> None:
    left = device.token_set.count()
    advice = "" if left > 3 else " Generate a new set on the Recovery codes page soon."
    messages.warning(
        request,
        f"You signed in with a recovery code; it cannot be used again. "
        f"{left} recovery code{'s' if left != 1 else ''} left.{advice}",
    )


@require_http_methods(["GET", "POST"])
def two_factor_recovery_codes(request: HttpRequest) -> HttpResponse:
    if not request.user.is_verified():
        return redirect(second_factor_url(request.user, request.path))
    if request.method == "POST":
        codes = replace_recovery_codes(user=request.user)
        context = {"codes": codes, "next": _safe_next(request), "just_enrolled": False}
        return render(request, "registration/two_factor_recovery_codes.html", context)
    device = _recovery_device(request.user)
    remaining = device.token_set.count() if device else 0
    return render(request, "registration/two_factor_recovery_codes.html", {"remaining": remaining})


urlpatterns = [
    path("setup/", two_factor_setup, name="two_factor_setup"),
    path("verify/", two_factor_verify, name="two_factor_verify"),
    path("recovery-codes/", two_factor_recovery_codes, name="two_factor_recovery_codes"),
]


# -- Middleware ---------------------------------------------------------------------------------


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
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return False
        return match.view_name in EXEMPT_VIEW_NAMES

    @staticmethod
    def _second_factor_required(request: HttpRequest) -> HttpResponse:
        requested = request.get_full_path() if request.method in ("GET", "HEAD") else request.path
        url = second_factor_url(request.user, requested)
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"two_factor_required": True, "redirect": url}, status=401)
        return redirect(url)
