"""A rheumatologist works the review queue: the oldest referral first, overridden with a
reason, signed with the password; the case leaves the queue and staff see the review."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from intake import services
from intake.models import Intake, Screening
from tests.e2e.helpers import expect_accessible
from tests.factories import EXAMPLES_BY_ID, IntakeFactory, PatientFactory, birth_date_for

# (example, given name, family name, days waiting): two referrals, the older one second.
CASES = [
    ("V01", "Maya", "Okafor", 5),  # consider AMPS, and the oldest case of all
    ("V17", "Leo", "Brennan", 3),  # refer: the oldest referral, so the top row
    ("V16", "Sofia", "Lindqvist", 1),  # refer, newer
    ("V33", "Noah", "Ferreira", 6),  # indeterminate
]


def screened_case(example_id, given_name, family_name, days_waiting, created_by):
    example = EXAMPLES_BY_ID[example_id]
    patient = PatientFactory(
        given_name=given_name,
        family_name=family_name,
        date_of_birth=birth_date_for(example["age_years"]),
        sex=example["sex"],
    )
    intake = IntakeFactory(example_id=example_id, patient=patient, created_by=created_by)
    screening = services.screen_intake(intake=intake)
    # Back-date the case, as if screened days ago: the screening (append-only through save(),
    # hence update()), and the intake's day, submission time and queue key with it.
    waiting_since = timezone.now() - timedelta(days=days_waiting)
    Screening.objects.filter(pk=screening.pk).update(created_at=waiting_since)
    Intake.objects.filter(pk=intake.pk).update(
        screened_at=waiting_since,
        submitted_at=waiting_since,
        intake_date=timezone.localdate(waiting_since),
    )
    return screening


def test_rheumatologist_overrides_and_signs_the_oldest_referral(
    page, live_server, login, alice, bob, screenshot
):
    screenings = {case[0]: screened_case(*case, created_by=alice) for case in CASES}
    top = screenings["V17"]
    assert top.outcome == "refer" and screenings["V01"].outcome == "consider_amps"

    login("bob")
    expect(page).to_have_url(f"{live_server.url}{reverse('intake:review_queue')}")
    rows = page.locator("table.review-queue tbody tr")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_contain_text("Refer for inflammatory work-up")
    expect(rows.nth(0)).to_contain_text("Brennan, Leo")
    expect(rows.nth(0)).to_contain_text("Fever")
    expect(rows.nth(0)).to_contain_text("3 days")
    expect(rows.nth(1)).to_contain_text("Lindqvist, Sofia")
    expect(rows.nth(2)).to_contain_text("Consider AMPS")
    expect(rows.nth(3)).to_contain_text("Indeterminate")
    screenshot("journey-rheumatologist-1-queue")
    expect_accessible(page, "review queue")

    # The count chips filter; the name search finds a patient (POSTed: no name in the URL).
    page.get_by_role("link", name="Consider AMPS: 1").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Okafor, Maya")
    expect(page.get_by_role("link", name="Consider AMPS: 1")).to_have_attribute(
        "aria-current", "true"
    )
    page.get_by_role("link", name="All waiting").click()
    expect(rows).to_have_count(4)
    page.get_by_label("Name or MRN").fill("sofia lindqvist")
    page.get_by_role("button", name="Search").click()
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text("Lindqvist, Sofia")
    assert "sofia" not in page.url.lower()
    page.get_by_role("button", name="Clear search").click()
    expect(rows).to_have_count(4)

    rows.nth(0).get_by_role("link").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('intake:review_create', args=[top.uuid])}")
    expect(page.get_by_role("heading", name="Leo Brennan", level=1)).to_be_visible()
    expect(page.locator("#suggestion-heading")).to_have_text("Refer for inflammatory work-up")
    expect(page.locator("#red-flags-heading")).to_be_visible()
    review = page.locator("section", has=page.locator("#review-form-heading"))
    screenshot("journey-rheumatologist-2-review")

    review.get_by_label("Override the suggestion").check()
    review.get_by_label("Reason for overriding").select_option(label="Clinical judgement")
    review.get_by_label("Comment").fill(
        "Fevers settled with a viral illness in the household; no inflammatory features."
    )
    review.get_by_label("Other referral").check()
    review.get_by_label("Note").fill("GP to recheck temperature chart in two weeks.")
    review.get_by_label("Your password (signature)").fill("correct horse battery staple")
    screenshot("journey-rheumatologist-3-filled")
    review.get_by_role("button", name="Sign and lock").click()

    # The signed case opens: its letter is one click away, and "Next case" goes on.
    expect(page).to_have_url(
        f"{live_server.url}{reverse('intake:intake_detail', args=[top.intake.uuid])}"
    )
    expect(page.get_by_role("status").first).to_have_text(
        "Signed: Leo Brennan. The case is now locked."
    )
    screenshot("journey-rheumatologist-4-signed-case")
    page.get_by_role("link", name="Clinic letter").click()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('documents:letter_print', args=[top.intake.uuid])}"
    )
    expect(page.locator("body")).to_contain_text("Brennan")
    page.go_back()
    page.get_by_role("link", name="Next case").click()
    expect(page).to_have_url(
        f"{live_server.url}{reverse('intake:review_create', args=[screenings['V16'].uuid])}"
    )
    expect(page.get_by_role("heading", name="Sofia Lindqvist", level=1)).to_be_visible()
    page.goto(f"{live_server.url}{reverse('intake:review_queue')}")
    expect(rows).to_have_count(3)
    expect(page.locator("table.review-queue")).not_to_contain_text("Brennan")
    expect(rows.nth(0)).to_contain_text("Lindqvist, Sofia")
    expect(page.get_by_role("list", name="Cases waiting, by suggestion")).to_contain_text(
        "Refer for inflammatory work-up: 1"
    )
    screenshot("journey-rheumatologist-5-queue-after-signing")

    # Clinic staff see the signed review on the intake.
    page.context.clear_cookies()
    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:intake_detail', args=[top.intake.uuid])}")
    expect(page.get_by_text("Signed and locked.")).to_be_visible()
    record = page.locator("section", has=page.locator("#review-heading"))
    expect(record.get_by_role("heading")).to_have_text("Reviewed and signed")
    expect(record).to_contain_text("Override the suggestion — Clinical judgement")
    expect(record).to_contain_text("Other referral")
    expect(record).to_contain_text("Fevers settled with a viral illness")
    expect(record).to_contain_text("Bob Bennett")
    expect(page.get_by_role("link", name="Edit intake")).to_have_count(0)
    screenshot("journey-rheumatologist-5-staff-see-review")
