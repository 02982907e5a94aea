"""Shared fixtures: one persona per role, logged-in clients, test-only settings."""

import pytest
from django.conf import settings
from django.contrib.auth.models import Group

from intake.roles import CLINIC_STAFF, CRITERIA_EDITOR, RHEUMATOLOGIST
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"


def pytest_configure(config):
    # Tests render templates without `collectstatic`: plain storage instead of the manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    # Argon2 is deliberately slow; tests do not need a strong hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user_with_role(username: str, role: str | None, **extra):
    user = UserFactory(username=username, password=PASSWORD, **extra)
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def alice(db):
    """Clinic staff."""
    return _user_with_role("alice", CLINIC_STAFF, first_name="Alice", last_name="Archer")


@pytest.fixture
def bob(db):
    """Rheumatologist."""
    return _user_with_role("bob", RHEUMATOLOGIST, first_name="Bob", last_name="Bennett")


@pytest.fixture
def carol(db):
    """Criteria editor (staff status, so she reaches the admin)."""
    return _user_with_role(
        "carol", CRITERIA_EDITOR, first_name="Carol", last_name="Chen", is_staff=True
    )


@pytest.fixture
def dave(db):
    """A signed-in user with no role at all."""
    return _user_with_role("dave", None)


def _client_for(client, user):
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(client, alice):
    return _client_for(client, alice)


@pytest.fixture
def rheum_client(client, bob):
    return _client_for(client, bob)


@pytest.fixture
def editor_client(client, carol):
    return _client_for(client, carol)
