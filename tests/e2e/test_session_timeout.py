"""The idle timeout on the intake form: a warning with "Stay signed in", then, left alone, the
sign-out, and what was typed given back after the next sign-in.

The only test with real waits: the timeout is cut to 12 seconds (warning 8 seconds before)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts import middleware
from tests.e2e.helpers import region, site_box

IDLE, WARNING = 12, 8


@pytest.fixture
def short_timeout(settings, monkeypatch):
    settings.SESSION_IDLE_TIMEOUT = IDLE
    settings.SESSION_IDLE_WARNING = WARNING
    # The last activity is normally written at most every 30 s: every request counts here.
    monkeypatch.setattr(middleware, "ACTIVITY_RESOLUTION", 0)


def test_idle_warning_then_sign_out_keeps_what_was_typed(
    page, live_server, login, alice, short_timeout, screenshot
):
    form_url = f"{live_server.url}{reverse('intake:intake_create')}"
    login("alice")
    page.goto(form_url)
    page.get_by_label("MRN").fill("MRN-7781")
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Date of birth").fill("2013-05-17")
    page.get_by_label("Sex").select_option(label="Female")
    region(page, "knee_left").click()
    page.get_by_role("group", name="Fever").get_by_label("Yes").check()
    page.get_by_label("Clinical notes").fill("Left knee pain since the football season began.")

    # The warning comes WARNING seconds before the limit, with the focus on its button.
    warning = page.locator("#session-warning")
    expect(warning).to_be_visible(timeout=(IDLE - WARNING + 3) * 1000)
    expect(warning).to_have_attribute("role", "alertdialog")
    stay = warning.get_by_role("button", name="Stay signed in")
    expect(stay).to_be_focused()
    expect(warning).to_contain_text("You will be signed out in")
    # The banner is fixed to the top of the window: capture it with the window at the top.
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("session-1-warning")

    # Staying: the server restarts its clock (204, still signed in) and the banner goes.
    with page.expect_response(lambda r: r.url.endswith(reverse("session_keepalive"))) as kept:
        stay.click()
    assert kept.value.status == 204
    expect(warning).to_be_hidden()
    expect(page).to_have_url(form_url)
    expect(page.get_by_label("MRN")).to_have_value("MRN-7781")

    # Left alone past the limit: the form is posted, the server signs out and keeps it.
    expect(warning).to_be_visible(timeout=(IDLE - WARNING + 3) * 1000)
    page.wait_for_url(f"{live_server.url}/accounts/login/**", timeout=(WARNING + 6) * 1000)
    notice = page.get_by_role("status").filter(has_text="You were signed out after")
    expect(notice).to_contain_text("What you typed is kept")
    screenshot("session-2-signed-out")

    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(form_url)
    expect(page.get_by_role("status").first).to_contain_text(
        "What you typed before you were signed out is back"
    )
    expect(page.get_by_label("MRN")).to_have_value("MRN-7781")
    expect(page.get_by_label("Given name")).to_have_value("Grace")
    expect(page.get_by_label("Family name")).to_have_value("Hopper")
    expect(page.get_by_label("Date of birth")).to_have_value("2013-05-17")
    expect(page.get_by_label("Sex")).to_have_value("female")
    expect(site_box(page, "knee_left")).to_be_checked()
    expect(region(page, "knee_left")).to_have_attribute("aria-checked", "true")
    expect(page.get_by_role("group", name="Fever").get_by_label("Yes")).to_be_checked()
    expect(page.get_by_label("Clinical notes")).to_have_value(
        "Left knee pain since the football season began."
    )
    # Nothing was saved behind the user's back: the rescued form is only refilled.
    expect(page.locator(".error-summary")).to_have_count(0)
    screenshot("session-3-form-back")
