"""A criteria editor works the draft as a table (issue 17): one expression broken and named at
the top with a link to its row, fixed; the draft tried on a past case by its number and on the
facts form, beside the published set; a reference case made from the try-it; the draft
compared with the published set; a changed case of the impact preview opened, with what its
reviewer signed; published, and the publish note shown on the set, in the list and in Compare.
A name that still quotes the old threshold is warned about on save. Every expression is shown
in full (no box or line cut short). The draft page's height at 1280 px is measured, and axe
checks every new page."""

import re

from django.urls import reverse
from playwright.sync_api import expect

from audit.models import AccessEvent
from intake import services
from intake.models import CriteriaSet, ReferenceCase
from tests.e2e.helpers import expect_accessible
from tests.e2e.test_journey_editor import screened

OLD, NEW = "morning_stiffness_minutes >= 30", "morning_stiffness_minutes >= 20"
# The default set on one page at a laptop's width: one compact row per criterion (about three
# screens for version 2's 31 criteria; version 3 has 51).
MAX_DRAFT_HEIGHT_BASE, MAX_ROW_HEIGHT = 1000, 100


def expect_expressions_in_full(page) -> None:
    """No expression box or text on the page hides part of its expression: boxes are tall
    enough for their text and texts wrap instead of running out sideways."""
    hidden = page.evaluate(
        """() => [
          ...[...document.querySelectorAll("textarea.criteria-expression")]
            .filter(box => box.offsetParent && box.scrollHeight > box.clientHeight + 2)
            .map(box => "box " + box.name),
          ...[...document.querySelectorAll("code.criteria-expression-text, .criteria-compare code")]
            .filter(code => code.offsetParent && code.scrollWidth > code.clientWidth + 1)
            .map(code => "text " + code.textContent.slice(0, 40)),
        ]"""
    )
    assert hidden == [], f"expressions cut short: {hidden}"


def criterion_row(page, code: str):
    return page.locator("tr.criteria-row").filter(has=page.locator(f'input[value="{code}"]'))


