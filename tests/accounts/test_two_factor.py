"""Two-factor authentication: enrolment, verification, recovery codes, and the middleware
that keeps a password-only session away from every page (AMPS_REQUIRE_2FA on)."""

import re
import time
from base64 import b32encode
from urllib.parse import quote

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.two_factor import replace_recovery_codes
from tests.conftest import PASSWORD
from tests.html import controls

# Personas are picked at run time: mark every test, so they run before the transactional ones.
pytestmark = pytest.mark.django_db

SETUP = "/accounts/2fa/setup/"
VERIFY = "/accounts/2fa/verify/"
RECOVERY = "/accounts/2fa/recovery-codes/"
PROTECTED_PATHS = ["/", "/intakes/", "/review/", "/admin/"]
PERSONAS = ["alice", "bob", "carol", "dave"]


@pytest.fixture(autouse=True)
def require_2fa(settings):
    settings.AMPS_REQUIRE_2FA = True


def totp_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app would show now (or `steps_ahead` steps from now: the
    device takes one step either side, and refuses a step it has already seen)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    accepted = {totp_code(device, steps) for steps in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in accepted)


def enrol(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def signed_in(user) -> Client:
    """Password done (a forced login), second factor not yet."""
    client = Client()
    client.force_login(user)
    return client


def verified(user) -> Client:
    client = signed_in(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or enrol(user)
    response = client.post(VERIFY, {"code": totp_code(device, steps_ahead=1)})
    assert response.status_code == 302
    return client


def next_param(path: str) -> str:
    return quote(path, safe="")


# -- The middleware -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", PROTECTED_PATHS)
def test_unverified_user_without_device_is_sent_to_setup(request, persona, path):
    client = signed_in(request.getfixturevalue(persona))
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next={next_param(path)}"


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("path", PROTECTED_PATHS)
def test_unverified_user_with_device_is_sent_to_verify(request, persona, path):
    user = request.getfixturevalue(persona)
    enrol(user)
    response = signed_in(user).get(path)
    assert response.status_code == 302
    assert response["Location"] == f"{VERIFY}?next={next_param(path)}"


def test_password_login_alone_never_reaches_a_patient_page(alice):
    client = Client()
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get("/intakes/", follow=True)
    assert response.redirect_chain == [(f"{SETUP}?next=%2Fintakes%2F", 302)]
    assert response.templates[0].name == "registration/two_factor_setup.html"


def test_query_string_is_kept_in_next(alice):
    response = signed_in(alice).get("/intakes/?page=2")
    assert response["Location"] == f"{SETUP}?next={next_param('/intakes/?page=2')}"


def test_unknown_url_redirects_an_unverified_user_too(alice):
    response = signed_in(alice).get("/no-such-page/")
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)


def test_post_to_a_patient_page_is_refused_before_the_view(alice):
    response = signed_in(alice).post("/intakes/new/", {"surname": "Smith"})
    assert response.status_code == 302
    assert response["Location"] == f"{SETUP}?next=%2Fintakes%2Fnew%2F"


def test_json_request_gets_401_instead_of_a_redirect(alice):
    enrol(alice)
    response = signed_in(alice).get("/intakes/", headers={"accept": "application/json"})
    assert response.status_code == 401
    assert response.json() == {
        "two_factor_required": True,
        "redirect": f"{VERIFY}?next=%2Fintakes%2F",
    }


def test_anonymous_user_still_goes_to_login(db):
    response = Client().get("/intakes/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/healthz", "/accounts/login/", SETUP, "/static/css/app.css"])
def test_exempt_pages_are_reachable_without_second_factor(alice, path):
    response = signed_in(alice).get(path)
    assert response.status_code == 200


def test_unverified_user_can_sign_out(alice):
    client = signed_in(alice)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_nothing_is_required_when_the_setting_is_off(settings, staff_client, editor_client):
    settings.AMPS_REQUIRE_2FA = False
    assert staff_client.get("/intakes/").status_code == 200
    assert editor_client.get("/admin/").status_code == 200


def test_admin_is_behind_the_same_check(carol):
    client = signed_in(carol)
    assert client.get("/admin/intake/criteriaset/")["Location"].startswith(SETUP)
    enrol(carol)
    assert client.get("/admin/")["Location"] == f"{VERIFY}?next=%2Fadmin%2F"
    assert verified(carol).get("/admin/").status_code == 200


