"""The second factor's forms: a code from the authenticator app, or a recovery code."""

import re
import time

import django_otp
from django import forms
from django.core.exceptions import ValidationError
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.enrolment import CODE_LENGTH, CODE_PATTERN, normalise_code
from accounts.two_factor import refuse_if_throttled


def _six_digits(value: str) -> str:
    code = re.sub(r"[\s-]", "", value)
    if not re.fullmatch(r"\d{6}", code):
        raise ValidationError(
            "Enter the 6 digits your authenticator app shows.", code="invalid_format"
        )
    return code


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
        code = _six_digits(self.cleaned_data["code"])
        refuse_if_throttled(self.device)
        verified = django_otp.verify_token(self.device.user, self.device.persistent_id, code)
        if verified is None:
            raise ValidationError(
                "That code is not right. Enter the code your app shows now (each code works once).",
                code="invalid_code",
            )
        self.device = verified  # the fresh row, with the code recorded as used
        return code


class NewAuthenticatorForm(AuthenticatorCodeForm):
    """The first code from an authenticator being enrolled. Its key lives in this session
    only (no database row until it is confirmed), so the code is checked against the key
    here; `device.last_t` records the step used, so that code cannot be used again."""

    def clean_code(self) -> str:
        code = _six_digits(self.cleaned_data["code"])
        device = self.device
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        totp.time = time.time()
        if not totp.verify(int(code), device.tolerance):
            raise ValidationError(
                "That code is not right. Check that the app shows amps_screen and enter the "
                "code it shows now.",
                code="invalid_code",
            )
        device.last_t = totp.t()
        return code


class EnrolmentCodeForm(forms.Form):
    enrolment_code = forms.CharField(
        label="Enrolment code from an administrator",
        max_length=40,
        help_text=f"{CODE_LENGTH} letters and digits, e.g. ABCD-EFGH-JKLM.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )

    def clean_enrolment_code(self) -> str:
        code = normalise_code(self.cleaned_data["enrolment_code"])
        if not CODE_PATTERN.fullmatch(code):
            raise ValidationError(
                "An enrolment code has %(length)s letters and digits (no 0, 1, I or O), "
                "like ABCD-EFGH-JKLM.",
                code="invalid_format",
                params={"length": CODE_LENGTH},
            )
        return code

    def refuse(self) -> None:
        """The code is not this user's usable code (wrong, used, expired or superseded)."""
        self.add_error(
            "enrolment_code",
            ValidationError(
                "That enrolment code is not valid: it is wrong, used already, expired or "
                "replaced by a newer one. Ask an administrator for a new code.",
                code="invalid_enrolment_code",
            ),
        )


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
        refuse_if_throttled(self.device)
        verified = django_otp.verify_token(self.device.user, self.device.persistent_id, code)
        if verified is None:
            raise ValidationError(
                "That recovery code is not right, or it has been used already.",
                code="invalid_recovery_code",
            )
        self.device = verified
        return code
