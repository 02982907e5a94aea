"""Browser tests: Playwright driving Debian's Chromium against Django's live server.

Without Chromium they are skipped with the reason, unless REQUIRE_BROWSER=1 (CI), when its
absence fails the run. No browser is ever downloaded.
"""

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# there are still synchronous, one at a time.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).exists()
REQUIRE_BROWSER = os.environ.get("REQUIRE_BROWSER") == "1"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results"


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.path).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            # The live server thread needs committed data: a transaction per test, flushed after.
            item.add_marker(pytest.mark.django_db(transaction=True))
    if HAVE_CHROMIUM:
        return
    browser_items = [item for item in items if item.get_closest_marker("browser")]
    if not browser_items:
        return
    if REQUIRE_BROWSER:
        raise pytest.UsageError(
            f"REQUIRE_BROWSER=1 but Chromium was not found at {CHROMIUM}: "
            "install it with `apt-get install chromium`."
        )
    skip = pytest.mark.skip(reason=f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    for item in browser_items:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


UNSTICK = """() => {
    for (const el of document.querySelectorAll('body *')) {
        if (getComputedStyle(el).position === 'sticky') {
            el.dataset.e2eSticky = '1';
            el.style.position = 'static';
        }
    }
}"""
RESTICK = """() => {
    for (const el of document.querySelectorAll('[data-e2e-sticky]')) {
        el.style.removeProperty('position');
        delete el.dataset.e2eSticky;
    }
}"""


@pytest.fixture
def screenshot(page):
    """Save a full-page screenshot under test-results/ (ignored by git)."""
    SCREENSHOTS.mkdir(exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        # A full-page capture draws sticky bars where the window's edge was, over the middle of
        # the page: put them in their place in the flow while capturing. (Through the CSSOM:
        # the CSP refuses Playwright's own injected screenshot style.)
        page.evaluate(UNSTICK)
        try:
            page.screenshot(path=str(path), full_page=True)
        finally:
            page.evaluate(RESTICK)
        return path

    return take


@pytest.fixture
def login(page, live_server):
    """Sign in through the login form as a persona created by the test."""

    def sign_in(username: str, password: str = "correct horse battery staple") -> None:
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()

    return sign_in


@pytest.fixture(autouse=True)
def _migration_data(migration_data):
    """Every browser test runs on committed data with the migrations' data in place."""


@pytest.fixture(autouse=True)
def _plain_http_cookies(settings):
    """The live server speaks plain HTTP: production's Secure-only cookies would not stick."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
