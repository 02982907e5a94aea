"""A data manager imports a REDCap export on /imports/redcap/: the dry run lists the errors by
record and field, a valid file imports (a background task with its progress bar), and axe
passes on each step."""

import csv
import io

from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import expect

from intake.models import Intake
from intake.roles import DATA_MANAGER
from tests.e2e.helpers import expect_accessible
from tests.factories import UserFactory
from tests.imports.conftest import dictionary_csv, empty_the_database, export_csv, source  # noqa: F401


def _with_pain_now(data: bytes, record: str, value: str) -> bytes:
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    visit = next(r for r in rows if r["record_id"] == record and r["redcap_repeat_instance"])
    visit["pain_now"] = value
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return output.getvalue().encode()


def test_data_manager_dry_runs_then_imports(
    page,
    live_server,
    login,
    source,  # noqa: F811 - the import tests' fixture
    settings,
    tmp_path,
):
    settings.AMPS_EXPORT_PSEUDONYM_KEY = "e2e-import-key-0123456789-abcdefghijklmnop"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "media")},
        },
    }
    dictionary, data = tmp_path / "dictionary.csv", tmp_path / "data.csv"
    broken = tmp_path / "broken.csv"
    dictionary.write_bytes(dictionary_csv())
    data.write_bytes(export_csv())
    broken.write_bytes(_with_pain_now(export_csv(), "ZQ-51822", "eleven"))
    empty_the_database()
    dana = UserFactory(username="dana")
    dana.groups.add(Group.objects.get(name=DATA_MANAGER))
    csp = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else 0)
    login("dana")
    page.get_by_role("link", name="Import intakes from a REDCap export").click()
    expect(page).to_have_url(f"{live_server.url}{reverse('imports:redcap_import')}")
    expect_accessible(page, "import page")

    page.get_by_role("button", name="Check the files (dry run)").click()
    expect(page.get_by_role("alert").first).to_contain_text("problems to fix")
    expect_accessible(page, "import page with errors beside the fields")

    page.get_by_label("Data dictionary (CSV)").set_input_files(str(dictionary))
    page.get_by_label("Data (CSV, raw codes)").set_input_files(str(broken))
    page.get_by_role("button", name="Check the files (dry run)").click()
    problems = page.get_by_role("table", name="Problems by record and field")
    expect(problems).to_contain_text("ZQ-51822")
    expect(problems).to_contain_text("visit 1")
    expect(problems).to_contain_text("pain_now")
    expect(problems).to_contain_text("must be a whole number, not 'eleven'")
    expect(page.get_by_role("button", name="Import")).to_have_count(0)
    expect_accessible(page, "dry run with errors")
    page.set_viewport_size({"width": 320, "height": 800})  # 400% zoom: no sideways scrolling
    for url in (page.url, reverse("imports:redcap_import"), reverse("exports:export_page")):
        page.goto(url if url.startswith("http") else f"{live_server.url}{url}")
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), url
    page.goto(f"{live_server.url}{reverse('imports:redcap_import')}")
    page.set_viewport_size({"width": 1280, "height": 800})

    page.get_by_label("Data dictionary (CSV)").set_input_files(str(dictionary))
    page.get_by_label("Data (CSV, raw codes)").set_input_files(str(data))
    page.get_by_role("button", name="Check the files (dry run)").click()
    expect(page.get_by_role("status")).to_contain_text("Every row is valid")
    expect_accessible(page, "dry run without errors")
    assert not Intake.objects.exists()

    page.get_by_role("button", name="Import 6 intakes").click()
    expect(page.get_by_role("status").first).to_contain_text("6 historic intakes of 3 patients")
    bar = page.locator("progress#job-progress-bar")
    expect(bar).to_have_attribute("value", bar.get_attribute("max"))
    expect_accessible(page, "import finished")
    assert Intake.objects.filter(status="historic").count() == 6
    assert csp == []
