"""Single sign-on and EHR launch without a provider: settings, framing, the sign-in page,
the refusal pages and the commands. (The flows themselves: tests/e2e/test_journey_sso.py and
test_journey_smart_launch.py, against real provider and EHR processes.)"""

import io

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from audit.models import AccessAction, AccessEvent
from smart.models import EhrIdentity, SmartEhr
from sso.provider import role_map, roles_from_claims, second_factor_done
from tests.test_settings import load_settings


def test_without_frame_origins_every_page_stays_deny(monkeypatch):
    loaded = load_settings(monkeypatch, DJANGO_DEBUG="1")
    assert loaded["SECURE_CSP"]["frame-ancestors"] == ["'none'"]
    assert "django.middleware.clickjacking.XFrameOptionsMiddleware" in loaded["MIDDLEWARE"]
    assert loaded["X_FRAME_OPTIONS"] == "DENY" and loaded["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_frame_origins_list_only_those_ehrs_with_samesite_none_cookies(monkeypatch):
    origins = "https://ehr.example.org,https://ehr2.example.org"
    loaded = load_settings(monkeypatch, DJANGO_DEBUG="1", AMPS_EHR_FRAME_ORIGINS=origins)
    assert loaded["SECURE_CSP"]["frame-ancestors"] == origins.split(",")
    assert "django.middleware.clickjacking.XFrameOptionsMiddleware" not in loaded["MIDDLEWARE"]
    assert loaded["SESSION_COOKIE_SAMESITE"] == loaded["CSRF_COOKIE_SAMESITE"] == "None"


def test_a_frame_origin_must_be_an_origin(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="AMPS_EHR_FRAME_ORIGINS"):
        load_settings(monkeypatch, DJANGO_DEBUG="1", AMPS_EHR_FRAME_ORIGINS="https://ehr/x/")


def test_password_sign_in_off_needs_a_provider_and_drops_the_password_backend(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="AMPS_OIDC_ISSUER"):
        load_settings(monkeypatch, DJANGO_DEBUG="1", AMPS_PASSWORD_SIGN_IN="0")
    loaded = load_settings(
        monkeypatch,
        DJANGO_DEBUG="1",
        AMPS_PASSWORD_SIGN_IN="0",
        AMPS_OIDC_ISSUER="https://idp.example/realms/x/",
    )
    assert "django.contrib.auth.backends.ModelBackend" not in loaded["AUTHENTICATION_BACKENDS"]
    assert loaded["AMPS_OIDC_ISSUER"] == "https://idp.example/realms/x"
    assert loaded["SECURE_CSP"]["form-action"] == ["'self'", "https://idp.example"]
    assert loaded["AMPS_OIDC_SCOPES"] == "openid profile email groups"


def test_the_role_map_gives_only_the_apps_roles(settings):
    settings.AMPS_OIDC_ROLE_MAP = "g-rheum=Rheumatologist, g-staff=Clinic staff"
    assert roles_from_claims({"groups": ["g-rheum", "other", 3]}) == {"Rheumatologist"}
    assert roles_from_claims({"groups": "g-staff g-rheum"}) == {"Rheumatologist", "Clinic staff"}
    assert roles_from_claims({}) == set()
    settings.AMPS_OIDC_ROLE_CLAIM = "roles"
    assert roles_from_claims({"groups": ["g-rheum"], "roles": ["g-staff"]}) == {"Clinic staff"}
    with pytest.raises(ImproperlyConfigured, match="Superuser"):
        role_map("admins=Superuser")


def test_only_the_listed_amr_values_count_as_the_second_factor(settings):
    settings.AMPS_OIDC_MFA_AMR = ["mfa", "hwk"]
    assert second_factor_done({"amr": ["pwd", "hwk"]})
    assert not second_factor_done({"amr": ["pwd"]})
    assert not second_factor_done({"amr": "mfa"})  # a string is not a list of methods
    settings.AMPS_OIDC_MFA_AMR = []
    assert not second_factor_done({"amr": ["mfa"]})


@pytest.mark.django_db
def test_the_sign_in_page_offers_the_provider_and_can_hide_passwords(client, settings):
    assert "Sign in with" not in client.get("/accounts/login/").text
    settings.AMPS_OIDC_ISSUER = "https://idp.example"
    settings.AMPS_OIDC_CLIENT_ID = "amps"
    settings.AMPS_OIDC_NAME = "St Elsewhere"
    page = client.get("/accounts/login/?next=/review/").text
    assert 'href="/sso/start/?next=/review/"' in page and "Sign in with St Elsewhere" in page
    assert 'name="password"' in page
    settings.AMPS_PASSWORD_SIGN_IN = False
    assert 'name="password"' not in client.get("/accounts/login/").text


@pytest.mark.django_db
def test_single_sign_on_pages_without_a_provider_say_so(client):
    response = client.get("/sso/start/")
    assert response.status_code == 404 and "not set up" in response.text
    assert AccessEvent.objects.get().action == AccessAction.SIGN_IN_REFUSED


@pytest.mark.django_db
def test_an_unreachable_provider_is_a_clear_page_not_an_error(client, settings):
    settings.AMPS_OIDC_ISSUER = "http://127.0.0.1:9"  # nothing listens there
    settings.AMPS_OIDC_CLIENT_ID = "amps"
    response = client.get("/sso/start/")
    assert response.status_code == 503 and "cannot be reached" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("", 400, "needs its iss and launch"),
        ("?iss=https://unknown.example/fhir&launch=abc", 403, "unknown iss"),
        ("?iss=" + "x" * 2000 + "&launch=abc", 400, "needs its iss and launch"),
    ],
)
def test_a_launch_from_an_unknown_ehr_is_refused(client, query, status, says):
    response = client.get(f"/smart/launch{query}")
    assert response.status_code == status and says in response.text
    event = AccessEvent.objects.get()
    assert event.action == AccessAction.LAUNCH_REFUSED and event.client == "SMART launch"


