"""Shared fixtures: one persona per role, logged-in clients, test-only settings."""

import importlib
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.db.models.signals import pre_save
from django.test import Client

from intake.models import CriteriaSet, CriteriaSetStatus, ReferenceCase
from intake.roles import CLINIC_STAFF, CRITERIA_EDITOR, RHEUMATOLOGIST, sync_role_groups
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"
DEFAULT_CRITERIA_MIGRATION = importlib.import_module("intake.migrations.0003_default_criteria")
VERSION_2_MIGRATION = importlib.import_module("intake.migrations.0020_criteria_version_2")
VERSION_3_MIGRATION = importlib.import_module("intake.migrations.0034_criteria_version_3")
CASE_NAMES_MIGRATION = importlib.import_module(
    "intake.migrations.0026_meaningful_reference_case_names"
)


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


@pytest.fixture
def migration_data(transactional_db):
    """For tests on committed data: a transactional test's flush also removes what the data
    migrations created (role groups, criteria set versions 1, 2 and 3, reference cases with
    their names); put it back."""
    if not Group.objects.exists():
        sync_role_groups(django_apps, None)
    if not CriteriaSet.objects.exists():
        # Version 1 as migrations 0003 and 0018 leave it (its red flags read as routine).
        version_1 = [
            {**spec, "urgency": "routine"} if spec["kind"] == "red_flag" else spec
            for spec in DEFAULT_CRITERIA_MIGRATION.DEFAULT_CRITERIA
        ]
        # Those migrations made shared reference cases (before cases belonged to a version):
        # here each is given the newest set while they run, then the published one, as the
        # reference-cases-per-version migration does.
        pre_save.connect(_give_a_set, sender=ReferenceCase)
        try:
            with mock.patch.object(DEFAULT_CRITERIA_MIGRATION, "DEFAULT_CRITERIA", version_1):
                DEFAULT_CRITERIA_MIGRATION.create_version_1(django_apps, None)
            VERSION_2_MIGRATION.publish_version_2(django_apps, None)
            CASE_NAMES_MIGRATION.rename(django_apps, None)
            VERSION_3_MIGRATION.publish_version_3(django_apps, None)
        finally:
            pre_save.disconnect(_give_a_set, sender=ReferenceCase)
        published = CriteriaSet.objects.get(status=CriteriaSetStatus.PUBLISHED)
        ReferenceCase.objects.update(criteria_set=published)


def _give_a_set(sender, instance, **kwargs):
    if instance.criteria_set_id is None:
        instance.criteria_set = CriteriaSet.objects.order_by("-version").first()


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


def _client_for(user) -> Client:
    """A client of its own per persona, so two personas can act in one test."""
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def staff_client(alice):
    return _client_for(alice)


@pytest.fixture
def rheum_client(bob):
    return _client_for(bob)


@pytest.fixture
def editor_client(carol):
    return _client_for(carol)
