"""Clinic staff submit an emergency (fever, not bearing weight, CRP 86) filling only what the
emergency pathway needs; the alarm says to phone the on-call team with its number; the on-call
team gets one email (locmem); the case tops the review queue as "Emergency — now / same day".
axe passes on each changed page."""

from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from documents.models import ClinicDetails
from intake import services
from intake.forms.intake import YES_NO_FIELDS
from intake.models import Intake
from tests.e2e.helpers import expect_accessible, fill_intake, site_box
from tests.factories import IntakeFactory, birth_date_for
from tests.red_flag_details import DETAIL_FIELDS, DETAILS, as_form_value

ON_CALL_PHONE = "020 7946 0999"
ON_CALL_EMAIL = "oncall@clinic.example"
RED_FLAGS_YES = ("fever", "non_weight_bearing")


def fill_details(page, red_flag: str) -> None:
    """Answer the detail questions (§5a) of a red flag answered yes, those the form has."""
    for name, value in DETAILS.get(red_flag, {}).items():
        controls = page.locator(f'#intake-form [name="{name}"]')
        if controls.count() == 0:
            continue
        value = as_form_value(value)
        kind = controls.first.get_attribute("type") or ""
        if kind in ("radio", "checkbox"):
            for code in value if isinstance(value, list) else [value]:
                page.locator(f'#intake-form [name="{name}"][value="{code}"]').check()
        elif controls.first.evaluate("el => el.tagName") == "SELECT":
            controls.first.select_option(value)
        else:
            controls.first.fill(value)


def test_staff_submit_an_emergency_and_the_on_call_team_is_alerted_once(
    page, live_server, login, alice, bob, screenshot
):
    ClinicDetails.objects.create(on_call_phone=ON_CALL_PHONE, on_call_email=ON_CALL_EMAIL)
    # Cases already waiting, older: the new emergency must still top the queue.
    services.screen_intake(intake=IntakeFactory(example_id="V17", created_by=alice))
    services.screen_intake(intake=IntakeFactory(example_id="V16", created_by=alice))
    mail.outbox.clear()

    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    expect(page.locator(".emergency-pathway-note")).to_contain_text("may be left blank")
    expect_accessible(page, "intake form with the emergency-pathway note")

    # Only the required sections: the identity, the pain sites and duration, the red flags.
    values = {
        "mrn": "MRN-E2E-911",
        "given_name": "Sami",
        "family_name": "Okafor",
        "date_of_birth": birth_date_for(6).isoformat(),
        "sex": "male",
        "pain_duration_weeks": "0",
        "morning_stiffness_minutes": "0",
        "inflammatory_disease": "none",
        **{
            name: "yes" if name in RED_FLAGS_YES else "no"
            for name in YES_NO_FIELDS
            if name not in DETAIL_FIELDS
        },
        "crp_mg_l": "86",
    }
    fill_intake(page, values)
    site_box(page, "hip_right").check()
    for red_flag in RED_FLAGS_YES:
        fill_details(page, red_flag)
    screenshot("journey-emergency-1-required-only")
    page.get_by_role("button", name="Submit and screen").click()

    # The alarm: the tier, its timeframe, phone the on-call team now, with the number.
    alarm = page.get_by_role("alert").filter(has_text="Phone the on-call team now")
    expect(alarm).to_be_visible()
    expect(alarm).to_contain_text("Emergency — now / same day")
    expect(alarm).to_contain_text(ON_CALL_PHONE)
    expect(alarm).to_contain_text("The on-call team was emailed")
    expect(page.locator(".emergency-pathway")).to_contain_text("Symptom severity")
    expect(page.locator(".badge-urgency-emergency").first).to_have_text(
        "Emergency — now / same day"
    )
    screenshot("journey-emergency-2-alarm")
    expect_accessible(page, "intake page with the emergency alarm")

    intake = Intake.objects.get(patient__mrn="MRN-E2E-911")
    assert intake.current_screening.urgency == "emergency"
    assert len(mail.outbox) == 1
    (email,) = mail.outbox
    assert email.to == [ON_CALL_EMAIL]
    assert email.subject == f"Emergency referral waiting — case {intake.pk}"
    assert "Okafor" not in email.body and "MRN-E2E-911" not in email.body

    # Going back and reloading sends nothing more.
    page.reload()
    expect(page.get_by_role("alert").filter(has_text="Phone the on-call team now")).to_be_visible()
    assert len(mail.outbox) == 1

    # The intake list: an urgency column and filter.
    page.goto(f"{live_server.url}{reverse('intake:intake_list')}?urgency=emergency")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Okafor, Sami")
    expect(rows.first.locator(".badge-urgency")).to_have_text("Emergency — now / same day")
    expect_accessible(page, "intake list filtered by urgency")

    # The rheumatologist's queue: the emergency first, in words with its timeframe.
    page.context.clear_cookies()
    login("bob")
    page.goto(f"{live_server.url}{reverse('intake:review_queue')}")
    queue = page.locator("table.review-queue tbody tr")
    expect(queue).to_have_count(3)
    expect(queue.first).to_contain_text("Okafor, Sami")
    expect(queue.first.locator(".badge-urgency")).to_have_text("Emergency — now / same day")
    expect(queue.nth(1).locator(".badge-urgency")).to_have_text("Urgent — within 48 hours")
    screenshot("journey-emergency-3-queue")
    expect_accessible(page, "review queue")
    assert len(mail.outbox) == 1


def test_the_queue_refreshes_its_list_and_counts_new_arrivals(page, live_server, login, bob):
    login("bob")
    page.goto(f"{live_server.url}{reverse('intake:review_queue')}?outcome=refer")
    expect(page.locator("table.review-queue tbody tr")).to_have_count(0)
    services.screen_intake(intake=IntakeFactory(example_id="V17", non_weight_bearing=True))
    services.screen_intake(intake=IntakeFactory(example_id="V01"))  # not a referral
    page.clock.install()
    page.reload()
    expect(page.locator("table.review-queue tbody tr")).to_have_count(1)
    services.screen_intake(intake=IntakeFactory(example_id="V17"))
    page.clock.run_for(61_000)
    expect(page.locator("#queue-arrivals")).to_contain_text(
        "1 case has arrived since you opened this page"
    )
    rows = page.locator("table.review-queue tbody tr")
    expect(rows).to_have_count(2)  # the filter (referrals only) is kept
    assert "outcome=refer" in page.url
    expect_accessible(page, "review queue after a refresh")