# -- Enrolment ----------------------------------------------------------------------------------


def test_setup_shows_a_qr_code_and_the_manual_key_in_groups_of_four(alice):
    response = signed_in(alice).get(SETUP)
    assert response.status_code == 200
    device = TOTPDevice.objects.get(user=alice, confirmed=False)
    key = b32encode(device.bin_key).decode().rstrip("=")
    grouped = " ".join(key[i : i + 4] for i in range(0, len(key), 4))
    html = response.content.decode()
    assert grouped in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "style=" not in html.split('id="main"')[1]
    [code] = controls(html, "code")
    assert code["autocomplete"] == "one-time-code"
    assert code["inputmode"] == "numeric"


def test_reloading_setup_keeps_the_same_key(alice):
    client = signed_in(alice)
    client.get(SETUP)
    client.get(SETUP)
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_setup_with_a_wrong_code_fails_on_the_field(alice):
    client = signed_in(alice)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice)
    response = client.post(SETUP, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert response.context["form"].has_error("code", "invalid_code")
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/intakes/")["Location"].startswith(SETUP)


def test_setup_with_letters_fails_on_the_field(alice):
    client = signed_in(alice)
    client.get(SETUP)
    response = client.post(SETUP, {"code": "abcdef"})
    assert response.context["form"].has_error("code", "invalid_format")


def test_setup_with_the_right_code_confirms_verifies_and_shows_ten_recovery_codes(alice):
    client = signed_in(alice)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice)
    response = client.post(SETUP, {"code": totp_code(device), "next": "/intakes/"})
    assert response.status_code == 200
    assert response.templates[0].name == "registration/two_factor_recovery_codes.html"
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    html = response.content.decode()
    assert all(code in html for code in codes)
    assert "shown only this once" in html
    assert 'href="/intakes/"' in html
    device.refresh_from_db()
    assert device.confirmed
    recovery = StaticDevice.objects.get(user=alice, name="Recovery codes")
    assert {t.replace("-", "") for t in codes} == set(
        recovery.token_set.values_list("token", flat=True)
    )
    assert client.get("/intakes/").status_code == 200


def test_setup_ignores_an_open_redirect_in_next(alice):
    client = signed_in(alice)
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=alice)
    response = client.post(SETUP, {"code": totp_code(device), "next": "https://evil.example"})
    assert response.context["next"] == "/"
    assert "evil.example" not in response.content.decode()


def test_a_password_alone_cannot_replace_a_confirmed_device(alice):
    device = enrol(alice)
    client = signed_in(alice)
    response = client.get(f"{SETUP}?next=/intakes/")
    assert response["Location"] == f"{VERIFY}?next=%2Fintakes%2F"
    assert list(TOTPDevice.objects.filter(user=alice)) == [device]
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)


# -- Verification -------------------------------------------------------------------------------


def test_verify_with_the_right_code_goes_on_to_next(alice):
    device = enrol(alice)
    client = signed_in(alice)
    page = client.get(f"{VERIFY}?next=/intakes/")
    assert page.status_code == 200
    [code] = controls(page.content.decode(), "code")
    assert code["autocomplete"] == "one-time-code"
    assert code["inputmode"] == "numeric"
    response = client.post(VERIFY, {"code": totp_code(device), "next": "/intakes/"})
    assert response.status_code == 302
    assert response["Location"] == "/intakes/"
    assert client.get("/intakes/").status_code == 200


def test_verify_with_a_wrong_code_fails_on_the_field(alice):
    device = enrol(alice)
    client = signed_in(alice)
    response = client.post(VERIFY, {"code": wrong_code(device)})
    assert response.status_code == 200
    assert response.context["code_form"].has_error("code", "invalid_code")
    assert client.get("/intakes/")["Location"].startswith(VERIFY)


@pytest.mark.parametrize("code", ["", "12", "not a code", "1234567890123"])
def test_verify_with_malformed_input_fails_on_the_field(alice, code):
    enrol(alice)
    response = signed_in(alice).post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert response.context["code_form"].errors["code"]


def test_a_code_cannot_be_used_twice(alice):
    device = enrol(alice)
    code = totp_code(device)
    assert signed_in(alice).post(VERIFY, {"code": code}).status_code == 302
    response = signed_in(alice).post(VERIFY, {"code": code})
    assert response.context["code_form"].has_error("code", "invalid_code")


