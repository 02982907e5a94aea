"""Clinic staff enter an intake: the body map by mouse and keyboard, a validation error put
right without retyping, and the suggestion with its explanation."""

import re

from playwright.sync_api import expect

from intake.models import CriteriaSet
from tests.e2e.helpers import (
    PATIENT_FIELDS,
    expect_checked_sites,
    fill_intake,
    intake_values,
    region,
    site_box,
)
from tests.factories import EXAMPLES_BY_ID

UNANSWERED = "night_pain"  # the red flag deliberately left unanswered at first


def test_staff_enter_an_intake_and_see_the_suggestion_explained(
    page, live_server, login, alice, screenshot
):
    values = intake_values("V01")
    sites = EXAMPLES_BY_ID["V01"]["pain_sites"]
    login("alice")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New intake").click()
    expect(page.get_by_role("heading", name="New intake", level=1)).to_be_visible()
    screenshot("journey-staff-1-empty-form")

    # The patient, through the labels a clinician reads.
    page.get_by_label("MRN").fill(values["mrn"])
    page.get_by_label("Given name").fill(values["given_name"])
    page.get_by_label("Family name").fill(values["family_name"])
    page.get_by_label("Date of birth").fill(values["date_of_birth"])
    page.get_by_label("Sex").select_option(label="Female")

    # The body map: a click ticks the neck's box and counts it in the WPI...
    wpi = page.locator("#bm-wpi")
    expect(wpi).to_have_text("0")
    region(page, "neck").click()
    expect(site_box(page, "neck")).to_be_checked()
    expect(region(page, "neck")).to_have_attribute("aria-checked", "true")
    expect(region(page, "neck", view="back")).to_have_class(re.compile(r"\bis-selected\b"))
    expect(wpi).to_have_text("1")

    # ...and the keyboard alone does the same: Tab to the next region, Space to mark it.
    page.keyboard.press("Tab")
    expect(region(page, "shoulder_girdle_right")).to_be_focused()
    page.keyboard.press("Space")
    expect(site_box(page, "shoulder_girdle_right")).to_be_checked()
    expect(wpi).to_have_text("2")
    page.keyboard.press("Tab")
    expect(region(page, "upper_arm_right")).to_be_focused()
    page.keyboard.press("Enter")
    expect(site_box(page, "upper_arm_right")).to_be_checked()
    expect(wpi).to_have_text("3")
    # A keyboard user can also take a mark off again.
    page.keyboard.press("Tab")
    page.keyboard.press("Space")
    expect(site_box(page, "lower_arm_right")).to_be_checked()
    page.keyboard.press("Space")
    expect(site_box(page, "lower_arm_right")).not_to_be_checked()
    expect(wpi).to_have_text("3")

    # The other sites by their tick-boxes, which the figure follows.
    for site in sites:
        site_box(page, site).check()
    expect(region(page, "hip_left", view="back")).to_have_attribute("aria-checked", "true")
    expect(wpi).to_have_text("11")
    expect(page.locator("#bm-regions")).to_have_text("5")
    screenshot("journey-staff-2-body-map")

    # Everything else from the example, but one red flag is forgotten.
    fill_intake(page, values, skip=("pain_sites", UNANSWERED, *PATIENT_FIELDS))
    screenshot("journey-staff-3-filled")
    page.get_by_role("button", name="Submit and screen").click()

    # The error is summarised at the top, linked to its field, and said beside the field.
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_have_attribute("role", "alert")
    expect(summary.get_by_role("heading")).to_have_text("1 problem to fix before this can be saved")
    link = summary.get_by_role("link", name=re.compile("^Night pain: Answer yes or no"))
    expect(link).to_have_attribute("href", f"#id_{UNANSWERED}_0")
    night_pain = page.get_by_role("group", name="Night pain")
    message = night_pain.get_by_text("a red flag that was not asked is not a no")
    expect(message).to_be_visible()
    expect(night_pain).to_have_attribute("aria-describedby", f"id_{UNANSWERED}_error")
    expect(night_pain.get_by_label("Yes")).to_have_attribute("aria-invalid", "true")
    screenshot("journey-staff-4-error")

    # Nothing typed was lost.
    expect(page.get_by_label("MRN")).to_have_value(values["mrn"])
    expect(page.get_by_label("Family name")).to_have_value(values["family_name"])
    expect(page.get_by_label("Haemoglobin (g/dL)")).to_have_value("12.5")
    expect(page.get_by_role("group", name="Fever").get_by_label("No")).to_be_checked()
    expect_checked_sites(page, [*sites, "shoulder_girdle_right", "upper_arm_right"])
    expect(site_box(page, "lower_arm_right")).not_to_be_checked()
    expect(wpi).to_have_text("11")
    expect(region(page, "upper_back", view="back")).to_have_attribute("aria-checked", "true")

    # Follow the link to the field, answer it, submit again.
    link.click()
    night_pain.get_by_label("No").check()
    page.get_by_role("button", name="Submit and screen").click()

    # The suggestion and why.
    expect(page.get_by_role("status").first).to_contain_text(
        "Intake submitted. Suggestion: Consider AMPS."
    )
    suggestion = page.locator("section", has=page.locator("#suggestion-heading"))
    expect(page.locator("#suggestion-heading")).to_have_text("Consider AMPS")
    expect(suggestion).to_contain_text("No red flag matched, and at least one AMPS pathway did.")
    version = CriteriaSet.objects.published().version
    expect(suggestion).to_contain_text(f"Criteria set version {version}")
    pathways = page.locator("section", has=page.locator("#pathways-heading"))
    expect(pathways.get_by_role("heading", level=4)).to_have_text(
        [
            re.compile(r"^ACR 2016 fibromyalgia criteria \(diffuse AMPS\)"),
            re.compile(r"^Localized or intermittent amplified pain"),
        ]
    )
    acr = pathways.locator("article").first
    expect(acr).to_contain_text("wpi ≥ 7")
    expect(acr.get_by_role("listitem").filter(has_text="wpi ≥ 7")).to_contain_text("11")
    expect(acr).to_contain_text("pain_duration_weeks ≥ 13")
    expect(page.locator("#red-flags-heading")).to_have_count(0)
    expect(page.get_by_text("Ada Lovelace").first).to_be_visible()
    screenshot("journey-staff-5-suggestion")