@pytest.mark.django_db
def test_a_callback_without_a_launch_started_here_is_refused(client):
    response = client.get("/smart/callback?state=x&code=y")
    assert response.status_code == 403 and "bad state" in response.text
    assert "code=y" not in str(AccessEvent.objects.get().detail)


@pytest.mark.django_db
def test_the_commands_allow_an_ehr_and_link_a_user(alice):
    out = io.StringIO()
    call_command(
        "add_smart_ehr", "--iss", "https://ehr.example/fhir/", "--client-id", "c1", stdout=out
    )
    ehr = SmartEhr.objects.get()
    assert ehr.iss == "https://ehr.example/fhir" and ehr.client_secret == ""
    call_command(
        "add_smart_ehr",
        "--iss",
        "https://ehr.example/fhir",
        "--client-id",
        "c2",
        "--client-secret",
        "s",
        stdout=out,
    )
    assert SmartEhr.objects.get().client_secret == "s"
    call_command(
        "link_ehr_user", "alice", "--iss", ehr.iss, "--fhir-user", "Practitioner/1", stdout=out
    )
    assert EhrIdentity.objects.get().user == alice
    with pytest.raises(CommandError, match="not an allowed EHR"):
        call_command("link_ehr_user", "alice", "--iss", "https://x.example", "--fhir-user", "P/1")
    with pytest.raises(CommandError, match="No user"):
        call_command("link_ehr_user", "zed", "--iss", ehr.iss, "--fhir-user", "P/1")
    with pytest.raises(CommandError, match="--iss"):
        call_command("add_smart_ehr", "--iss", "not a url", "--client-id", "c")
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_the_providers_error_answer_is_a_clear_page(client, settings):
    settings.AMPS_OIDC_ISSUER = "http://127.0.0.1:9"
    settings.AMPS_OIDC_CLIENT_ID = "amps"
    session = client.session
    session["oidc_states"] = {"started-here": {"code_verifier": "v", "nonce": "n"}}
    session.save()
    response = client.get("/sso/callback/?error=access_denied&state=started-here")
    assert response.status_code == 403 and "access_denied" in response.text
    assert AccessEvent.objects.get().detail == {"reason": "The sign-in service said: access_denied"}


@pytest.mark.django_db
def test_an_error_answer_to_a_sign_in_not_started_here_signs_nobody_out(client, settings, alice):
    # A link or an image on another site: "?error=x" without this browser's state.
    settings.AMPS_OIDC_ISSUER = "http://127.0.0.1:9"
    settings.AMPS_OIDC_CLIENT_ID = "amps"
    client.force_login(alice)
    response = client.get("/sso/callback/?error=access_denied&state=forged")
    assert response.status_code == 403 and "unknown state" in response.text
    assert client.get("/intakes/").status_code == 200  # still signed in


def test_a_smart_launch_refuses_an_ehr_that_is_not_https(settings):
    from smart.launch import LaunchRefused, configuration

    settings.AMPS_CDS_FHIR_ALLOW_HTTP = False
    for iss in ("http://ehr.example.org/fhir", "http://127.0.0.1:8999/fhir"):
        with pytest.raises(LaunchRefused, match="must use https"):
            configuration(SmartEhr(iss=iss, client_id="amps"))


@pytest.mark.django_db
def test_auditors_see_refused_sign_ins_and_launches_in_the_access_log(client, admin_client):
    client.get("/smart/launch?iss=https://unknown.example/fhir&launch=abc")
    client.get("/sso/start/")
    page = admin_client.get("/admin/audit/accessevent/").text
    assert "unknown (SMART launch)" in page and "unknown (single sign-on)" in page
    assert "EHR launch refused" in page and "Sign-in refused (single sign-on)" in page


@pytest.mark.django_db
def test_a_user_made_inactive_is_signed_out_of_a_single_sign_on_session(client, alice):
    client.force_login(alice, backend="sso.backend.SingleSignOnBackend")
    assert client.get("/intakes/").status_code == 200
    alice.is_active = False
    alice.save()
    response = client.get("/intakes/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
