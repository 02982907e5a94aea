"""Two-factor authentication: enrolment, verification, recovery codes, and the middleware
that keeps a password-only session away from every page (AMPS_REQUIRE_2FA on)."""

import io
import re
import time
from base64 import b32encode
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from accounts.enrolment import issue_enrolment_code
from accounts.models import EnrolmentCode
from accounts.two_factor import (
    PENDING_ENROLMENT,
    AlreadyEnrolled,
    confirm_authenticator,
    replace_recovery_codes,
)
from tests.conftest import PASSWORD
from tests.factories import UserFactory
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


def with_enrolment_code(client: Client, user) -> Client:
    """The user enters an enrolment code an administrator issued: the QR code step follows."""
    _, code = issue_enrolment_code(user=user)
    response = client.post(SETUP, {"enrolment_code": code})
    assert response.status_code == 302
    assert response["Location"].startswith(SETUP)
    return client


def pending_device(client: Client, user) -> TOTPDevice:
    """The authenticator this client's session is enrolling (what its QR code holds)."""
    key = client.session[PENDING_ENROLMENT]["key"]
    return TOTPDevice(user=user, key=key)


def grouped_key(device: TOTPDevice) -> str:
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


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
    assert response.templates[0].name == "registration/two_factor_enrolment_code.html"


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
    client = with_enrolment_code(signed_in(alice), alice)
    response = client.get(SETUP)
    assert response.status_code == 200
    html = response.content.decode()
    assert grouped_key(pending_device(client, alice)) in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert "style=" not in html.split('id="main"')[1]
    [code] = controls(html, "code")
    assert code["autocomplete"] == "one-time-code"
    assert code["inputmode"] == "numeric"


def test_reloading_setup_keeps_the_same_key_and_stores_nothing(alice):
    client = with_enrolment_code(signed_in(alice), alice)
    key = grouped_key(pending_device(client, alice))
    assert key in client.get(SETUP).content.decode()
    assert key in client.get(SETUP).content.decode()
    assert not TOTPDevice.objects.filter(user=alice).exists()


def test_setup_with_a_wrong_code_fails_on_the_field(alice):
    client = with_enrolment_code(signed_in(alice), alice)
    response = client.post(SETUP, {"code": wrong_code(pending_device(client, alice))})
    assert response.status_code == 200
    assert response.context["form"].has_error("code", "invalid_code")
    assert not TOTPDevice.objects.filter(user=alice).exists()
    assert client.get("/intakes/")["Location"].startswith(SETUP)


def test_setup_with_letters_fails_on_the_field(alice):
    client = with_enrolment_code(signed_in(alice), alice)
    response = client.post(SETUP, {"code": "abcdef"})
    assert response.context["form"].has_error("code", "invalid_format")


def test_setup_with_the_right_code_confirms_verifies_and_shows_ten_recovery_codes(alice):
    client = with_enrolment_code(signed_in(alice), alice)
    pending = pending_device(client, alice)
    response = client.post(SETUP, {"code": totp_code(pending), "next": "/intakes/"})
    assert response.status_code == 200
    assert response.templates[0].name == "registration/two_factor_recovery_codes.html"
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    html = response.content.decode()
    assert all(code in html for code in codes)
    assert "shown only this once" in html
    assert 'href="/intakes/"' in html
    device = TOTPDevice.objects.get(user=alice)
    assert device.confirmed
    assert device.key == pending.key
    assert PENDING_ENROLMENT not in client.session
    recovery = StaticDevice.objects.get(user=alice, name="Recovery codes")
    assert {t.replace("-", "") for t in codes} == set(
        recovery.token_set.values_list("token", flat=True)
    )
    assert client.get("/intakes/").status_code == 200


def test_the_code_that_confirmed_enrolment_cannot_verify_again(alice):
    client = with_enrolment_code(signed_in(alice), alice)
    code = totp_code(pending_device(client, alice))
    client.post(SETUP, {"code": code})
    response = signed_in(alice).post(VERIFY, {"code": code})
    assert response.context["code_form"].has_error("code", "invalid_code")


def test_setup_ignores_an_open_redirect_in_next(alice):
    client = with_enrolment_code(signed_in(alice), alice)
    code = totp_code(pending_device(client, alice))
    response = client.post(SETUP, {"code": code, "next": "https://evil.example"})
    assert response.context["next"] == "/"
    assert "evil.example" not in response.content.decode()


def test_a_password_alone_cannot_replace_a_confirmed_device(alice):
    device = enrol(alice)
    client = signed_in(alice)
    response = client.get(f"{SETUP}?next=/intakes/")
    assert response["Location"] == f"{VERIFY}?next=%2Fintakes%2F"
    assert list(TOTPDevice.objects.filter(user=alice)) == [device]
    assert client.post(SETUP, {"code": "123456"})["Location"].startswith(VERIFY)
    _, enrolment_code = issue_enrolment_code(user=alice)
    assert client.post(SETUP, {"enrolment_code": enrolment_code})["Location"].startswith(VERIFY)
    assert list(TOTPDevice.objects.filter(user=alice)) == [device]


