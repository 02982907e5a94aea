"""A clinician enrols an authenticator in Chromium: password, the enrolment code an
administrator gave them, the QR code, a code from the app, the recovery codes."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from accounts.enrolment import issue_enrolment_code
from tests.e2e.helpers import expect_accessible


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.AMPS_REQUIRE_2FA = True


def app_code(key: bytes) -> str:
    totp = TOTP(key)
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_a_clinician_enrols_with_an_enrolment_code(page, live_server, login, alice, screenshot):
    _, code = issue_enrolment_code(user=alice)
    login("alice")
    expect(page.get_by_role("heading", name="Set up two-factor authentication")).to_be_visible()
    expect(page.locator("#no-code-help")).to_contain_text("Ask an administrator")
    expect(page.locator("img[src^='data:image/svg+xml']")).to_have_count(0)
    expect_accessible(page, "enrolment code page")

    page.get_by_label("Enrolment code from an administrator").fill("WXYZ-WXYZ-WXYZ")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#error-summary")).to_contain_text("not valid")
    screenshot("two-factor-enrolment-code-refused")

    page.get_by_label("Enrolment code from an administrator").fill(code.lower())
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("img[src^='data:image/svg+xml']")).to_be_visible()
    key_text = page.locator("#manual-key").inner_text().replace(" ", "")
    expect_accessible(page, "QR code page")
    screenshot("two-factor-enrolment-qr")

    key = b32decode(key_text + "=" * (-len(key_text) % 8))
    page.get_by_label("6-digit code from your authenticator app").fill(app_code(key))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_text("shown only this once")).to_be_visible()
    assert TOTPDevice.objects.get(user=alice, confirmed=True).bin_key == key
