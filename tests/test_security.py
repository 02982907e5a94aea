"""Production settings, headers, session timeouts, the URLconf walk, the audit trail."""

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import IntakeFactory

ROOT = Path(__file__).resolve().parent.parent
# Several tests pick their persona at run time: mark them all, so that they run with the
# database tests (before the transactional ones, whose flush removes the role groups).
pytestmark = pytest.mark.django_db


def production_check(**env) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "AMPS_", "DATABASE_URL"))
    }
    environment.update(
        DJANGO_SECRET_KEY="a-production-like-secret-key-" + "x" * 40,
        DJANGO_ALLOWED_HOSTS="amps.clinic.example",
        DJANGO_ENV_FILE="",
        AMPS_BASE_URL="https://amps.clinic.example",
    )
    environment.update(env)
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    """A clinic deployment: production settings on PostgreSQL (the check does not connect)."""
    result = production_check(DATABASE_URL="postgres://amps@db.clinic.example:5432/amps")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_on_sqlite_warn_and_nothing_else_does():
    result = production_check()
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "amps_screen.W001" in output
    assert "SQLite" in output
    assert "System check identified 1 issue" in output, output


def test_production_settings_without_a_base_url_warn():
    """Canonical URLs would follow the Host header: the deployment check says so."""
    result = production_check(
        DATABASE_URL="postgres://amps@db.clinic.example:5432/amps", AMPS_BASE_URL=""
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "amps_screen.W002" in output and "AMPS_BASE_URL" in output
    assert "System check identified 1 issue" in output, output


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
        ("rheum_client", "intake:review_queue_live"),
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


# -- the URLconf walk -------------------------------------------------------------------------

# The sign-in pages themselves: single sign-on (start, callback, refusal, sign-out) and the
# EHR launch, which an EHR opens before anyone is signed in here.
SSO_PAGES = {"sso:start", "sso:callback", "sso:refused", "sso:sign_out"}
PUBLIC = {"login", "healthz", "admin_login_redirect", "interop:cds_discovery", *SSO_PAGES}
PUBLIC |= {"smart:launch", "smart:callback"}
# The CapabilityStatement, like CDS discovery, holds no patient data: an EHR reads it first.
PUBLIC |= {"interop:metadata"}
# The interop app's endpoints check their callers themselves (API token, session, or JWT).
MACHINE_PREFIX = "interop:"
# Which permission each of our views needs; every intake:* URL must be listed here.
REQUIRED_PERMISSION = {
    "intake:intake_list": "intake.view_intake",
    "intake:intake_create": "intake.add_intake",
    "intake:intake_detail": "intake.view_intake",
    "intake:intake_edit": "intake.change_intake",
    "intake:addendum_create": "intake.add_addendum",
    "intake:review_queue": "intake.sign_review",
    "intake:review_queue_live": "intake.sign_review",
    "intake:review_create": "intake.sign_review",
    "intake:review_next": "intake.sign_review",
    "intake:review_agreement": "intake.sign_review",
    "intake:patient_search": "intake.view_patient",
    "intake:patient_detail": "intake.view_patient",
    "intake:patient_correct": "intake.change_patient",
    "intake:visit_create": "intake.add_intake",
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
        if name.startswith(MACHINE_PREFIX):
            # FHIR and CDS Hooks answer machines in their own terms: 401 (or 404/405 for
            # what is no resource or takes POST), never a login page and never data.
            assert response.status_code in (401, 404, 405), (name, response.status_code)
            assert response["Content-Type"].startswith(
                ("application/fhir+json", "application/json")
            )
            checked += 1
            continue
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
        "admin:audit_accessevent_changelist",
        "admin:intake_historicalintake_changelist",
    ):
        assert editor_client.get(reverse(url_name)).status_code == 403
