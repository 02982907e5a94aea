"""manage.py export_intakes and export_data_dictionary."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command

from audit.models import AccessEvent
from exports.dictionary import HEADER, dictionary_rows, export_column_names
from tests.exports.conftest import read_back

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_export_intakes_writes_the_file_and_logs_it(cohort, tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    output = run(
        "export_intakes", "--profile", "deidentified", "--format", fmt,
        "--from", "2026-06-01", "--to", "2026-12-31", "--output", str(target),
    )  # fmt: skip
    assert output.strip() == f"Exported 3 intakes (deidentified, {fmt})."
    header, rows = read_back(fmt, target.read_bytes())
    assert header == export_column_names(dictionary_rows("deidentified"))
    assert len(rows) == 3 + 3  # a patient row, then the visit (REDCap repeating, the default)
    event = AccessEvent.objects.get(action="exported")
    assert (event.user, event.client) == (None, "manage.py export_intakes")
    assert event.detail["rows"] == 3
    assert event.detail["filters"]["date_from"] == "2026-06-01"


def test_export_as_a_user_checks_their_role(cohort, tmp_path, bob):
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="may not make identified exports"):
        run(
            "export_intakes", "--profile", "identified", "--format", "csv",
            "--output", str(target), "--user", "bob", "--purpose", "audit",
        )  # fmt: skip
    run("export_intakes", "--profile", "deidentified", "--format", "csv", "--output",
        str(target), "--user", "bob")  # fmt: skip
    assert AccessEvent.objects.get(action="exported").user == bob


def test_identified_export_from_the_command_line_needs_a_purpose(cohort, tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(CommandError, match="needs a stated purpose"):
        run("export_intakes", "--profile", "identified", "--format", "csv",
            "--output", str(target))  # fmt: skip
    assert not target.exists()
    run("export_intakes", "--profile", "identified", "--format", "csv", "--output",
        str(target), "--purpose", "Registry upload")  # fmt: skip
    assert AccessEvent.objects.get().detail["purpose"] == "Registry upload"


def test_bad_arguments_are_refused_clearly(cohort, tmp_path, settings):
    target = str(tmp_path / "out.csv")
    base = ["export_intakes", "--profile", "limited", "--format", "csv", "--output", target]
    with pytest.raises(CommandError, match="is not a date"):
        run(*base, "--from", "01/06/2026")
    with pytest.raises(CommandError, match="--from is after --to"):
        run(*base, "--from", "2026-06-02", "--to", "2026-06-01")
    with pytest.raises(CommandError, match="No user 'nobody'"):
        run(*base, "--user", "nobody")
    with pytest.raises(CommandError, match="Cannot write"):
        run(*base[:-1], str(tmp_path / "missing" / "out.csv"))
    settings.AMPS_EXPORT_PSEUDONYM_KEY = ""
    settings.DEBUG = False
    with pytest.raises(CommandError, match="AMPS_EXPORT_PSEUDONYM_KEY is not set"):
        run(*base)
    assert not (tmp_path / "out.csv").exists()
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize("profile", ["identified", "limited", "deidentified"])
def test_export_data_dictionary_writes_the_redcap_layout(tmp_path, profile):
    target = tmp_path / "dictionary.csv"
    run("export_data_dictionary", "--output", str(target), "--profile", profile)
    with target.open(encoding="utf-8", newline="") as file:
        reader = csv.DictReader(file)
        assert tuple(reader.fieldnames) == HEADER
        assert list(reader) == dictionary_rows(profile)
