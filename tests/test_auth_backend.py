"""The auth backend answers exactly as Django's ModelBackend: the signed-in user and their
permissions in one query."""

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
def test_one_query_per_request_whatever_is_checked():
    user = _users()["a group and a permission of its own"]
    with CaptureQueriesContext(connection) as queries:
        signed_in = OneQueryModelBackend().get_user(str(user.pk))
        assert signed_in.has_perm("intake.view_criteriaset")
        assert signed_in.has_perm("intake.add_intake")
        assert not signed_in.has_perm("intake.sign_review")
        assert not signed_in.has_perm("intake.view_criteriaset", obj=object())
    assert len(queries) == 1


@pytest.mark.django_db
def test_a_role_removed_takes_effect_on_the_next_request():
    user = _users()[CLINIC_STAFF]
    permission = "intake.add_intake"
    assert OneQueryModelBackend().get_user(str(user.pk)).has_perm(permission)
    user.groups.clear()
    assert not OneQueryModelBackend().get_user(str(user.pk)).has_perm(permission)


@pytest.mark.django_db
def test_the_user_of_a_session_comes_with_the_same_permissions_in_one_query():
    for label, user in _users().items():
        with CaptureQueriesContext(connection) as queries:
            ours = OneQueryModelBackend().get_user(str(user.pk))
            if ours is not None:
                permissions = ours.get_all_permissions()
        assert len(queries) <= 1 or label == "superuser", label
        django = ModelBackend().get_user(user.pk)
        if django is None:
            assert ours is None, label
            continue
        assert ours == django
        assert ours.username == django.username
        assert ours.password == django.password
        assert not hasattr(ours, "permission_names")
        assert permissions == ModelBackend().get_all_permissions(_fresh(user)), label


@pytest.mark.django_db
@pytest.mark.parametrize("user_id", ["999999", "not-a-number", ""])
def test_an_unknown_or_malformed_user_id_is_nobody(user_id):
    assert OneQueryModelBackend().get_user(user_id) is None


def test_a_page_request_reads_the_user_and_permissions_together(staff_client):
    with CaptureQueriesContext(connection) as queries:
        response = staff_client.get("/intakes/")
    assert response.status_code == 200
    permission_queries = [q["sql"] for q in queries if "auth_permission" in q["sql"]]
    assert len(permission_queries) == 1
    assert "auth_user" in permission_queries[0]
