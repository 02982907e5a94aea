"""Long commands show progress on standard error on a terminal, and nothing otherwise."""

import io
import json

from django.core.management import call_command

from intake.management.progress import progress_bar
from tests.factories import example


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_is_drawn_on_a_terminal():
    terminal = Terminal()
    with progress_bar(total=200, unit="intakes", stream=terminal) as bar:
        bar.update(200)
    assert "200/200" in terminal.getvalue()
    assert "100%" in terminal.getvalue()


def test_the_bar_is_silent_when_not_a_terminal():
    piped = io.StringIO()
    with progress_bar(total=200, unit="intakes", stream=piped) as bar:
        bar.update(200)
    assert piped.getvalue() == ""


def test_seed_demo_draws_progress_on_a_terminal_only(db):
    terminal, piped = Terminal(), io.StringIO()
    call_command("seed_demo", "--intakes", "30", stdout=io.StringIO(), stderr=terminal)
    assert "100%" in terminal.getvalue() and "intakes/s" in terminal.getvalue()
    call_command("seed_demo", "--intakes", "30", stdout=io.StringIO(), stderr=piped)
    assert piped.getvalue() == ""


def test_evaluate_intakes_draws_progress_on_a_terminal_only(db, tmp_path):
    path = tmp_path / "intakes.json"
    path.write_text(json.dumps([example("V01"), example("V06")]))
    terminal, piped, out = Terminal(), io.StringIO(), io.StringIO()
    call_command("evaluate_intakes", str(path), stdout=out, stderr=terminal)
    assert "100%" in terminal.getvalue() and "2/2" in terminal.getvalue()
    assert len(json.loads(out.getvalue())) == 2
    call_command("evaluate_intakes", str(path), stdout=io.StringIO(), stderr=piped)
    assert piped.getvalue() == ""
