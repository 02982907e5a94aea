"""The apps' imports run one way: accounts and audit are below the clinical core's views, no
two apps import each other, and no modules import each other inside the areas that had circles."""

import ast
import io
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent
# What each app must never import (its modules; tests and migrations, which are history and
# may set up data across apps, excluded).
FORBIDDEN = {
    "accounts": ("intake.views", "intake.admin", "intake.forms", "intake.services", "audit"),
    # Audit stays generic: intake writes its log, so audit never imports intake (not even its
    # models: the access log names them by label, "intake.Patient").
    "audit": ("intake", "documents", "jobs", "exports", "interop", "accounts"),
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
    [
        (app, path)
        for app in FORBIDDEN
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    ],
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


# --- The import graph ------------------------------------------------------------------------
# Over the project's own modules (migrations and tests left out). Every import counts: at module
# level, inside a function and under `if TYPE_CHECKING:` alike, because an import moved into a
# function (or kept for type hints) still ties the two modules together; it only hides the
# circle from Python's import machinery.
APPS = (
    "accounts",
    "audit",
    "cachetable",
    "documents",
    "exports",
    "imports",
    "intake",
    "interop",
    "jobs",
    "oncall",
    "privacy",
    "smart",
    "sso",
    "amps_screen",
)
# The URLconf includes every app's pages, so it stands above them all, outside the app graph.
ROOT_MODULES = ("amps_screen.urls",)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {
    _module_name(path): path
    for app in APPS
    for path in sorted((ROOT / app).rglob("*.py"))
    if "migrations" not in path.parts
}


def _project_module(name: str) -> str | None:
    """The project module `name` refers to (a module, or a name inside one), else None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported_modules(module: str) -> set[str]:
    path = MODULES[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        found |= {target for name in names if (target := _project_module(name))}
    return found - {module}


IMPORTS = {module: _imported_modules(module) for module in MODULES}


def _cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    """Every strongly connected group of more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> Iterator[list[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in graph.get(node, ()):
            if other not in index:
                yield from visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                yield sorted(group)

    for node in sorted(graph):
        if node not in index:
            yield from visit(node)


def test_the_import_checker_sees_every_kind_of_import():
    assert "intake.models.patients" in IMPORTS["intake.models"]  # from package import (absolute)
    assert "intake.rules.facts" in IMPORTS["intake.rules.engine"]  # from .facts import (relative)
    assert "audit.access" in IMPORTS["intake.views"]
    assert list(_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})) == [["a", "b", "c"]]


def _app_of(module: str) -> str:
    return module if module in ROOT_MODULES else module.split(".")[0]


def test_no_two_apps_import_each_other_even_round_a_longer_circle():
    graph: dict[str, set[str]] = {}
    for module, imported in IMPORTS.items():
        graph.setdefault(_app_of(module), set()).update(
            _app_of(other) for other in imported if _app_of(other) != _app_of(module)
        )
    circles = list(_cycles(graph))
    where = {
        f"{module} -> {other}"
        for circle in circles
        for module, imported in IMPORTS.items()
        for other in imported
        if _app_of(module) in circle and _app_of(other) in circle
        if _app_of(module) != _app_of(other)
    }
    assert not circles, f"apps importing each other: {circles}, through {sorted(where)}"


@pytest.mark.parametrize("package", ["intake.models", "intake.rules", "interop"])
def test_no_modules_import_each_other_inside(package):
    inside = {
        module: {other for other in imported if other.startswith(package + ".")}
        for module, imported in IMPORTS.items()
        if module.startswith(package + ".")
    }
    circles = list(_cycles(inside))
    assert not circles, f"modules importing each other: {circles}"


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
