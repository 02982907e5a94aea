"""The pages on a tablet (1024×768) and a phone (390×844): no sideways scrolling, and the
intake form's body map usable by touch at both sizes."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from intake import services
from tests.e2e.helpers import expect_no_horizontal_scroll, region, site_box
from tests.factories import IntakeFactory

SCREENS = {"tablet": (1024, 768), "phone": (390, 844)}


@pytest.mark.parametrize("screen", SCREENS)
def test_staff_pages_fit_the_screen(page, live_server, login, alice, screenshot, screen):
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": height})
    intake = services.screen_intake(intake=IntakeFactory(example_id="V17", created_by=alice)).intake
    login("alice")

    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    expect_no_horizontal_scroll(page)
    # The figure is drawn big enough to hit a region with a finger, and a tap marks it.
    box = region(page, "knee_left").bounding_box()
    assert box["width"] >= 20 and box["height"] >= 20, box
    region(page, "knee_left").click()
    expect(site_box(page, "knee_left")).to_be_checked()
    region(page, "knee_left").click()
    screenshot(f"responsive-{screen}-intake-form")

    page.get_by_role("button", name="Submit and screen").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect_no_horizontal_scroll(page)
    screenshot(f"responsive-{screen}-intake-form-errors")

    page.goto(f"{live_server.url}{reverse('intake:intake_detail', args=[intake.uuid])}")
    expect_no_horizontal_scroll(page)
    screenshot(f"responsive-{screen}-intake-detail")


@pytest.mark.parametrize("screen", SCREENS)
def test_review_pages_fit_the_screen(page, live_server, login, bob, screenshot, screen):
    width, height = SCREENS[screen]
    page.set_viewport_size({"width": width, "height": height})
    screening = services.screen_intake(intake=IntakeFactory(example_id="V16"))
    services.screen_intake(intake=IntakeFactory(example_id="V01"))
    login("bob")
    expect(page.locator("table.review-queue tbody tr")).to_have_count(2)
    expect_no_horizontal_scroll(page)
    screenshot(f"responsive-{screen}-review-queue")

    page.goto(f"{live_server.url}{reverse('intake:review_create', args=[screening.uuid])}")
    expect_no_horizontal_scroll(page)
    screenshot(f"responsive-{screen}-review")
