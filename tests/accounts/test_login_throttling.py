"""Login throttling (django-axes): 5 failures for one username (from any address) lock that
username, and 5 failures from one address (for any usernames) lock that address, each for the
cool-off (15 minutes by default) or until an administrator unlocks it. Behind a proxy
(DJANGO_BEHIND_PROXY) the address is the client's as the proxy reports it."""

import runpy
from datetime import timedelta
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client, RequestFactory
from django.utils import timezone

from audit.access import client_address
from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
WRONG = "not the password at all"
LOCKOUT_TEXT = "Too many failed sign-in attempts for this username or from this address."
SETTINGS_FILE = Path(__file__).resolve().parents[2] / "amps_screen" / "settings.py"
# The settings that decide which address a request comes from.
ADDRESS_SETTINGS = (
    "AXES_IPWARE_META_PRECEDENCE_ORDER",
    "AXES_IPWARE_PROXY_COUNT",
    "AXES_IPWARE_PROXY_ORDER",
    "IPWARE_STRICT",
)


def sign_in(client: Client, username: str, password: str, ip: str = "127.0.0.1", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, headers=headers
    )


def fail(client: Client, username: str, times: int, ip: str = "127.0.0.1", **headers):
    return [sign_in(client, username, WRONG, ip, **headers).status_code for _ in range(times)]


def settings_with(monkeypatch, **env) -> dict:
    """amps_screen/settings.py as it reads these environment variables."""
    monkeypatch.setenv("DJANGO_ENV_FILE", "")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS_FILE))


@pytest.fixture(params=["1", "0"], ids=["behind_proxy", "no_proxy"])
def proxy_setting(request, settings, monkeypatch):
    """DJANGO_BEHIND_PROXY on or off, applied as the settings file derives it."""
    loaded = settings_with(monkeypatch, DJANGO_BEHIND_PROXY=request.param)
    for name in ADDRESS_SETTINGS:
        setattr(settings, name, loaded[name])
    return request.param == "1"


def test_a_wrong_password_shows_the_normal_error(alice):
    response = sign_in(Client(), "alice", WRONG)
    assert response.status_code == 200
    assert "Please enter a correct username and password" in response.content.decode()


def test_five_wrong_passwords_lock_the_username_from_that_address(alice):
    client = Client()
    assert fail(client, "alice", 5) == [200, 200, 200, 200, 429]
    response = sign_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKOUT_TEXT in html
    assert "ask an administrator to unlock the account" in html.lower()
    assert "<h1" in html  # the site's page, not a bare message
    assert "_auth_user_id" not in client.session
    assert client.get("/intakes/")["Location"].startswith(LOGIN)


def test_the_sign_in_page_itself_still_loads_when_locked(alice):
    client = Client()
    fail(client, "alice", 5)
    assert client.get(LOGIN).status_code == 200


def test_another_user_from_another_address_is_not_affected(alice, bob):
    fail(Client(), "alice", 5, ip="10.0.0.1")
    response = sign_in(Client(), "bob", PASSWORD, ip="10.0.0.2")
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_rotating_addresses_does_not_avoid_the_username_lockout(alice):
    assert [fail(Client(), "alice", 1, ip=f"10.0.0.{n}")[0] for n in range(1, 6)] == [
        200,
        200,
        200,
        200,
        429,
    ]
    assert sign_in(Client(), "alice", PASSWORD, ip="10.0.0.99").status_code == 429


def test_one_address_cannot_try_many_usernames(alice, bob):
    client = Client()
    statuses = [sign_in(client, name, WRONG, ip="10.0.0.7").status_code for name in "vwxyz"]
    assert statuses == [200, 200, 200, 200, 429]
    # Bob's right password from that address waits too; from his own address it works.
    assert sign_in(Client(), "bob", PASSWORD, ip="10.0.0.7").status_code == 429
    assert sign_in(Client(), "bob", PASSWORD, ip="10.0.0.8").status_code == 302


def test_the_lockout_ends_after_the_cool_off(alice, settings):
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    fail(Client(), "alice", 5)
    response = sign_in(Client(), "alice", PASSWORD)
    assert response.status_code == 429
    assert "try again in 15 minutes" in response.content.decode()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=14))
    assert sign_in(Client(), "alice", PASSWORD).status_code == 429
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert sign_in(Client(), "alice", PASSWORD).status_code == 302


def test_trying_again_while_locked_does_not_extend_the_lockout(alice):
    fail(Client(), "alice", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=10))
    assert fail(Client(), "alice", 3) == [429, 429, 429]
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - timedelta(minutes=16)
    )  # 15 minutes after the fifth failure, whatever came after it
    assert sign_in(Client(), "alice", PASSWORD).status_code == 302


def test_the_cool_off_is_configurable(monkeypatch):
    loaded = settings_with(monkeypatch, AMPS_LOCKOUT_COOLOFF_MINUTES="45")
    assert loaded["AXES_COOLOFF_TIME"] == timedelta(minutes=45)
    assert settings_with(monkeypatch, AMPS_LOCKOUT_COOLOFF_MINUTES="")[
        "AXES_COOLOFF_TIME"
    ] == timedelta(minutes=15)


