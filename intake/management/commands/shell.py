"""Django's shell, importing automatically only what can be imported by its path.

simple-history makes the historical models (HistoricalIntake, …) at run time; they are
registered with the app but not importable from a module, so Django's shell listed them as
"could not be automatically imported" on every start. Reach them as `Intake.history.model`.
"""

from importlib import import_module

from django.core.management.commands import shell


def _importable(path: str) -> bool:
    module_path, _, name = path.rpartition(".")
    try:
        return hasattr(import_module(module_path), name)
    except ImportError:
        return False


class Command(shell.Command):
    def get_auto_imports(self):
        return [path for path in super().get_auto_imports() if _importable(path)]
