"""The intake form under a keyboard and at 400% zoom: no focused control hidden behind the
sticky Submit bar (WCAG 2.2 2.4.11), and no page scrolling sideways at 320 px (WCAG 1.4.10)."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from intake import services
from tests.e2e.helpers import expect_no_horizontal_scroll
from tests.factories import IntakeFactory

# Where the focused element's box and the sticky bar's box overlap, if they do.
FOCUS_UNDER_BAR = """() => {
    const el = document.activeElement;
    const bar = document.querySelector('.form-actions');
    if (!el || el === document.body || !bar || bar.contains(el)) return null;
    const box = el.getBoundingClientRect();
    const barBox = bar.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return null;
    const hidden = Math.min(box.bottom, barBox.bottom) - Math.max(box.top, barBox.top);
    if (hidden <= 0) return null;
    return (el.name || el.id || el.tagName) + ' ' + Math.round(hidden) + 'px under the bar';
}"""


@pytest.mark.parametrize("size", [(1280, 800), (390, 844)])
def test_no_focused_control_of_the_intake_form_is_hidden_by_the_submit_bar(
    page, live_server, login, alice, size
):
    page.set_viewport_size({"width": size[0], "height": size[1]})
    # Bootstrap scrolls smoothly unless motion is reduced: the boxes are read where the scroll
    # ends, not half-way through its animation.
    page.emulate_media(reduced_motion="reduce")
    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    page.locator("#id_mrn").focus()
    hidden, seen = [], set()
    for _ in range(400):
        page.keyboard.press("Tab")
        name = page.evaluate("() => document.activeElement && document.activeElement.outerHTML")
        if page.evaluate("() => !!document.activeElement.closest('.form-actions')"):
            break
        problem = page.evaluate(FOCUS_UNDER_BAR)
        if problem:
            hidden.append(problem)
        seen.add(name)
    assert len(seen) > 80, f"only {len(seen)} controls reached by Tab"
    assert hidden == []


def test_no_page_scrolls_sideways_at_320_px(page, live_server, login, alice, bob, screenshot):
    page.set_viewport_size({"width": 320, "height": 256})
    screening = services.screen_intake(intake=IntakeFactory(example_id="V17", created_by=alice))
    intake = screening.intake
    login("alice")
    for name, url in (
        ("intake-form", reverse("intake:intake_create")),
        ("intake-list", reverse("intake:intake_list")),
        ("intake-detail", reverse("intake:intake_detail", args=[intake.uuid])),
        ("patient", reverse("intake:patient_detail", args=[intake.patient.uuid])),
        ("patient-search", reverse("intake:patient_search")),
    ):
        page.goto(f"{live_server.url}{url}")
        expect_no_horizontal_scroll(page)
        screenshot(f"reflow-320-{name}")
    # The sticky bar leaves most of a 256 px window to the form.
    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    bar = page.locator(".form-actions").bounding_box()
    assert bar["height"] < 256 / 3 or page.evaluate(
        "() => getComputedStyle(document.querySelector('.form-actions')).position !== 'sticky'"
    )
    page.get_by_role("button", name="Submit and screen").click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect_no_horizontal_scroll(page)
    page.context.clear_cookies()
    login("bob")
    for name, url in (
        ("queue", reverse("intake:review_queue")),
        ("review", reverse("intake:review_create", args=[screening.uuid])),
    ):
        page.goto(f"{live_server.url}{url}")
        expect_no_horizontal_scroll(page)
        screenshot(f"reflow-320-{name}")
