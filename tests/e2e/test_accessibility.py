"""axe-core on the pages clinicians use: no serious or critical WCAG 2 A/AA violation.

axe (the copy shipped by axe-playwright-python) is evaluated in the page, since the Content
Security Policy refuses injected script tags. Besides axe's rules, the checks here cover what
it cannot see: errors linked to their fields, focus that shows, a body map worked by keyboard.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from intake import services
from intake.models import CriteriaSet
from tests.e2e.helpers import expect_accessible, region, site_box
from tests.factories import IntakeFactory


def focus_ring(locator) -> dict:
    """The outline a focused element draws (style, width in px)."""
    return locator.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {style: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }"
    )


def test_login_page(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    expect_accessible(page, "login page")
    page.get_by_label("Username").fill("nobody")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect_accessible(page, "login page with an error")


def test_staff_pages(page, live_server, login, alice):
    refer = services.screen_intake(intake=IntakeFactory(example_id="V17", created_by=alice))
    login("alice")

    page.goto(f"{live_server.url}{reverse('intake:intake_list')}")
    expect_accessible(page, "intake list")

    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    expect_accessible(page, "empty intake form")

    # Every control has a name a screen reader reads out.
    unnamed = page.evaluate(
        """() => [...document.querySelectorAll('#intake-form input:not([type=hidden]),'
             + ' #intake-form select, #intake-form textarea')]
             .filter(el => !el.labels || el.labels.length === 0).map(el => el.name)"""
    )
    assert unnamed == []

    # The body map without a mouse: a region is a tab stop, shows its focus and toggles.
    neck = region(page, "neck")
    neck.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Shift+Tab")
    expect(neck).to_be_focused()
    ring = focus_ring(neck)
    assert ring["style"] != "none" and ring["width"] >= 2, ring
    expect(neck).to_have_attribute("role", "checkbox")
    expect(neck).to_have_accessible_name("Neck")
    page.keyboard.press("Space")
    expect(site_box(page, "neck")).to_be_checked()
    expect(neck).to_have_attribute("aria-checked", "true")
    # Other controls show their focus too.
    mrn = page.get_by_label("MRN")
    mrn.focus()
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Tab")
    expect(mrn).to_be_focused()
    ring = focus_ring(mrn)
    assert ring["style"] != "none" and ring["width"] >= 2, ring

    # Errors: announced (role=alert), linked from the summary, tied to their fields.
    page.get_by_label("Given name").fill("Ada")
    page.get_by_label("Family name").fill("Lovelace")
    page.get_by_label("Date of birth").fill("2012-03-04")
    page.get_by_label("Sex").select_option(label="Female")
    page.get_by_role("button", name="Submit and screen").click()
    summary = page.locator(".error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()  # read out first, and the next Tab reaches its links
    links = summary.get_by_role("link")
    assert links.count() > 20
    for anchor in links.evaluate_all("links => links.map(a => a.hash.slice(1))"):
        control = page.locator(f"[id='{anchor}']")
        expect(control).to_have_count(1)
        described = control.evaluate(
            "el => (el.closest('fieldset[aria-describedby]') || el)"
            ".getAttribute('aria-describedby') || ''"
        )
        error_id = next((i for i in described.split() if i.endswith("_error")), None)
        assert error_id, f"#{anchor} is not described by its error"
        expect(page.locator(f"[id='{error_id}']")).to_be_visible()
    expect_accessible(page, "intake form with errors")

    page.goto(f"{live_server.url}{reverse('intake:intake_detail', args=[refer.intake.uuid])}")
    expect(page.locator("#red-flags-heading")).to_be_visible()
    expect_accessible(page, "intake detail")


def test_rheumatologist_pages(page, live_server, login, bob):
    login("bob")
    page.goto(f"{live_server.url}{reverse('intake:review_queue')}")
    expect_accessible(page, "empty review queue")

    screenings = [
        services.screen_intake(intake=IntakeFactory(example_id=example_id))
        for example_id in ("V16", "V01", "V33", "V06")
    ]
    page.reload()
    expect(page.locator("table.review-queue tbody tr")).to_have_count(4)
    expect_accessible(page, "review queue with rows")

    page.goto(f"{live_server.url}{reverse('intake:review_create', args=[screenings[0].uuid])}")
    expect_accessible(page, "review page")
    page.get_by_label("Override the suggestion").check()
    page.get_by_role("button", name="Sign and lock").click()
    errors = page.locator("#form-errors")
    expect(errors).to_be_focused()
    expect(
        errors.get_by_role("link", name="Reason for overriding: Give the reason")
    ).to_have_attribute("href", "#id_override_reason")
    expect(page.get_by_label("Reason for overriding")).to_have_attribute(
        "aria-describedby", "id_override_reason_error"
    )
    expect_accessible(page, "review page with errors")

    services.record_review(screening=screenings[1], reviewer=bob, decision="agree",
                           disposition="other_referral")  # fmt: skip
    page.goto(f"{live_server.url}{reverse('intake:review_agreement')}")
    expect(page.locator("svg.agreement-chart")).to_be_visible()
    expect_accessible(page, "agreement figures")


def test_criteria_admin_change_page(page, live_server, login, carol):
    services.screen_intake(intake=IntakeFactory(example_id="V01"))
    draft = services.new_draft(user=carol)
    login("carol")
    page.goto(
        f"{live_server.url}"
        f"{reverse('admin:intake_criteriaset_change', args=[CriteriaSet.objects.published().pk])}"
    )
    expect_accessible(page, "criteria admin: the published set")
    page.goto(f"{live_server.url}{reverse('admin:intake_criteriaset_change', args=[draft.pk])}")
    expect(page.locator("textarea.criteria-expression").first).to_be_editable()
    expect_accessible(page, "criteria admin: a draft")


@pytest.mark.parametrize("name", ["publish", "try"])
def test_criteria_admin_tools(page, live_server, login, carol, name):
    services.screen_intake(intake=IntakeFactory(example_id="V01"))
    draft = services.new_draft(user=carol)
    login("carol")
    page.goto(f"{live_server.url}{reverse(f'admin:intake_criteriaset_{name}', args=[draft.pk])}")
    expect_accessible(page, f"criteria admin: {name}")


def test_patient_record_pages(page, live_server, login, alice, bob):
    intake = IntakeFactory(example_id="V01", created_by=alice)
    screening = services.screen_intake(intake=intake)
    services.record_review(
        screening=screening,
        reviewer=bob,
        decision="agree",
        override_reason="",
        comment="",
        disposition="amps_programme",
        note="",
    )
    patient = intake.patient
    services.correct_patient_identity(
        patient=patient, values={"sex": "male"}, reason="Mistyped", user=alice
    )
    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:patient_search')}")
    expect_accessible(page, "patient search, empty")
    page.goto(f"{live_server.url}{reverse('intake:patient_detail', args=[patient.uuid])}")
    expect(page.locator("#chart-fdi .marker")).to_have_count(2)  # suggestion and disposition
    page.locator("#chart-pain summary").click()
    expect_accessible(page, "patient page with a signed visit and a correction")
    page.goto(f"{live_server.url}{reverse('intake:intake_detail', args=[intake.uuid])}")
    expect(page.get_by_text("identity was corrected after this case was signed")).to_be_visible()
    expect_accessible(page, "signed intake corrected afterwards")
    page.goto(f"{live_server.url}{reverse('intake:patient_correct', args=[patient.uuid])}")
    expect_accessible(page, "identity correction form")
    page.goto(f"{live_server.url}{reverse('intake:visit_create', args=[patient.uuid])}")
    expect_accessible(page, "new visit form")
    page.goto(f"{live_server.url}{reverse('intake:intake_list')}?status=signed")
    expect_accessible(page, "intake list, filtered")