def test_a_colleague_signing_in_does_not_clear_failures_against_another_user(alice, dave):
    """A success clears the failures of the user who signed in, not those of everyone at the
    address: otherwise anyone with an account could guess a colleague's password forever."""
    client = Client()
    fail(client, "alice", 4, ip="10.0.0.5")
    assert sign_in(Client(), "dave", PASSWORD, ip="10.0.0.5").status_code == 302
    assert fail(Client(), "alice", 1, ip="10.0.0.5") == [429]


# -- The client's address behind a proxy (DJANGO_BEHIND_PROXY) -------------------------------


def test_the_proxy_setting_chooses_the_address_the_lockout_keys_on(alice, bob, proxy_setting):
    """Everyone comes through the proxy (REMOTE_ADDR 10.9.9.9). With the setting on, the
    lockout keys on the address the proxy reports, so one client's failures do not lock the
    others out; with it off, a client-sent X-Forwarded-For is ignored."""
    proxy = "10.9.9.9"
    for name in "vwxyz":  # one client tries five usernames
        sign_in(Client(), name, WRONG, ip=proxy, x_forwarded_for="203.0.113.5")
    attempt_addresses = set(AccessAttempt.objects.values_list("ip_address", flat=True))
    colleague = sign_in(Client(), "bob", PASSWORD, ip=proxy, x_forwarded_for="198.51.100.7")
    if proxy_setting:
        assert attempt_addresses == {"203.0.113.5"}
        assert colleague.status_code == 302
    else:
        assert attempt_addresses == {proxy}
        assert colleague.status_code == 429


def test_behind_the_proxy_a_forged_forwarded_for_does_not_hide_the_client(alice, proxy_setting):
    """The proxy appends the address it saw to whatever the client sent: the right-most
    entry is the one to believe, so a client cannot escape by inventing addresses."""
    proxy = "10.9.9.9"
    for n in range(5):
        forged = f"192.0.2.{n}, 203.0.113.5" if proxy_setting else f"192.0.2.{n}"
        sign_in(Client(), f"user{n}", WRONG, ip=proxy, x_forwarded_for=forged)
    expected = "203.0.113.5" if proxy_setting else proxy
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {expected}
    forged = "192.0.2.99, 203.0.113.5" if proxy_setting else "192.0.2.99"
    assert sign_in(Client(), "alice", PASSWORD, ip=proxy, x_forwarded_for=forged).status_code == 429


def test_the_access_log_records_the_same_address(proxy_setting):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.9.9.9", headers={"x-forwarded-for": "192.0.2.1, 203.0.113.5"}
    )
    assert client_address(request) == ("203.0.113.5" if proxy_setting else "10.9.9.9")


def test_without_a_forwarded_for_header_the_proxy_setting_uses_the_peer(proxy_setting):
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3")
    assert client_address(request) == "10.1.2.3"


def test_two_proxies_in_front(monkeypatch, settings):
    loaded = settings_with(monkeypatch, DJANGO_BEHIND_PROXY="1", DJANGO_PROXY_COUNT="2")
    for name in ADDRESS_SETTINGS:
        setattr(settings, name, loaded[name])
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.9.9.9", headers={"x-forwarded-for": "192.0.2.1, 203.0.113.5, 10.8.8.8"}
    )
    assert client_address(request) == "203.0.113.5"


def test_axes_reset_username_unlocks(alice):
    fail(Client(), "alice", 5)
    call_command("axes_reset_username", "alice")
    assert not AccessAttempt.objects.exists()
    client = Client()
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(alice.pk)


def test_a_successful_sign_in_resets_the_count(alice):
    client = Client()
    fail(client, "alice", 4)
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert fail(client, "alice", 4) == [200, 200, 200, 200]
    assert sign_in(client, "alice", PASSWORD).status_code == 302


def test_an_unknown_username_is_locked_the_same_way(db):
    assert fail(Client(), "mallory", 5)[-1] == 429


# -- Unlocking in the admin ---------------------------------------------------------------------


@pytest.fixture
def superuser_client(db):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(admin)
    return client


def test_a_superuser_unlocks_by_deleting_the_access_attempt_in_the_admin(alice, superuser_client):
    fail(Client(), "alice", 5)
    attempt = AccessAttempt.objects.get(username="alice")
    changelist = superuser_client.get("/admin/axes/accessattempt/?locked_out=yes")
    assert changelist.status_code == 200
    assert "alice" in changelist.content.decode()
    response = superuser_client.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"},
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.exists()
    assert sign_in(Client(), "alice", PASSWORD).status_code == 302


@pytest.mark.parametrize(
    "path",
    ["/admin/axes/accessattempt/", "/admin/axes/accesslog/", "/admin/axes/accessfailurelog/"],
)
def test_a_criteria_editor_cannot_use_the_lockout_admin(editor_client, path):
    assert editor_client.get(path).status_code == 403
