"""A privacy officer's question, answered in a minute: "who viewed this child's record, and
what changed?" One patient's timeline with the date of birth before → after, and the access
log downloaded as CSV."""

from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from intake import services
from tests.e2e.helpers import expect_accessible
from tests.factories import IntakeFactory, PatientFactory, UserFactory


@pytest.fixture
def audrey(db):
    user = UserFactory(
        username="audrey",
        password="correct horse battery staple",
        first_name="Audrey",
        last_name="Auditor",
        is_staff=True,
    )
    user.groups.add(Group.objects.get(name="Auditor"))
    return user


def test_the_auditor_reads_one_patients_timeline_and_downloads_the_access_log(
    page, live_server, login, alice, audrey, screenshot
):
    patient = PatientFactory(
        given_name="Maya", family_name="Ashworth", mrn="UX-1001", date_of_birth=date(2014, 3, 2)
    )
    intake = IntakeFactory(example_id="V01", patient=patient, created_by=alice)
    services.screen_intake(intake=intake, user=alice)
    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:intake_detail', args=[intake.uuid])}")
    services.correct_patient_identity(
        patient=patient,
        values={
            "given_name": "Maya",
            "family_name": "Ashworth",
            "sex": patient.sex,
            "date_of_birth": date(2013, 3, 2),
            "mrn": "UX-1001",
        },
        reason="Birth year mistyped at registration.",
        user=alice,
    )
    page.context.clear_cookies()

    login("audrey")
    page.goto(f"{live_server.url}{reverse('admin:audit_accessevent_changelist')}")
    page.get_by_role("link", name="One patient's audit timeline").click()
    page.get_by_label("Name or MRN").fill("ashworth maya")
    page.get_by_role("button", name="Find").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('privacy:patient_search')}")
    expect_accessible(page, "patient audit search")
    page.get_by_role("link", name="Ashworth, Maya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit timeline: Maya Ashworth")
    timeline = page.locator("table.audit-timeline")
    expect(timeline).to_contain_text("Date of birth: 2 Mar 2014 → 2 Mar 2013")
    expect(timeline).to_contain_text("Birth year mistyped at registration.")
    expect(timeline).to_contain_text("Alice Archer")
    expect(timeline).to_contain_text("Viewed")
    expect_accessible(page, "patient audit timeline")
    screenshot("journey-auditor-1-timeline")

    page.goto(f"{live_server.url}{reverse('admin:audit_accessevent_changelist')}")
    expect(page.locator("#result_list")).to_contain_text("Maya Ashworth")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download what is shown as CSV").click()
    content = open(download.value.path(), encoding="utf-8").read()  # noqa: PTH123
    assert content.splitlines()[0].startswith("When,Who,Action,Patient,MRN")
    assert "Maya Ashworth" in content and "Alice Archer" in content
    screenshot("journey-auditor-2-access-log")
