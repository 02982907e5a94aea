"""The apps' imports run one way: accounts and audit are below the clinical core's views."""

import ast
import io
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
# What each app must never import (its modules, tests excluded).
FORBIDDEN = {
    "accounts": ("intake.views", "intake.admin", "intake.forms", "intake.services", "audit"),
    "audit": ("intake.views", "intake.admin", "intake.forms", "intake.services", "accounts"),
    # The newer areas use the clinical core's models and services, never its pages.
    "documents": ("intake.views", "intake.admin"),
    "jobs": ("intake.views", "intake.admin"),
    "exports": ("intake.views", "intake.admin", "imports"),
    "imports": ("intake.views", "intake.admin"),
    "interop": ("intake.views", "intake.admin"),
    "sso": ("intake.views", "intake.admin", "intake.forms", "intake.services"),
    "smart": ("intake.views", "intake.admin"),
}


def _imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


@pytest.mark.parametrize(
    ("app", "path"),
    [(app, path) for app in FORBIDDEN for path in sorted((ROOT / app).rglob("*.py"))],
    ids=lambda value: str(value.relative_to(ROOT)) if isinstance(value, Path) else value,
)
def test_apps_never_import_what_lies_above_them(app, path):
    imported = _imports(path)
    bad = [
        name
        for name in imported
        for forbidden in FORBIDDEN[app]
        if name == forbidden or name.startswith(forbidden + ".")
    ]
    assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_the_apps_have_their_own_views_urls_and_templates():
    for app, parts in {
        "accounts": ("views.py", "urls.py", "templates/registration/login.html"),
        "audit": ("models.py", "access.py", "admin.py"),
        "sso": ("views.py", "urls.py", "backend.py", "templates/sso/refused.html"),
        "smart": ("views.py", "urls.py", "launch.py", "templates/smart/refused.html"),
    }.items():
        for part in parts:
            assert (ROOT / app / part).exists(), f"{app}/{part}"


def test_the_shell_starts_without_import_complaints(db):
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        call_command("shell", command="print('ready')", verbosity=2)
    assert "could not be automatically imported" not in out.getvalue() + err.getvalue()
    assert "ready" in out.getvalue()


def test_no_template_comment_spans_lines():
    """Django's {# … #} is one line only: a longer one is printed on the page as text."""
    broken = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(ROOT.glob("**/templates/**/*.html"))
        if ".venv" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), start=1)
        if "{#" in line and "#}" not in line[line.index("{#") :]
    ]
    assert not broken, broken