def test_verify_is_throttled_after_wrong_codes(alice):
    device = enrol(alice)
    client = signed_in(alice)
    client.post(VERIFY, {"code": wrong_code(device)})
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    # Five wrong codes in a row: even the right code waits 16 seconds.
    device.throttling_failure_count = 5
    device.throttling_failure_timestamp = timezone.now()
    device.save()
    response = client.post(VERIFY, {"code": totp_code(device)})
    assert response.status_code == 200
    assert response.context["code_form"].has_error("code", "throttled")
    assert "Too many wrong codes. Wait 16 seconds" in response.content.decode()
    assert client.get("/intakes/")["Location"].startswith(VERIFY)


def test_verify_ignores_an_open_redirect_in_next(alice):
    device = enrol(alice)
    response = signed_in(alice).post(
        VERIFY, {"code": totp_code(device), "next": "https://evil.example/steal"}
    )
    assert response["Location"] == "/"


def test_verify_without_a_device_sends_to_setup(alice):
    response = signed_in(alice).get(f"{VERIFY}?next=/intakes/")
    assert response["Location"] == f"{SETUP}?next=%2Fintakes%2F"


def test_verify_when_already_verified_goes_on_to_next(alice):
    response = verified(alice).get(f"{VERIFY}?next=/intakes/")
    assert response["Location"] == "/intakes/"


# -- Recovery codes -----------------------------------------------------------------------------


def test_a_recovery_code_verifies_once_and_says_how_many_remain(alice):
    enrol(alice)
    codes = replace_recovery_codes(user=alice)
    client = signed_in(alice)
    response = client.post(VERIFY, {"recovery_code": codes[0], "next": "/intakes/"}, follow=True)
    assert response.redirect_chain == [("/intakes/", 302)]
    assert "9 recovery codes left" in response.content.decode()
    assert StaticToken.objects.filter(device__user=alice).count() == 9

    again = signed_in(alice).post(VERIFY, {"recovery_code": codes[0]})
    assert again.status_code == 200
    assert again.context["recovery_form"].has_error("recovery_code", "invalid_recovery_code")


def test_a_recovery_code_is_accepted_without_the_hyphen_and_in_capitals(alice):
    enrol(alice)
    code = replace_recovery_codes(user=alice)[0]
    response = signed_in(alice).post(VERIFY, {"recovery_code": code.replace("-", " ").upper()})
    assert response.status_code == 302


def test_a_user_without_recovery_codes_is_told_so(alice):
    enrol(alice)
    response = signed_in(alice).post(VERIFY, {"recovery_code": "abcd-efgh"})
    assert response.context["recovery_form"].has_error("recovery_code", "no_recovery_codes")


def test_regenerating_recovery_codes_replaces_the_old_ones(alice):
    enrol(alice)
    old = replace_recovery_codes(user=alice)
    client = signed_in(alice)
    # Verified with a recovery code: the session must survive the regeneration.
    assert client.post(VERIFY, {"recovery_code": old[0]}).status_code == 302
    page = client.get(RECOVERY)
    assert page.status_code == 200
    assert page.context["remaining"] == 9
    response = client.post(RECOVERY)
    assert response.status_code == 200
    new = response.context["codes"]
    assert len(new) == 10
    assert not set(new) & set(old)
    tokens = set(StaticToken.objects.filter(device__user=alice).values_list("token", flat=True))
    assert tokens == {code.replace("-", "") for code in new}
    assert client.get("/intakes/").status_code == 200
    assert signed_in(alice).post(VERIFY, {"recovery_code": old[1]}).status_code == 200


def test_recovery_codes_page_needs_a_verified_session(alice):
    enrol(alice)
    client = signed_in(alice)
    assert client.get(RECOVERY)["Location"] == f"{VERIFY}?next={next_param(RECOVERY)}"
    response = client.post(RECOVERY)
    assert response.status_code == 302
    assert not StaticToken.objects.exists()


def test_recovery_codes_page_needs_a_signed_in_user(db):
    response = Client().get(RECOVERY)
    assert response["Location"].startswith("/accounts/login/")


def test_recovery_codes_look_like_two_groups_of_four(alice):
    codes = replace_recovery_codes(user=alice)
    assert all(re.fullmatch(r"[a-z2-7]{4}-[a-z2-7]{4}", code) for code in codes)
