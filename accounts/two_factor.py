"""Two-factor authentication (TOTP, django-otp): the devices, recovery codes and the services
that enrol and verify. The pages are in accounts/views.py, the forms in accounts/forms.py and
the middleware that keeps a password-only session away from every other page in
accounts/middleware.py.
"""

import base64
import io
import math

import django_otp
import segno
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.enrolment import redeem_enrolment_code

AUTHENTICATOR_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
RECOVERY_CODE_COUNT = 10
# The authenticator key being enrolled, held by the one session that redeemed an enrolment
# code: never stored in the database (nor shown to another session) until it is confirmed.
PENDING_ENROLMENT = "_amps_pending_authenticator"

# Reachable by a signed-in user who has not passed the second factor yet.
EXEMPT_VIEW_NAMES = frozenset(
    {
        "login",
        "logout",
        "sso:sign_out",  # the single sign-on app's sign-out (ours and the provider's session)
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


def recovery_device(user) -> StaticDevice | None:
    return StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()


def url_with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def second_factor_url(user, next_url: str) -> str:
    """Where a signed-in, unverified user goes: verify with a device, or enrol one."""
    name = "two_factor_verify" if confirmed_authenticator(user) else "two_factor_setup"
    return url_with_next(name, next_url)


def safe_next(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return "/"


def qr_code_data_uri(text: str) -> str:
    # An SVG in an <img> data URI: no inline script or style, so it passes the CSP (img-src data:).
    buffer = io.BytesIO()
    segno.make(text, error="m").save(
        buffer, kind="svg", scale=5, border=4, xmldecl=False, dark="#000", light="#fff"
    )
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def manual_key(device: TOTPDevice) -> str:
    key = base64.b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


def _format_recovery_code(token: str) -> str:
    return f"{token[:4]}-{token[4:]}"


def refuse_if_throttled(device) -> None:
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


def pending_authenticator(request: HttpRequest) -> TOTPDevice | None:
    """This session's authenticator being enrolled (not saved), or None."""
    pending = request.session.get(PENDING_ENROLMENT)
    if not pending or pending.get("user") != request.user.pk:
        return None
    return TOTPDevice(
        user=request.user, name=AUTHENTICATOR_NAME, key=pending["key"], confirmed=False
    )


# -- Services (writes that span models) ---------------------------------------------------------


def start_enrolment(request: HttpRequest, *, code: str) -> bool:
    """Use up the user's enrolment code and give this session a new authenticator key.
    False (and nothing changes) when the code is not the user's usable code."""
    if redeem_enrolment_code(user=request.user, code=code) is None:
        return False
    request.session[PENDING_ENROLMENT] = {"user": request.user.pk, "key": random_hex(20)}
    return True


@transaction.atomic
def replace_recovery_codes(*, user) -> list[str]:
    """Delete the user's recovery codes and create RECOVERY_CODE_COUNT new single-use ones.
    The device itself is kept, so a session verified with a recovery code stays verified."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY_DEVICE_NAME)
    device.token_set.all().delete()
    tokens = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=t) for t in tokens)
    return [_format_recovery_code(t) for t in tokens]


class AlreadyEnrolled(Exception):
    """The user confirmed an authenticator meanwhile (in another session)."""


@transaction.atomic
def confirm_authenticator(*, device: TOTPDevice) -> list[str]:
    """Save a just-verified authenticator as the user's confirmed one, drop any unconfirmed
    ones, and return a fresh set of recovery codes. Raises AlreadyEnrolled when the user has
    a confirmed authenticator already (the user's row is locked: one confirmation wins)."""
    get_user_model().objects.select_for_update().get(pk=device.user_id)
    if TOTPDevice.objects.filter(user=device.user, confirmed=True).exists():
        raise AlreadyEnrolled
    TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
    device.confirmed = True
    device.save()
    return replace_recovery_codes(user=device.user)


def mark_verified(request: HttpRequest, device) -> None:
    # A new session key for the new level of trust, as Django does at sign-in.
    request.session.cycle_key()
    django_otp.login(request, device)
