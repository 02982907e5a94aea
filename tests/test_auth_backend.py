"""The permission backend answers exactly as Django's ModelBackend, in one query."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from intake.auth_backends import OneQueryModelBackend
from intake.roles import CLINIC_STAFF, ROLES

User = get_user_model()


def _fresh(user):
    """The user as a new request sees it: no permission caches."""
    return User.objects.get(pk=user.pk)


def _users():
    users = {}
    for role in ROLES:
        user = User.objects.create_user(f"member-{role}".replace(" ", "-"), password="x")
        user.groups.add(Group.objects.get(name=role))
        users[role] = user
    both = User.objects.create_user("two-groups", password="x")
    both.groups.add(*Group.objects.filter(name__in=ROLES[:2]))
    users["two groups"] = both
    direct = User.objects.create_user("direct", password="x")
    direct.user_permissions.add(Permission.objects.get(codename="view_criteriaset"))
    direct.groups.add(Group.objects.get(name=CLINIC_STAFF))
    users["a group and a permission of its own"] = direct
    users["no role"] = User.objects.create_user("nobody", password="x")
    inactive = User.objects.create_user("inactive", password="x", is_active=False)
    inactive.groups.add(Group.objects.get(name=CLINIC_STAFF))
    users["inactive"] = inactive
    users["superuser"] = User.objects.create_superuser("root", password="x")
    return users


@pytest.mark.django_db
def test_same_permissions_as_django_for_every_kind_of_user():
    for label, user in _users().items():
        ours = OneQueryModelBackend().get_all_permissions(_fresh(user))
        django = ModelBackend().get_all_permissions(_fresh(user))
        assert ours == django, label
        if label not in ("no role", "inactive"):
            assert ours, label


@pytest.mark.django_db
def test_one_query_per_request_whatever_is_checked():
    user = _fresh(_users()["a group and a permission of its own"])
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("intake.view_criteriaset")
        assert user.has_perm("intake.add_intake")
        assert not user.has_perm("intake.sign_review")
        assert not user.has_perm("intake.view_criteriaset", obj=object())
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_role_removed_takes_effect_on_the_next_request():
    user = _users()[CLINIC_STAFF]
    permission = "intake.add_intake"
    assert _fresh(user).has_perm(permission)
    user.groups.clear()
    assert not _fresh(user).has_perm(permission)