def test_editor_works_the_draft_table_tries_it_and_publishes(
    page, live_server, login, carol, bob, screenshot
):
    page.set_viewport_size({"width": 1280, "height": 900})
    past = screened("V01", morning_stiffness_minutes=20)  # consider AMPS under version 1
    patient = past.intake.patient
    # Its reviewer disagreed with "consider AMPS": the evidence the impact preview shows.
    services.record_review(
        screening=past,
        reviewer=bob,
        decision="override",
        disposition="inflammatory_workup",
        override_reason="clinical_judgement",
        comment="Stiff for 20 minutes each morning with a swollen knee.",
    )
    login("carol")
    page.goto(f"{live_server.url}{reverse('admin:intake_criteriaset_changelist')}")
    page.get_by_role("button", name="New draft from the published version").click()
    draft = CriteriaSet.objects.get(status="draft")
    before = CriteriaSet.objects.published()
    change_url = f"{live_server.url}{reverse('admin:intake_criteriaset_change', args=[draft.pk])}"
    expect(page).to_have_url(change_url)

    # The whole default set on one page, grouped by kind, every expression checked.
    expect(page.locator("#criteria-table tr.criteria-row")).to_have_count(draft.criteria.count())
    expect(page.locator("#group-red_flag")).to_contain_text("Red flags")
    expect(page.locator(".criteria-check.criteria-pass")).to_have_count(draft.criteria.count())
    height = page.evaluate("document.body.scrollHeight")
    print(f"draft change page: {height} px high at 1280 px")  # noqa: T201 (kept in the log)
    max_height = MAX_DRAFT_HEIGHT_BASE + MAX_ROW_HEIGHT * draft.criteria.count()
    assert height < max_height, f"the draft page is {height} px high at 1280 px"
    screenshot("journey-criteria-1-draft-table")
    expect_accessible(page, "criteria: the draft as a table")
    expect_expressions_in_full(page)  # rf_labs needs seven lines

    # A row's fields follow its kind: a caveat has a message and no urgency.
    fever = criterion_row(page, "rf_fever")
    expect(fever.locator('select[name$="-urgency"]')).to_be_visible()
    fever.locator('select[name$="-kind"]').select_option("caveat")
    expect(fever.locator('select[name$="-urgency"]')).to_be_hidden()
    fever.get_by_text("Details").click()
    expect(fever.get_by_label("Message (shown with any outcome)")).to_be_visible()
    fever.locator('select[name$="-kind"]').select_option("red_flag")
    expect(fever.locator('select[name$="-urgency"]')).to_be_visible()
    expect(fever.get_by_label("Message (shown with any outcome)")).to_be_hidden()
    fever.get_by_text("Details").click()

    # One expression broken (and the threshold changed in the same save): refused, the
    # criterion named at the top with a link to its row, everything typed kept.
    labs = criterion_row(page, "rf_labs")
    labs_expression = draft.criteria.get(code="rf_labs").expression
    labs.locator("textarea.criteria-expression").fill(labs_expression.replace("esr_mm_hr", "esr"))
    criterion_row(page, "rf_morning_stiffness").locator("textarea.criteria-expression").fill(NEW)
    page.get_by_role("button", name="Save and continue editing").click()
    problems = page.locator("#criteria-problems")
    expect(problems).to_contain_text(
        "rf_labs (Abnormal blood tests): Unknown name 'esr' at column 1: did you mean 'esr_mm_hr'?"
    )
    link = problems.get_by_role("link")
    anchor = link.get_attribute("href")
    expect(criterion_row(page, "rf_labs")).to_have_attribute("id", anchor.removeprefix("#"))
    link.click()
    expect(page).to_have_url(re.compile(f"{anchor}$"))
    expect(criterion_row(page, "rf_labs").locator(".criteria-check")).to_contain_text(
        "did you mean 'esr_mm_hr'?"
    )
    expect(
        criterion_row(page, "rf_morning_stiffness").locator("textarea.criteria-expression")
    ).to_have_value(NEW)
    screenshot("journey-criteria-2-named-error")
    expect_accessible(page, "criteria: the draft with an error")

    # Fixed: saved, with the new threshold; the name still says 30 minutes: a warning.
    criterion_row(page, "rf_labs").locator("textarea.criteria-expression").fill(labs_expression)
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert draft.criteria.get(code="rf_morning_stiffness").expression == NEW
    expect(page.locator(".messagelist .warning")).to_contain_text(
        "The name or rationale of rf_morning_stiffness (Morning stiffness 30 minutes or more) "
        "says 30 but the expression uses 20."
    )
    screenshot("journey-criteria-2b-wording-warning")
    expect_accessible(page, "criteria: the draft saved with a wording warning")
    stiffness = criterion_row(page, "rf_morning_stiffness")
    stiffness.locator('input[name$="-name"]').fill("Morning stiffness 20 minutes or more")
    page.get_by_role("button", name="Save and continue editing").click()
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    expect(page.locator(".messagelist .warning")).to_have_count(0)

    # Try it on the past case, by its number: its facts only, beside the published set.
    page.get_by_role("link", name="Try it").click()
    page.get_by_label("Case number").fill(str(past.intake_id))
    page.locator("#try-case-form").get_by_role("button", name="Try this case").click()
    result = page.locator("#try-result")
    expect(result).to_contain_text(f"Result for case #{past.intake_id}")
    expect(result).to_contain_text("The suggestion differs")
    expect(result.locator(".criteria-side").first).to_contain_text("Refer for inflammatory")
    expect(result.locator(".criteria-side").nth(1)).to_contain_text("Consider AMPS")
    expect(result.locator(".criteria-differs").first).to_be_visible()
    for identity in (patient.mrn, patient.family_name, patient.given_name):
        expect(page.locator("body")).not_to_contain_text(identity)
    assert AccessEvent.objects.filter(intake=past.intake, detail={"view": "try_it_case"}).exists()
    screenshot("journey-criteria-3-try-past-case")
    expect_accessible(page, "criteria: try it on a past case")

    # On the form: it holds the case's facts; 25 minutes of stiffness is tried.
    facts_form = page.locator("#try-facts-form")
    expect(facts_form.locator('[name="facts-morning_stiffness_minutes"]')).to_have_value("20")
    facts_form.locator('[name="facts-morning_stiffness_minutes"]').fill("25")
    facts_form.get_by_role("button", name="Evaluate these facts").click()
    expect(result).to_contain_text("Result for the intake you gave")
    expect(result.locator(".criteria-side").first).to_contain_text(
        "morning_stiffness_minutes is 25"
    )
    screenshot("journey-criteria-4-try-form")
    expect_accessible(page, "criteria: try it on the form")

    # That run becomes a reference case, in one click once it has a name.
    save = page.locator("#save-case-form")
    expect(save.get_by_label("Expected outcome")).to_have_value("refer")
    save.get_by_label("Name").fill("Morning stiffness 25 minutes refers")
    save.get_by_label("What it tests").fill("Between the old 30 and the new 20 minutes.")
    save.get_by_role("button", name="Save as reference case").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Reference case “Morning stiffness 25 minutes refers” saved"
    )
    case = ReferenceCase.objects.get(name="Morning stiffness 25 minutes refers")
    assert (case.expected_outcome, case.intake["morning_stiffness_minutes"]) == ("refer", 25)
    assert "mrn" not in case.intake and "clinical_notes" not in case.intake

    # Compared with the published set.
    page.goto(change_url)
    page.get_by_role("link", name="Compare with another version").click()
    compare = page.locator("#compare-table")
    expect(compare).to_contain_text("rf_morning_stiffness")
    expect(compare.locator(".criteria-old").filter(has_text=OLD)).to_have_text(OLD)
    expect(compare.locator(".criteria-new").filter(has_text=NEW)).to_have_text(NEW)
    expect(compare.locator(".criteria-new").first).to_have_text(
        "Morning stiffness 20 minutes or more"
    )
    expect(page.locator("#compare-notes")).to_contain_text(
        f"Version {draft.version} (draft): draft notes"
    )
    screenshot("journey-criteria-5-compare")
    expect_accessible(page, "criteria: two versions compared")
    expect_expressions_in_full(page)

    # The impact preview's changed case opens, de-identified, with both explanations.
    page.goto(change_url)
    page.get_by_role("link", name="Check, preview impact and publish").click()
    expect(page.locator(".criteria-checks")).to_contain_text("give their expected outcome")
    expect(page.locator("#impact-reviews")).to_contain_text(
        "Reviewers disagreed with the old outcome in 1 of 1 changed case"
    )
    expect(page.locator("#changed-cases")).to_contain_text(
        "Overrode the suggestion; disposition: Inflammatory work-up; reason: Clinical judgement"
    )
    screenshot("journey-criteria-5b-impact-with-reviews")
    expect_accessible(page, "criteria: the publish page with the reviews of changed cases")
    expect_expressions_in_full(page)
    page.locator("#changed-cases").get_by_role("link", name=f"#{past.intake_id}").click()
    expect(page.locator("#impact-case-review")).to_contain_text(
        "The reviewer signed: Overrode the suggestion; disposition: Inflammatory work-up"
    )
    expect(page.locator("#content-main")).to_contain_text(f"Case #{past.intake_id}:")
    expect(page.locator("#content-main")).to_contain_text("The suggestion differs")
    for identity in (patient.mrn, patient.family_name, patient.given_name):
        expect(page.locator("body")).not_to_contain_text(identity)
    assert AccessEvent.objects.filter(intake=past.intake, detail={"view": "impact_case"}).exists()
    screenshot("journey-criteria-6-impact-case")
    expect_accessible(page, "criteria: a case of the impact preview")
    expect_expressions_in_full(page)

    # Published.
    page.get_by_role("link", name="Back to the impact preview").click()
    page.get_by_label("Publication note").fill("Morning stiffness red flag from 30 to 20 minutes.")
    page.get_by_role(
        "button", name=f"Publish version {draft.version} and retire version {before.version}"
    ).click()
    expect(page.locator(".messagelist")).to_contain_text(f"Version {draft.version} is published")
    assert CriteriaSet.objects.published() == draft

    # The publish note: on the set's page (not its draft notes), in the list and in Compare.
    note = "Morning stiffness red flag from 30 to 20 minutes."
    expect(page.locator(".field-publish_note")).to_contain_text(note)
    expect(page.locator(".field-publish_note")).to_be_visible()
    screenshot("journey-criteria-6b-published-with-note")
    expect_accessible(page, "criteria: the published set with its publish note")
    expect_expressions_in_full(page)
    page.goto(f"{live_server.url}{reverse('admin:intake_criteriaset_changelist')}")
    expect(page.locator("#result_list thead")).to_contain_text("Publish note")
    expect(page.locator("td.field-shown_publish_note").first).to_have_text(note)
    expect_accessible(page, "criteria: the set list with publish notes")
    compare_url = reverse("admin:intake_criteriaset_compare")
    page.goto(f"{live_server.url}{compare_url}?old={before.version}&new={draft.version}")
    expect(page.locator("#compare-notes")).to_contain_text(
        f"Version {draft.version} (published): publish note {note}"
    )
    expect_accessible(page, "criteria: Compare with publish notes")
    page.goto(change_url)

    # Its history reads well.
    page.get_by_role("link", name="History").click()
    expect(page.locator("#content")).not_to_contain_text("Deleted user")
    expect(page.locator("#content")).not_to_contain_text("None")
    screenshot("journey-criteria-7-history")
    expect_accessible(page, "criteria: history")
