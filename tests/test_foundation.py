"""Login, each role's home, /healthz and the role groups."""

from unittest import mock

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from intake.roles import CLINIC_STAFF, CRITERIA_EDITOR, RHEUMATOLOGIST, ROLE_PERMISSIONS


@pytest.mark.django_db
def test_home_requires_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_login_page_renders_without_login(client):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert b"Sign in" in response.content
    assert b"a clinician decides" in response.content


def test_login_with_password_then_home_for_staff(client, alice):
    response = client.post(
        reverse("login"), {"username": "alice", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    response = client.get("/")
    assert response["Location"] == reverse("intake:intake_list")


def test_wrong_password_shows_an_error_and_no_session(client, alice):
    response = client.post(reverse("login"), {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert b"correct username and password" in response.content
    assert "_auth_user_id" not in client.session


def test_staff_home_is_the_intake_list(staff_client):
    assert staff_client.get("/")["Location"] == reverse("intake:intake_list")


def test_rheumatologist_home_is_the_review_queue(rheum_client):
    assert rheum_client.get("/")["Location"] == reverse("intake:review_queue")


def test_criteria_editor_home_is_the_admin(editor_client):
    assert editor_client.get("/")["Location"] == reverse("admin:index")


def test_user_without_a_role_is_told_so(client, dave):
    client.force_login(dave)
    response = client.get("/")
    assert response.status_code == 403
    assert b"no role" in response.content


def test_logout_is_a_post_and_ends_the_session(staff_client):
    response = staff_client.post(reverse("logout"))
    assert response.status_code == 302
    assert staff_client.get("/").status_code == 302
    assert "_auth_user_id" not in staff_client.session


def test_layout_shows_who_is_signed_in_and_their_role(staff_client):
    response = staff_client.get(reverse("intake:intake_list"))
    assert b"Alice Archer" in response.content
    assert CLINIC_STAFF.encode() in response.content
    assert b"Decision support only" in response.content


def test_bootstrap_is_served_locally_not_from_a_cdn(staff_client):
    content = staff_client.get(reverse("intake:intake_list")).content.decode()
    assert "/static/bootstrap/css/bootstrap.min.css" in content
    assert "cdn" not in content.lower()


def test_the_favicon_is_served_without_sign_in(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an icon file


@pytest.mark.django_db
def test_healthz_answers_200_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_answers_503_when_the_database_is_unreachable(client):
    with mock.patch("amps_screen.health.HEALTH_QUERY", "SELECT * FROM no_such_table"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"


@pytest.mark.django_db
@pytest.mark.parametrize("role", [CLINIC_STAFF, RHEUMATOLOGIST, CRITERIA_EDITOR])
def test_role_group_exists_with_exactly_its_permissions(role):
    group = Group.objects.get(name=role)
    granted = {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.all()}
    assert granted == set(ROLE_PERMISSIONS[role])


@pytest.mark.django_db
def test_only_criteria_editors_may_publish():
    publishers = Group.objects.filter(permissions__codename="publish_criteriaset")
    assert [g.name for g in publishers] == [CRITERIA_EDITOR]


@pytest.mark.django_db
def test_only_rheumatologists_may_sign_reviews():
    signers = Group.objects.filter(permissions__codename="sign_review")
    assert [g.name for g in signers] == [RHEUMATOLOGIST]


def test_the_header_names_the_roles_whose_permissions_the_user_holds(rheum_client, bob):
    from intake.roles import roles_of

    assert roles_of(bob) == ["Rheumatologist"]
    page = rheum_client.get("/review/")
    assert "Rheumatologist" in page.content.decode()
