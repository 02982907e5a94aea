"""intake/rules is pure Python: standard library only, and it never runs text as code."""

import ast
import sys
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parent.parent / "intake" / "rules"
MODULES = sorted(RULES.glob("*.py"))


def imported_modules(tree: ast.AST) -> list[tuple[str, int]]:
    """(module, level) for every import; level > 0 is a relative import."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, 0) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.module or "", node.level))
    return found


def test_the_rules_package_has_modules():
    assert {"facts.py", "validation.py", "language.py", "engine.py", "defaults.py"} <= {
        path.name for path in MODULES
    }


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_rules_modules_import_only_the_standard_library_or_intake_rules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for module, level in imported_modules(tree):
        top = module.split(".")[0]
        allowed = (
            level > 0
            or top in sys.stdlib_module_names
            or module == "intake.rules"
            or module.startswith("intake.rules.")
        )
        assert allowed, f"{path.name} imports {module!r}, which is not the standard library"


@pytest.mark.parametrize("path", MODULES, ids=lambda path: path.name)
def test_rules_modules_never_call_eval_exec_or_compile(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    calls = {
        node.func.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    assert not calls & {"eval", "exec", "compile", "__import__"}
