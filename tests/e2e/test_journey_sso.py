"""Single sign-on through a real OpenID Connect provider (oidc-provider, its own process):
the right role from the claims, the provider's second factor, no role, sign-out at the
provider, and a forged state refused. Each step is in the access log."""

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from audit.models import AccessAction, AccessEvent
from sso.models import SignOnIdentity
from tests.e2e.helpers import expect_accessible
from tests.identity_servers import start_oidc_provider

CLIENT_SECRET = "amps-test-secret-0123456789abcdef"  # noqa: S105 (test provider only)
PASSWORD = "provider password 1"  # noqa: S105


@pytest.fixture
def provider(live_server, tmp_path, settings):
    config = {
        "client": {
            "client_id": "amps-screen",
            "client_secret": CLIENT_SECRET,
            "redirect_uris": [f"{live_server.url}/sso/callback/"],
            "post_logout_redirect_uris": [f"{live_server.url}/accounts/login/"],
        },
        "users": {
            "rita": {
                "password": PASSWORD,
                "name": "Rita Rheum",
                "given_name": "Rita",
                "family_name": "Rheum",
                "email": "rita@hospital.example",
                "groups": ["amps-rheumatologists", "all-staff"],
                "amr": ["pwd", "mfa"],
            },
            "nina": {
                "password": PASSWORD,
                "given_name": "Nina",
                "family_name": "Norole",
                "groups": ["all-staff"],
                "amr": ["pwd", "otp"],
            },
            "tom": {
                "password": PASSWORD,
                "given_name": "Tom",
                "family_name": "Staff",
                "groups": ["amps-clinic"],
                "amr": ["pwd"],
            },
        },
    }
    process, issuer = start_oidc_provider(tmp_path, config)
    settings.AMPS_OIDC_ISSUER = issuer
    settings.AMPS_OIDC_CLIENT_ID = "amps-screen"
    settings.AMPS_OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.AMPS_OIDC_ROLE_MAP = "amps-rheumatologists=Rheumatologist,amps-clinic=Clinic staff"
    settings.AMPS_OIDC_NAME = "Test Hospital"
    settings.AMPS_OIDC_MFA_AMR = ["mfa", "otp"]
    settings.AMPS_REQUIRE_2FA = True
    # As settings.py does for AMPS_OIDC_ISSUER: sign-out's redirect to the provider.
    settings.SECURE_CSP = {**settings.SECURE_CSP, "form-action": ["'self'", issuer]}
    yield issuer
    process.kill()


def sign_in_at_provider(page, live_server, login: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_role("link", name="Sign in with Test Hospital").click()
    page.get_by_label("Login").fill(login)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def test_sign_in_gives_the_role_from_the_claims_and_sign_out_ends_both_sessions(
    page, live_server, provider
):
    page.goto(f"{live_server.url}/accounts/login/")
    expect_accessible(page, "login page with single sign-on")
    sign_in_at_provider(page, live_server, "rita")

    # The provider's amr (mfa) is the second factor: straight to the rheumatologist's home.
    expect(page).to_have_url(f"{live_server.url}/review/")
    expect(page.get_by_text("Rita Rheum")).to_be_visible()
    rita = User.objects.get(sign_on_identities__subject="rita")
    assert [g.name for g in rita.groups.all()] == ["Rheumatologist"]
    assert not rita.has_usable_password()
    identity = SignOnIdentity.objects.get(user=rita)
    assert identity.issuer == provider
    events = AccessEvent.objects.filter(user=rita).order_by("pk")
    assert [e.action for e in events][:2] == [AccessAction.ROLES_CHANGED, AccessAction.SIGN_IN]
    assert events[0].detail["after"] == ["Rheumatologist"]
    assert events[1].detail["second_factor"] == "provider"

    page.get_by_role("button", name="Sign out").click()
    # RP-initiated logout: the provider asks, then sends the browser back to our sign-in page.
    page.get_by_role("button", name="Yes, sign me out").click()
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    # The provider's session is over too: signing in again asks for the password.
    page.get_by_role("link", name="Sign in with Test Hospital").click()
    expect(page.get_by_label("Login")).to_be_visible()


def test_the_provider_takes_a_role_away_and_no_role_means_the_no_role_page(
    page, live_server, provider
):
    nina = User.objects.create_user("nina-local")
    SignOnIdentity.objects.create(user=nina, issuer=provider, subject="nina")
    nina.groups.add(Group.objects.get(name="Clinic staff"))
    sign_in_at_provider(page, live_server, "nina")
    expect(page.get_by_role("heading", name="No role")).to_be_visible()
    nina.refresh_from_db()
    assert not nina.groups.exists()
    change = AccessEvent.objects.get(user=nina, action=AccessAction.ROLES_CHANGED)
    assert change.detail == {"by": "single sign-on", "before": ["Clinic staff"], "after": []}


def test_without_the_providers_second_factor_the_apps_own_is_asked(page, live_server, provider):
    sign_in_at_provider(page, live_server, "tom")
    expect(page).to_have_url(f"{live_server.url}/accounts/2fa/setup/?next=%2F")
    tom = User.objects.get(username="tom")
    assert [g.name for g in tom.groups.all()] == ["Clinic staff"]
    event = AccessEvent.objects.get(user=tom, action=AccessAction.SIGN_IN)
    assert event.detail["second_factor"] == "asked here"


def test_a_forged_state_is_refused_on_a_clear_page(page, live_server, provider):
    page.goto(f"{live_server.url}/sso/callback/?code=stolen-code&state=forged-state")
    expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(page.get_by_text("unknown state")).to_be_visible()
    expect_accessible(page, "single sign-on refused")
    refused = AccessEvent.objects.get(action=AccessAction.SIGN_IN_REFUSED)
    assert refused.user is None and refused.client == "single sign-on"
    assert "stolen-code" not in str(refused.detail)
