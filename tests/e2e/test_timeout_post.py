"""The page's idle clock ends while the server's session is still alive (activity in another
tab kept it going): the form the page posts on time-out is saved as a draft, never screened.

Issue 13 §1: the page used to post the form with form.submit(), which sends no button value,
and the server took "no action" for a submit: a half-typed intake was screened and queued."""

import re
from types import SimpleNamespace

from django.urls import reverse
from playwright.sync_api import expect

from intake.models import Intake, IntakeStatus, Screening
from tests.e2e.helpers import intake_values

PAGE_IDLE, PAGE_WARNING = 4, 2


def test_the_page_s_time_out_post_is_saved_as_a_draft_not_submitted(
    page, live_server, login, alice, monkeypatch
):
    # Only the page's clock is short: the server still has its 15 minutes.
    monkeypatch.setattr(
        "intake.context_processors.settings",
        SimpleNamespace(SESSION_IDLE_TIMEOUT=PAGE_IDLE, SESSION_IDLE_WARNING=PAGE_WARNING),
    )
    login("alice")
    page.goto(f"{live_server.url}{reverse('intake:intake_create')}")
    values = intake_values("V17")  # complete enough to be screened, had it been submitted
    page.evaluate(
        """(values) => {
            for (const [name, value] of Object.entries(values)) {
                for (const el of document.querySelectorAll(`#intake-form [name="${name}"]`)) {
                    const wanted = Array.isArray(value) ? value : [value];
                    if (el.type === "radio" || el.type === "checkbox") {
                        el.checked = wanted.includes(el.value);
                    } else { el.value = wanted[0]; }
                }
            }
        }""",
        values,
    )
    detail = re.compile(r".*/intakes/[0-9a-f-]{36}/$")
    page.wait_for_url(detail, timeout=(PAGE_IDLE + 8) * 1000)
    expect(page.locator("main")).to_contain_text("Draft saved")
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.DRAFT
    assert intake.patient.mrn == values["mrn"]
    assert not Screening.objects.exists()
    assert not Intake.objects.awaiting_review().exists()
