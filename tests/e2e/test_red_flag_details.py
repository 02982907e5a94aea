"""The red-flag details in a browser: hidden (and not posted) until their red flag is yes,
shown under it when it is, and submitted with the intake."""

from django.urls import reverse
from playwright.sync_api import expect

from intake.models import Intake
from tests.e2e.helpers import expect_accessible, fill_intake, intake_values


def test_a_detail_appears_under_its_red_flag_when_answered_yes(page, live_server, login, alice):
    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    fever_days = page.locator("#detail-fever_days")
    petechiae = page.locator("#detail-petechiae_or_purpura")
    expect(fever_days).to_be_hidden()
    expect(petechiae).to_be_hidden()

    fever = page.get_by_role("group", name="Fever", exact=True)
    fever.get_by_label("Yes").check()
    expect(fever_days).to_be_visible()
    expect(page.locator("#detail-kawasaki_features")).to_be_visible()
    fever.get_by_label("No").check()
    expect(fever_days).to_be_hidden()
    expect(page.locator('[name="fever_days"]')).to_be_disabled()

    # Petechiae is asked by either of two red flags.
    page.get_by_role("group", name="Pallor, bruising or bleeding").get_by_label("Yes").check()
    expect(petechiae).to_be_visible()
    expect_accessible(page, "the intake form with a red-flag detail shown")


def test_an_emergency_is_submitted_with_its_details(page, live_server, login, alice):
    values = intake_values(
        "V01",
        neurological_deficit=True,
        sphincter_or_saddle_signs=True,
        fever=True,
        fever_days=3,
        highest_temperature_c=38.9,
        kawasaki_features=["none"],
    )
    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    fill_intake(page, values, at_once=True)
    page.get_by_role("button", name="Submit and screen").click()
    expect(page.get_by_text("Intake submitted")).to_be_visible()
    intake = Intake.objects.get()
    assert (intake.fever_days, str(intake.highest_temperature_c)) == (3, "38.9")
    assert intake.kawasaki_features == ["none"]
    assert intake.current_screening.urgency == "emergency"
