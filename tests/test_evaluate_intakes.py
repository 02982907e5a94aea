"""`manage.py evaluate_intakes`: JSON in, triage out, every error named."""

import io
import json

import pytest
from django.core.management import call_command

from tests.factories import EXAMPLES, EXPECTED, example

pytestmark = pytest.mark.django_db


def run(*args, stdin: str | None = None, monkeypatch=None):
    out, err = io.StringIO(), io.StringIO()
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = 0
    try:
        call_command("evaluate_intakes", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def examples_file(tmp_path):
    path = tmp_path / "intakes.json"
    path.write_text(json.dumps(EXAMPLES))
    return path


def test_examples_are_triaged_exactly_as_expected_in_input_order(examples_file):
    code, out, err = run(str(examples_file))
    assert code == 0, err
    results = json.loads(out)
    assert [r["id"] for r in results] == [e["id"] for e in EXAMPLES]
    for result in results:
        expected = EXPECTED[result["id"]]
        assert result["outcome"] == expected["outcome"]
        assert result["red_flags"] == expected["red_flags"]
        assert result["pathways"] == expected["pathways"]
        assert result["caveats"] == expected["caveats"]
        assert result["criteria_set"] == 3
        # Version 3 (clinical-reference §4.7): V16's joint swelling of unknown duration is a
        # new arthritis, urgent (version 2 gave it routine).
        assert result["urgency"] == {"V16": "urgent", "V17": "urgent"}.get(result["id"])
        assert result["explanation"]


def test_a_single_object_is_accepted(tmp_path):
    path = tmp_path / "one.json"
    path.write_text(json.dumps(example("V17")))
    code, out, _ = run(str(path))
    assert code == 0
    assert [r["outcome"] for r in json.loads(out)] == ["refer"]


def test_dash_reads_standard_input(monkeypatch):
    code, out, _ = run("-", stdin=json.dumps([example("V33")]), monkeypatch=monkeypatch)
    assert code == 0
    assert json.loads(out)[0]["outcome"] == "indeterminate"


def test_invalid_intake_exits_2_naming_intake_and_field_with_nothing_on_stdout(tmp_path):
    bad = example("V02", pain_now="seven")
    del bad["fever"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps([example("V01"), bad]))
    code, out, err = run(str(path))
    assert code == 2
    assert out == ""
    assert "intake V02 (#2): pain_now:" in err
    assert "intake V02 (#2): fever:" in err
    assert "V01" not in err


def test_not_json_exits_2(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("[{")
    code, out, err = run(str(path))
    assert (code, out) == (2, "")
    assert "not valid JSON" in err


def test_missing_file_exits_2(tmp_path):
    code, out, err = run(str(tmp_path / "nope.json"))
    assert (code, out) == (2, "")
    assert "cannot be read" in err


def test_an_unknown_criteria_set_version_exits_2(examples_file):
    code, out, err = run(str(examples_file), "--criteria-set", "99")
    assert (code, out) == (2, "")
    assert "version 99" in err


def test_a_named_criteria_set_version_is_used(examples_file):
    code, out, _ = run(str(examples_file), "--criteria-set", "1")
    assert code == 0
    assert {r["criteria_set"] for r in json.loads(out)} == {1}


def test_a_scalar_document_is_refused(tmp_path):
    path = tmp_path / "scalar.json"
    path.write_text("42")
    code, _, err = run(str(path))
    assert code == 2
    assert "expected a JSON object or an array" in err
