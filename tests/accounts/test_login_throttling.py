"""Login throttling (django-axes): 5 failures lock a username from one address until an
administrator unlocks it."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.test import Client

from tests.conftest import PASSWORD
from tests.factories import UserFactory

LOGIN = "/accounts/login/"
WRONG = "not the password at all"
LOCKOUT_TEXT = "Too many failed sign-in attempts for this username from this address."


def sign_in(client: Client, username: str, password: str, ip: str = "127.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip)


def fail(client: Client, username: str, times: int, ip: str = "127.0.0.1") -> list[int]:
    return [sign_in(client, username, WRONG, ip).status_code for _ in range(times)]


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
    assert "Ask an administrator to unlock the account" in html
    assert "<h1" in html  # the site's page, not a bare message
    assert "_auth_user_id" not in client.session
    assert client.get("/intakes/")["Location"].startswith(LOGIN)


def test_the_sign_in_page_itself_still_loads_when_locked(alice):
    client = Client()
    fail(client, "alice", 5)
    assert client.get(LOGIN).status_code == 200


def test_another_user_from_the_same_address_is_not_affected(alice, bob):
    client = Client()
    fail(client, "alice", 5)
    response = sign_in(Client(), "bob", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_same_user_from_another_address_is_not_affected(alice):
    fail(Client(), "alice", 5, ip="10.0.0.1")
    assert sign_in(Client(), "alice", PASSWORD, ip="10.0.0.2").status_code == 302


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
