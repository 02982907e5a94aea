"""The second factor's forms: a code from the authenticator app, or a recovery code."""

import re

import django_otp
from django import forms
from django.core.exceptions import ValidationError
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import refuse_if_throttled


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
        refuse_if_throttled(self.device)
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
        refuse_if_throttled(self.device)
        verified = django_otp.verify_token(self.device.user, self.device.persistent_id, code)
        if verified is None:
            raise ValidationError(
                "That recovery code is not right, or it has been used already.",
                code="invalid_recovery_code",
            )
        self.device = verified
        return code