# -- Enrolment codes ----------------------------------------------------------------------------


def test_without_an_enrolment_code_setup_says_to_ask_an_administrator(alice):
    client = signed_in(alice)
    response = client.get(SETUP)
    html = response.content.decode()
    assert "Ask an administrator" in html
    assert "data:image/svg+xml" not in html
    assert PENDING_ENROLMENT not in client.session
    [field] = controls(html, "enrolment_code")
    assert field["autocomplete"] == "off"
    # A code from an app, posted without an enrolment code, enrols nothing.
    response = client.post(SETUP, {"code": "123456"})
    assert response.status_code == 200
    assert "data:image/svg+xml" not in response.content.decode()
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("entered", ["", "ABCD", "ABCD-EFGH-JKL0", "x" * 39])
def test_a_malformed_enrolment_code_fails_on_the_field(alice, entered):
    issue_enrolment_code(user=alice)
    response = signed_in(alice).post(SETUP, {"enrolment_code": entered})
    assert response.status_code == 200
    assert response.context["code_form"].errors["enrolment_code"]
    assert "data:image/svg+xml" not in response.content.decode()


def test_a_wrong_enrolment_code_is_refused(alice):
    issue_enrolment_code(user=alice)
    client = signed_in(alice)
    response = client.post(SETUP, {"enrolment_code": "ABCD-EFGH-JKLM"})
    assert response.context["code_form"].has_error("enrolment_code", "invalid_enrolment_code")
    html = response.content.decode()
    assert "Ask an administrator for a new code" in html
    assert 'id="error-summary"' in html
    assert PENDING_ENROLMENT not in client.session


def test_another_users_enrolment_code_is_refused(alice, bob):
    _, code = issue_enrolment_code(user=bob)
    response = signed_in(alice).post(SETUP, {"enrolment_code": code})
    assert response.context["code_form"].has_error("enrolment_code", "invalid_enrolment_code")


def test_an_enrolment_code_works_once(alice):
    _, code = issue_enrolment_code(user=alice)
    assert signed_in(alice).post(SETUP, {"enrolment_code": code}).status_code == 302
    response = signed_in(alice).post(SETUP, {"enrolment_code": code})
    assert response.context["code_form"].has_error("enrolment_code", "invalid_enrolment_code")


def test_an_enrolment_code_is_accepted_in_lower_case_and_without_hyphens(alice):
    _, code = issue_enrolment_code(user=alice)
    response = signed_in(alice).post(SETUP, {"enrolment_code": code.replace("-", " ").lower()})
    assert response.status_code == 302


def test_an_expired_enrolment_code_is_refused(alice):
    record, code = issue_enrolment_code(user=alice, hours=1)
    EnrolmentCode.objects.filter(pk=record.pk).update(
        created_at=timezone.now() - timedelta(hours=3),
        expires_at=timezone.now() - timedelta(hours=2),
    )
    response = signed_in(alice).post(SETUP, {"enrolment_code": code})
    assert response.context["code_form"].has_error("enrolment_code", "invalid_enrolment_code")


def test_a_new_enrolment_code_ends_the_previous_one(alice):
    _, old = issue_enrolment_code(user=alice)
    _, new = issue_enrolment_code(user=alice)
    refused = signed_in(alice).post(SETUP, {"enrolment_code": old})
    assert refused.context["code_form"].has_error("enrolment_code", "invalid_enrolment_code")
    assert signed_in(alice).post(SETUP, {"enrolment_code": new}).status_code == 302


def test_enrolment_codes_are_stored_hashed_and_expire_after_72_hours_by_default(alice, settings):
    assert settings.AMPS_ENROLMENT_CODE_HOURS == 72
    record, code = issue_enrolment_code(user=alice)
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}", code)
    stored = EnrolmentCode.objects.get()
    assert code.replace("-", "") not in stored.code_hash
    assert check_password(code.replace("-", ""), stored.code_hash)
    assert stored.expires_at - stored.created_at == timedelta(hours=72)
    settings.AMPS_ENROLMENT_CODE_HOURS = 24
    record, _ = issue_enrolment_code(user=alice)
    assert record.expires_at - record.created_at == timedelta(hours=24)


