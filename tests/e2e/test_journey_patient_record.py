"""The patient as a record: staff find a patient by full name and by an MRN fragment, correct
a date of birth with a reason (the unsigned intake is screened again, the history says who
and why), start a follow-up visit (red flags empty, sites copied and marked), submit it, and
see two points on each chart of the patient page."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from intake import services
from intake.models import Intake, completed_years
from tests.e2e.helpers import expect_accessible, fill_intake, intake_values
from tests.factories import IntakeFactory, PatientFactory, birth_date_for

REASON = "Date of birth mistyped at registration; checked against the birth certificate."


def test_staff_find_correct_and_follow_up_a_patient(page, live_server, login, alice, screenshot):
    patient = PatientFactory(
        given_name="Maya",
        family_name="Ashworth",
        mrn="UX-1001",
        date_of_birth=birth_date_for(13),
    )
    earlier = IntakeFactory(
        patient=patient,
        created_by=alice,
        example_id="V01",
        intake_date=timezone.localdate() - timedelta(days=60),
    )
    services.screen_intake(intake=earlier)
    PatientFactory(given_name="Maya", family_name="Other", mrn="UX-2002")
    login("alice")

    # Find her by her full name, in the order a person says it...
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Patients").click()
    page.get_by_label("Name or MRN").fill("Maya Ashworth")
    page.get_by_role("button", name="Find patients").click()
    results = page.locator("table.patient-results tbody tr")
    expect(results).to_have_count(1)
    expect(results).to_contain_text("UX-1001")
    assert "Maya" not in page.url and "Ashworth" not in page.url
    expect_accessible(page, "patient search results")
    # ...and by a fragment of her MRN.
    page.get_by_label("Name or MRN").fill("1001")
    page.get_by_role("button", name="Find patients").click()
    expect(results).to_have_count(1)
    screenshot("journey-patient-1-search")
    results.get_by_role("link", name="Ashworth, Maya").click()
    expect(page.get_by_role("heading", name="Maya Ashworth", level=1)).to_be_visible()
    expect_accessible(page, "patient page, one visit")

    # Correct her date of birth, with the reason.
    page.get_by_role("link", name="Correct identity").click()
    expect_accessible(page, "identity correction form")
    page.get_by_role("button", name="Save the correction").click()  # nothing changed, no reason
    expect(page.locator("#form-errors")).to_be_visible()
    expect_accessible(page, "identity correction form with errors")
    new_birth = birth_date_for(9)
    page.get_by_label("Date of birth").fill(new_birth.isoformat())
    page.get_by_label("Reason for the correction").fill(REASON)
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("status").first).to_contain_text("1 unsigned intake(s) screened again")
    history = page.locator(".identity-corrections")
    expect(history).to_contain_text(
        re.compile(r"Date of birth corrected on .* by Alice Archer: " + re.escape(REASON))
    )
    earlier.refresh_from_db()
    assert earlier.screenings.count() == 2
    assert earlier.current_screening.facts["age_years"] == completed_years(
        new_birth, earlier.intake_date
    )
    screenshot("journey-patient-2-corrected")

    # A follow-up visit: red flags empty, pain sites copied and marked.
    page.get_by_role("link", name="New visit").click()
    expect(page.get_by_role("heading", name=re.compile("New visit: Maya Ashworth"))).to_be_visible()
    expect(page.locator(".prefilled-note")).to_contain_text("Started from the initial visit")
    for site in earlier.pain_sites:
        expect(page.locator(f'input[name="pain_sites"][value="{site}"]')).to_be_checked()
    copied = page.get_by_text(re.compile("Copied from the initial visit of"))
    expect(copied.first).to_be_visible()
    for note in copied.all():  # each note reads across its field, never split into columns
        columns = page.evaluate(
            "el => [getComputedStyle(el).columnCount, getComputedStyle(el).columnWidth]",
            note.element_handle(),
        )
        assert columns == ["auto", "auto"], note.inner_text()
    expect(page.locator('input[name="fever"]:checked')).to_have_count(0)
    expect(page.locator(".red-flag-list input:checked")).to_have_count(0)
    expect(page.get_by_label("MRN")).to_be_disabled()
    expect(page.locator('input[name="visit_type"][value="follow_up"]')).to_be_checked()
    expect_accessible(page, "follow-up visit form")
    screenshot("journey-patient-3-follow-up-form")

    values = intake_values("V01", fdi_score=14, pain_now=3, pain_worst=5)
    fill_intake(
        page,
        values,
        skip=(
            "mrn",
            "given_name",
            "family_name",
            "date_of_birth",
            "sex",
            "intake_date",
            "pain_sites",
            "triggers",
            "visit_type",
        ),  # fmt: skip
        at_once=True,
    )
    page.get_by_role("button", name="Submit and screen").click()
    expect(page.get_by_role("status").first).to_contain_text("Intake submitted")
    follow_up = Intake.objects.exclude(pk=earlier.pk).get()
    assert (follow_up.patient_id, follow_up.visit_type) == (patient.pk, "follow_up")

    # The patient page: two visits, two points on each chart.
    page.get_by_role("link", name="Maya Ashworth").click()
    expect(page.locator("table.patient-visits tbody tr")).to_have_count(2)
    for key in ("fdi", "wpi", "sss", "school"):
        expect(page.locator(f"#chart-{key} circle.point")).to_have_count(2)
    expect(page.locator("#chart-pain circle.point")).to_have_count(4)  # now and worst
    expect(page.locator("#chart-fdi .marker")).to_have_count(2)  # each visit's suggestion
    page.locator("#chart-fdi summary").click()
    expect(page.locator("#chart-fdi table")).to_contain_text("14")
    expect_accessible(page, "patient page, two visits")
    screenshot("journey-patient-4-record")


def test_leaving_a_changed_intake_form_asks_first_and_saving_does_not(
    page, live_server, login, alice
):
    login("alice")
    page.goto(f"{live_server.url}/intakes/new/")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    page.get_by_label("Given name").fill("Ada")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Intakes").click()
    page.wait_for_timeout(300)
    assert asked == ["beforeunload"]
    assert page.url.endswith("/intakes/new/")  # stayed, with what was typed
    expect(page.get_by_label("Given name")).to_have_value("Ada")
    page.get_by_role("button", name="Save as draft").click()
    expect(page.locator("#form-errors")).to_be_visible()  # saved: no question on the way
    assert asked == ["beforeunload"]


def test_red_flags_are_answered_by_keyboard_alone(page, live_server, login, alice):
    login("alice")
    page.goto(f"{live_server.url}/intakes/new/")
    fever = page.get_by_role("group", name="Fever")
    fever.get_by_label("Yes").focus()
    page.keyboard.press("Space")
    expect(fever.get_by_label("Yes")).to_be_checked()
    page.keyboard.press("ArrowRight")
    expect(fever.get_by_label("No")).to_be_checked()
    page.keyboard.press("Tab")  # on to the next question
    expect(page.get_by_role("group", name="Rash").get_by_label("Yes")).to_be_focused()
