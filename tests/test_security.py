"""Production settings, headers, session timeouts, the URLconf walk, the audit trail."""

import os
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from intake import services
from intake.middleware import LAST_ACTIVITY, SESSION_STARTED
from intake.models import AccessEvent, Intake, Review
from tests.factories import IntakeFactory, example, form_data

ROOT = Path(__file__).resolve().parent.parent
# Several tests pick their persona at run time: mark them all, so that they run with the
# database tests (before the transactional ones, whose flush removes the role groups).
pytestmark = pytest.mark.django_db


def test_check_deploy_passes_with_production_settings():
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AMPS_", "DATABASE_URL"))
    }
    env.update(
        DJANGO_SECRET_KEY="a-production-like-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="amps.clinic.example",
        DJANGO_ENV_FILE="",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- headers --------------------------------------------------------------------------------------


def assert_security_headers(response):
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp  # plus a per-response nonce when a page uses one
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.django_db
def test_the_login_page_carries_the_security_headers(client):
    assert_security_headers(client.get(reverse("login")))


@pytest.mark.parametrize(
    ("persona", "url_name"),
    [
        ("staff_client", "intake:intake_list"),
        ("staff_client", "intake:intake_create"),
        ("rheum_client", "intake:review_queue"),
        ("editor_client", "admin:index"),
    ],
)
def test_pages_of_each_role_carry_the_headers_and_are_never_cached(persona, url_name, request):
    response = request.getfixturevalue(persona).get(reverse(url_name))
    assert response.status_code == 200
    assert_security_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_a_patient_page_is_never_cached(staff_client, alice):
    intake = IntakeFactory(created_by=alice)
    response = staff_client.get(reverse("intake:intake_detail", args=[intake.uuid]))
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


def test_hsts_is_sent_over_https(staff_client, settings):
    settings.SECURE_HSTS_SECONDS = 31_536_000
    response = staff_client.get(reverse("intake:intake_list"), secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def test_pages_load_our_scripts_from_static_files_only(staff_client):
    html = staff_client.get(reverse("intake:intake_create")).content.decode()
    assert "<script>" not in html
    assert " onclick=" not in html
    assert ' style="' not in html


# -- sessions -------------------------------------------------------------------------------------


def age_session(client, *, idle: float = 0, started: float = 0) -> None:
    session = client.session
    now = time.time()
    session[LAST_ACTIVITY] = now - idle
    session[SESSION_STARTED] = now - started
    session.save()


def test_fourteen_idle_minutes_keep_the_session(staff_client):
    age_session(staff_client, idle=14 * 60)
    assert staff_client.get(reverse("intake:intake_list")).status_code == 200


def test_sixteen_idle_minutes_sign_out_with_a_message(staff_client):
    age_session(staff_client, idle=16 * 60)
    url = reverse("intake:intake_list")
    response = staff_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = staff_client.get(response["Location"]).content.decode()
    assert "15 minutes without activity" in page
    assert staff_client.get(url).status_code == 302


def test_activity_slides_the_idle_window(staff_client):
    age_session(staff_client, idle=14 * 60)
    staff_client.get(reverse("intake:intake_list"))
    assert time.time() - staff_client.session[LAST_ACTIVITY] < 5


def test_twelve_hours_end_the_session_however_active(staff_client):
    age_session(staff_client, idle=10, started=12 * 3600 + 60)
    response = staff_client.get(reverse("intake:intake_list"))
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "12-hour limit" in page


def test_stay_signed_in_restarts_the_idle_clock(staff_client):
    age_session(staff_client, idle=14 * 60 + 30)
    response = staff_client.post(reverse("session_keepalive"))
    assert response.status_code == 204
    assert time.time() - staff_client.session[LAST_ACTIVITY] < 5


def test_the_page_carries_the_idle_warning(staff_client):
    html = staff_client.get(reverse("intake:intake_list")).content.decode()
    assert 'data-idle-seconds="900"' in html
    assert 'id="session-warning"' in html
    assert "js/session.js" in html


def test_an_intake_posted_after_the_timeout_comes_back_after_sign_in(client, alice):
    client.force_login(alice)
    age_session(client, idle=20 * 60)
    data = form_data(example("V01"), mrn="RESCUE-1", given_name="Keep")
    response = client.post(reverse("intake:intake_create"), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Intake.objects.exists()
    login = client.post(
        response["Location"],
        {"username": "alice", "password": "correct horse battery staple"},
    )
    assert login.status_code == 302
    page = client.get(reverse("intake:intake_create"))
    html = page.content.decode()
    assert "What you typed before you were signed out is back" in html
    assert page.context["form"]["mrn"].value() == "RESCUE-1"
    assert page.context["form"]["given_name"].value() == "Keep"
    assert set(page.context["form"]["pain_sites"].value()) == set(example("V01")["pain_sites"])
    again = client.get(reverse("intake:intake_create"))
    assert again.context["form"]["mrn"].value() in (None, "")


# -- the URLconf walk -------------------------------------------------------------------------

PUBLIC = {"login", "healthz", "admin_login_redirect"}
# Which permission each of our views needs; every intake:* URL must be listed here.
REQUIRED_PERMISSION = {
    "intake:intake_list": "intake.view_intake",
    "intake:intake_create": "intake.add_intake",
    "intake:intake_detail": "intake.view_intake",
    "intake:intake_edit": "intake.change_intake",
    "intake:addendum_create": "intake.add_addendum",
    "intake:review_queue": "intake.sign_review",
    "intake:review_create": "intake.sign_review",
}


def every_url() -> list[tuple[str, str]]:
    """(name, path) of every URL pattern in the URLconf, placeholders filled in."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                space = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, route, space)
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}{pattern.name or route}", "/" + sample_path(route)

    return list(walk(get_resolver().url_patterns))


def sample_path(route: str) -> str:
    """A concrete path for a route: a UUID for <uuid:…>, 1 for any other parameter."""
    route = re.sub(r"<uuid:\w+>", str(uuid.uuid4()), route)
    route = re.sub(r"<(\w+:)?\w+>", "1", route)
    route = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route)
    return route.replace("^", "").replace("\\Z", "").replace("$", "")


@pytest.mark.django_db
def test_every_non_public_url_sends_an_anonymous_visitor_to_login(client):
    checked = 0
    for name, path in every_url():
        if name in PUBLIC or path.startswith("/static/"):
            continue
        response = client.get(path)
        assert response.status_code in (301, 302), (name, path, response.status_code)
        assert (
            "/accounts/login/" in response["Location"] or "/admin/login/" in response["Location"]
        ), (
            name,
            response["Location"],
        )
        checked += 1
    assert checked > 20


def test_every_intake_url_is_in_the_permission_table():
    ours = {name for name, _ in every_url() if name.startswith("intake:")}
    assert ours == set(REQUIRED_PERMISSION)


@pytest.mark.parametrize("persona", ["alice", "bob", "carol", "dave"])
def test_every_role_restricted_url_answers_403_to_the_wrong_role(client, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    for name, path in every_url():
        permission = REQUIRED_PERMISSION.get(name)
        if permission is None or user.has_perm(permission):
            continue
        for method in (client.get, client.post):
            response = method(path)
            assert response.status_code == 403, (persona, name, method, response.status_code)


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_the_admin_is_closed_to_users_without_staff_status(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302


def test_criteria_editors_do_not_see_the_access_log_or_patient_history(editor_client):
    for url_name in (
        "admin:intake_accessevent_changelist",
        "admin:intake_historicalintake_changelist",
    ):
        assert editor_client.get(reverse(url_name)).status_code == 403


# -- audit --------------------------------------------------------------------------------------


def test_viewing_an_intake_writes_an_access_event_with_user_and_address(staff_client, alice):
    intake = IntakeFactory(created_by=alice)
    staff_client.get(reverse("intake:intake_detail", args=[intake.uuid]), REMOTE_ADDR="10.1.2.3")
    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.intake, event.action) == (
        alice,
        intake.patient,
        intake,
        "view",
    )
    assert event.ip_address == "10.1.2.3"


def test_opening_a_case_to_review_is_logged(rheum_client, bob):
    intake = IntakeFactory()
    screening = services.screen_intake(intake=intake)
    rheum_client.get(reverse("intake:review_create", args=[screening.uuid]))
    assert AccessEvent.objects.get().action == "review"
    assert AccessEvent.objects.get().user == bob


def test_the_access_log_is_append_only(staff_client, alice):
    from intake.models import AppendOnlyError

    intake = IntakeFactory(created_by=alice)
    staff_client.get(reverse("intake:intake_detail", args=[intake.uuid]))
    event = AccessEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_changes_are_in_the_history_with_the_user_who_made_them(
    staff_client, alice, rheum_client, bob
):
    staff_client.post(reverse("intake:intake_create"), form_data(example("V01")))
    intake = Intake.objects.get()
    assert intake.history.first().history_user == alice
    assert intake.patient.history.first().history_user == alice
    screening = intake.current_screening
    rheum_client.post(
        reverse("intake:review_create", args=[screening.uuid]),
        {
            "decision": "agree",
            "disposition": "amps_programme",
            "password": "correct horse battery staple",
        },
    )
    assert Review.objects.get().history.first().history_user == bob
    signed = intake.history.first()
    assert signed.status == "signed"
    assert signed.history_user == bob


def test_an_auditor_filters_the_access_log_by_user_and_patient(client, alice, db):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    auditor = UserFactory(username="audrey", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditor"))
    viewer = Client()
    viewer.force_login(alice)
    first, second = IntakeFactory(created_by=alice), IntakeFactory(created_by=alice)
    viewer.get(reverse("intake:intake_detail", args=[first.uuid]))
    viewer.get(reverse("intake:intake_detail", args=[second.uuid]))
    client.force_login(auditor)
    url = reverse("admin:intake_accessevent_changelist")
    response = client.get(url, {"q": first.patient.mrn})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [
        AccessEvent.objects.get(patient=first.patient)
    ]
    response = client.get(url, {"user__id__exact": alice.pk})
    assert len(response.context["cl"].result_list) == 2
    history = client.get(
        reverse("admin:intake_historicalintake_changelist"), {"q": first.patient.mrn}
    )
    assert history.status_code == 200
