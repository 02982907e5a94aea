"""A clinician signs in through Chromium and lands on their role's home."""

from playwright.sync_api import expect


def test_staff_member_signs_in_and_sees_the_intake_list(
    page, live_server, login, alice, screenshot
):
    login("alice")
    expect(page).to_have_url(f"{live_server.url}/intakes/")
    expect(page.get_by_role("heading", name="Intakes")).to_be_visible()
    expect(page.get_by_text("Decision support only")).to_be_visible()
    expect(page.get_by_text("Clinic staff")).to_be_visible()
    screenshot("login-staff-home")


def test_wrong_password_keeps_the_user_on_the_login_page(page, live_server, login, alice):
    login("alice", "not the password")
    expect(page).to_have_url(f"{live_server.url}/accounts/login/")
    expect(page.get_by_role("alert")).to_contain_text("correct username and password")