def test_two_sessions_of_one_user_never_see_the_same_pending_key(alice):
    """An attacker with the password (and a code) enrolling beside the user: each session
    has its own key, and once the user confirms hers, the other key never works."""
    victim = with_enrolment_code(signed_in(alice), alice)
    attacker = with_enrolment_code(signed_in(alice), alice)
    victim_key = pending_device(victim, alice)
    attacker_key = pending_device(attacker, alice)
    assert victim_key.key != attacker_key.key
    assert grouped_key(victim_key) not in attacker.get(SETUP).content.decode()
    assert grouped_key(attacker_key) not in victim.get(SETUP).content.decode()

    assert victim.post(SETUP, {"code": totp_code(victim_key)}).status_code == 200
    assert list(TOTPDevice.objects.filter(user=alice).values_list("key", flat=True)) == [
        victim_key.key
    ]
    # The attacker's key confirms nothing, and does not pass verification either.
    late = attacker.post(SETUP, {"code": totp_code(attacker_key)})
    assert late["Location"].startswith(VERIFY)
    response = attacker.post(VERIFY, {"code": totp_code(attacker_key)})
    assert response.context["code_form"].has_error("code", "invalid_code")
    assert attacker.get("/intakes/")["Location"].startswith(VERIFY)
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_a_second_confirmation_at_the_same_moment_is_refused(alice):
    """Two sessions confirming at once: the user's row is locked, the second finds the first
    authenticator and saves nothing."""
    first = with_enrolment_code(signed_in(alice), alice)
    confirm_authenticator(device=pending_device(first, alice))
    with pytest.raises(AlreadyEnrolled):
        confirm_authenticator(device=TOTPDevice(user=alice, key=random_hex(20)))
    assert TOTPDevice.objects.filter(user=alice).count() == 1


def test_a_pending_key_stays_with_its_user(alice, bob):
    """A session that changed hands (sign-out, another sign-in) holds no pending key."""
    client = with_enrolment_code(signed_in(alice), alice)
    client.post("/accounts/logout/")
    client.force_login(bob)
    response = client.get(SETUP)
    assert response.templates[0].name == "registration/two_factor_enrolment_code.html"


def test_deleting_the_device_in_the_admin_needs_a_new_enrolment_code(alice, superuser_client):
    _, first_code = issue_enrolment_code(user=alice)
    client = signed_in(alice)
    client.post(SETUP, {"enrolment_code": first_code})
    client.post(SETUP, {"code": totp_code(pending_device(client, alice))})
    device = TOTPDevice.objects.get(user=alice, confirmed=True)
    response = superuser_client.post(
        f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=alice).exists()
    # Her verified session ends with the device, and the used code does not enrol again.
    assert client.get("/intakes/")["Location"].startswith(SETUP)
    again = signed_in(alice)
    refused = again.post(SETUP, {"enrolment_code": first_code})
    assert refused.context["code_form"].has_error("enrolment_code", "invalid_enrolment_code")
    with_enrolment_code(again, alice)
    assert "data:image/svg+xml" in again.get(SETUP).content.decode()


# -- Issuing enrolment codes: the admin and manage.py -------------------------------------------


@pytest.fixture
def superuser_client(db):
    return verified(UserFactory(username="root", is_staff=True, is_superuser=True))


def issue_in_admin(client: Client, *users):
    return client.post(
        "/admin/auth/user/",
        {"action": "issue_enrolment_codes", "_selected_action": [u.pk for u in users]},
    )


def test_an_administrator_issues_codes_from_the_users_list_shown_once(superuser_client, alice, bob):
    response = issue_in_admin(superuser_client, alice, bob)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    html = response.content.decode()
    shown = re.findall(r'<code class="enrolment-code">([A-Z0-9-]+)</code>', html)
    assert len(shown) == 2
    records = EnrolmentCode.objects.order_by("user__username")
    assert [r.user for r in records] == [alice, bob]
    assert all(r.created_by.username == "root" for r in records)
    assert signed_in(alice).post(SETUP, {"enrolment_code": shown[0]}).status_code == 302
    # The listing shows who issued what and when, never the code or its hash.
    listing = superuser_client.get("/admin/accounts/enrolmentcode/").content.decode()
    detail = superuser_client.get(
        f"/admin/accounts/enrolmentcode/{records[1].pk}/change/"
    ).content.decode()
    for page in (listing, detail):
        assert shown[1] not in page
        assert records[1].code_hash not in page
        assert "code_hash" not in page
    assert "used" in listing


def test_staff_without_the_permission_cannot_issue_codes(carol, alice):
    editor_client = verified(carol)
    response = editor_client.post(
        "/admin/auth/user/",
        {"action": "issue_enrolment_codes", "_selected_action": [alice.pk]},
    )
    assert response.status_code == 403
    assert not EnrolmentCode.objects.exists()
    assert editor_client.get("/admin/accounts/enrolmentcode/").status_code == 403


def test_enrolment_codes_cannot_be_added_or_edited_in_the_admin(superuser_client, alice):
    assert superuser_client.get("/admin/accounts/enrolmentcode/add/").status_code == 403


def test_the_command_issues_a_code_that_enrols(alice):
    out = io.StringIO()
    call_command("issue_enrolment_code", "alice", "--hours", "5", stdout=out)
    code = re.search(r"Enrolment code for alice: (\S+)", out.getvalue()).group(1)
    record = EnrolmentCode.objects.get()
    assert record.created_by is None
    assert record.expires_at - record.created_at == timedelta(hours=5)
    assert signed_in(alice).post(SETUP, {"enrolment_code": code}).status_code == 302


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nobody"], "No user"),
        (["alice", "--hours", "0"], "--hours"),
        (["alice", "--hours", "9999"], "--hours"),
    ],
)
def test_the_command_refuses_bad_input(alice, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("issue_enrolment_code", *args, stdout=io.StringIO())
    assert not EnrolmentCode.objects.exists()


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
