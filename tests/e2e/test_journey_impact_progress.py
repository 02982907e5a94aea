"""A criteria editor opens the publish page of a draft on a seeded database: the impact preview
runs as a background task in a real worker process, the progress bar fills to 100%, and the
impact table appears. PostgreSQL only: the worker is another process on the test database."""

import io
import re
import signal

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from playwright.sync_api import expect

from intake import services
from intake.models import Intake, ReferenceCase
from jobs.models import Job
from tests.factories import V06_CASE
from tests.servers import start_worker

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the worker process needs the test database on PostgreSQL (DATABASE_URL)",
)
SEEDED = 4000

# Kept across the reload that follows the end of the task: the highest percentage the
# progress bar showed, and how many times it changed.
WATCH_PROGRESS = """
(() => {
  const watch = () => {
    const bar = document.getElementById("job-progress-bar");
    if (!bar) return;
    const note = () => {
      const max = Number(bar.getAttribute("max")) || 1;
      const value = Number(bar.getAttribute("value") || 0);
      const percent = Math.round((100 * value) / max);
      const best = Number(sessionStorage.getItem("bestPercent") || -1);
      sessionStorage.setItem("bestPercent", String(Math.max(best, percent)));
      sessionStorage.setItem("changes", String(Number(sessionStorage.getItem("changes") || 0) + 1));
    };
    note();
    new MutationObserver(note).observe(bar, { attributes: true });
  };
  document.addEventListener("DOMContentLoaded", watch);
})();
"""


@pytest.fixture
def database_tasks(settings):
    settings.AMPS_TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_publish_page_follows_the_impact_preview_to_the_table(
    page, live_server, login, carol, database_tasks, tmp_path, screenshot
):
    call_command("seed_demo", "--intakes", str(SEEDED), stdout=io.StringIO())
    draft = services.new_draft(user=carol)
    draft.criteria.filter(code="rf_morning_stiffness").update(
        expression="morning_stiffness_minutes >= 15"
    )
    ReferenceCase.objects.filter(name=V06_CASE).update(expected_outcome="refer")
    total = Intake.objects.submitted().count()
    worker = start_worker(tmp_path, "worker")
    try:
        login("carol")
        page.add_init_script(WATCH_PROGRESS)
        page.goto(
            f"{live_server.url}{reverse('admin:intake_criteriaset_publish', args=[draft.pk])}"
        )
        # Started by opening the page, the preview runs in the worker while the bar is shown.
        expect(page.locator("#job-progress-bar")).to_be_visible()
        expect(page.locator("#job-progress")).to_contain_text(
            f"Impact preview of version {draft.version}"
        )
        screenshot("journey-impact-1-progress")

        # The script reloads the page when the task is done: the impact table replaces the bar.
        expect(page.locator("#transitions")).to_be_visible(timeout=90_000)
        expect(page.locator("#job-progress-bar")).to_have_count(0)
        expect(page.locator("#content-main")).to_contain_text(
            re.compile(rf"Every submitted intake \({total:,}\)")
        )
        screenshot("journey-impact-2-table")
        assert page.evaluate("sessionStorage.getItem('bestPercent')") == "100"
        job = Job.objects.get(key=services.impact_key(draft=draft))
        assert job.status == "succeeded" and job.done == job.total == total
        assert job.started_by == carol

        # Publishing uses that preview: nothing is worked out again.
        page.get_by_label("Publication note").fill("Morning stiffness of 15 minutes refers.")
        page.get_by_role("button", name=re.compile(r"^Publish version")).click()
        expect(page.locator(".messagelist")).to_contain_text(
            f"Version {draft.version} is published"
        )
        assert Job.objects.filter(kind="impact_preview").count() == 1
    finally:
        worker.kill(signal.SIGTERM)
