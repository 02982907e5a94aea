"""A data manager's journey on /exports/: the page is accessible and CSP-clean, an identified
export is refused without a purpose (error beside the field), a de-identified CSV downloads,
and the export is listed under past exports."""

import csv
import io

from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from exports.dictionary import dictionary_rows, export_column_names
from intake import services
from intake.roles import DATA_MANAGER
from tests.e2e.helpers import expect_accessible
from tests.factories import IntakeFactory, UserFactory


def test_data_manager_exports_deidentified_csv(page, live_server, login, alice, settings):
    settings.AMPS_EXPORT_PSEUDONYM_KEY = "e2e-export-key-0123456789-abcdefghijklmnop"
    for _ in range(3):
        services.screen_intake(intake=IntakeFactory(created_by=alice))
    dana = UserFactory(username="dana")
    dana.groups.add(Group.objects.get(name=DATA_MANAGER))
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else 0)
    login("dana")
    expect(page).to_have_url(f"{live_server.url}{reverse('exports:export_page')}")
    expect_accessible(page, "exports page")

    page.get_by_label("Identified (names, MRN, dates, free text)").check()
    page.get_by_role("button", name="Export").click()
    expect(page.get_by_role("alert")).to_contain_text("State the purpose of an identified export")
    expect_accessible(page, "exports page with an error")

    page.get_by_label("De-identified (pseudonym, shifted dates, no free text)").check()
    page.get_by_label("Start the CSV with a byte-order mark").check()
    with page.expect_download() as download:
        page.get_by_role("button", name="Export").click()
    data = download.value.path().read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == export_column_names(dictionary_rows("deidentified"))  # repeating layout
    assert len(rows) == 1 + 3 + 3  # the header; REDCap repeating: a patient row, then the visit

    page.goto(f"{live_server.url}{reverse('exports:export_page')}")
    history = page.get_by_role("table")
    expect(history).to_contain_text("deidentified")
    expect(history).to_contain_text("csv")
    assert csp == []
