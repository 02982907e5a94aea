"""Sign-in pages of our own: two-factor enrolment, verification and recovery codes, and the
'stay signed in' keep-alive. Sign-in and sign-out are Django's views (accounts/urls.py)."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_login_failed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST
from django_otp.plugins.otp_static.models import StaticDevice

from accounts.forms import (
    AuthenticatorCodeForm,
    EnrolmentCodeForm,
    NewAuthenticatorForm,
    RecoveryCodeForm,
)
from accounts.two_factor import (
    PENDING_ENROLMENT,
    AlreadyEnrolled,
    confirm_authenticator,
    confirmed_authenticator,
    manual_key,
    mark_verified,
    pending_authenticator,
    qr_code_data_uri,
    recovery_device,
    replace_recovery_codes,
    safe_next,
    second_factor_url,
    start_enrolment,
    url_with_next,
)


@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment: first the enrolment code an administrator issued (password + code), then
    this session's own key as a QR code, then a code from the app to confirm it."""
    next_url = safe_next(request)
    if confirmed_authenticator(request.user):
        # Replacing an authenticator needs an administrator: a password alone never does it.
        if request.user.is_verified():
            messages.info(request, "Two-factor authentication is already set up.")
            return redirect(next_url)
        return redirect(url_with_next("two_factor_verify", next_url))
    device = pending_authenticator(request)
    if device is None:
        return _enrolment_code_step(request, next_url)
    form = NewAuthenticatorForm(request.POST if "code" in request.POST else None, device=device)
    if form.is_valid():
        try:
            codes = confirm_authenticator(device=form.device)
        except AlreadyEnrolled:
            return redirect(url_with_next("two_factor_verify", next_url))
        del request.session[PENDING_ENROLMENT]
        mark_verified(request, form.device)
        context = {"codes": codes, "next": next_url, "just_enrolled": True}
        return render(request, "registration/two_factor_recovery_codes.html", context)
    context = {
        "form": form,
        "qr_code": qr_code_data_uri(device.config_url),
        "manual_key": manual_key(device),
        "next": next_url,
    }
    return render(request, "registration/two_factor_setup.html", context)


def _enrolment_code_step(request: HttpRequest, next_url: str) -> HttpResponse:
    """A wrong enrolment code counts as a failed sign-in (django-axes): five for the username,
    or from the address, lock it as five wrong passwords do, and end this session."""
    credentials = {"username": request.user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return _locked_out(request, credentials)
    posted = "enrolment_code" in request.POST
    form = EnrolmentCodeForm(request.POST if posted else None)
    if form.is_valid():
        if start_enrolment(request, code=form.cleaned_data["enrolment_code"]):
            return redirect(url_with_next("two_factor_setup", next_url))
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if AxesProxyHandler.is_locked(request, credentials):
            return _locked_out(request, credentials)
        form.refuse()
    context = {"code_form": form, "next": next_url}
    return render(request, "registration/two_factor_enrolment_code.html", context)


def _locked_out(request: HttpRequest, credentials: dict) -> HttpResponse:
    response = get_lockout_response(request, credentials=credentials)
    logout(request)
    return response


@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    next_url = safe_next(request)
    if request.user.is_verified():
        return redirect(next_url)
    authenticator = confirmed_authenticator(request.user)
    if authenticator is None:
        return redirect(url_with_next("two_factor_setup", next_url))
    posted = request.POST if request.method == "POST" else {}
    code_form = AuthenticatorCodeForm(posted if "code" in posted else None, device=authenticator)
    recovery_form = RecoveryCodeForm(
        posted if "recovery_code" in posted else None, device=recovery_device(request.user)
    )
    for form in (code_form, recovery_form):
        if form.is_valid():
            mark_verified(request, form.device)
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
        context = {"codes": codes, "next": safe_next(request), "just_enrolled": False}
        return render(request, "registration/two_factor_recovery_codes.html", context)
    device = recovery_device(request.user)
    remaining = device.token_set.count() if device else 0
    return render(request, "registration/two_factor_recovery_codes.html", {"remaining": remaining})


@require_POST
def session_keepalive(request: HttpRequest) -> HttpResponse:
    """'Stay signed in': the request itself restarts the idle clock (SessionTimeoutMiddleware)."""
    return HttpResponse(status=204)
