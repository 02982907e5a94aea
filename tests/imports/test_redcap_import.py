"""Importing a REDCap export: the round trip (export → import into an empty database → export
gives the same rows), validation by record and field, all or nothing, refusals, the log."""

import csv
import io

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AccessEvent
from exports.columns import Layout
from imports.services import ImportRefused, run_import
from intake.models import CriteriaSet, Intake, IntakeStatus, Patient
from tests.imports.conftest import dictionary_csv, empty_the_database, export_csv

pytestmark = pytest.mark.django_db
# What the importing database did itself: the status (historic) and the time it screened.
LOCAL_COLUMNS = ("intake_status", "screened_at")


def rows_of(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode())))


def without_local(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k not in LOCAL_COLUMNS} for row in rows]


def write(tmp_path, name: str, data: bytes) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("layout", [Layout.REPEATING, Layout.EVENTS, Layout.FLAT])
def test_round_trip_export_import_export_gives_the_same_rows(source, dana, layout):
    before = export_csv(layout)
    dictionary = dictionary_csv(layout)
    empty_the_database()
    assert not Patient.objects.exists()
    outcome = run_import(dictionary=dictionary, data=before, user=dana, dry_run=False)
    assert outcome.errors == [] and outcome.imported
    assert (outcome.patients, outcome.intakes, outcome.known_patients) == (3, 6, 0)
    after = export_csv(layout)
    assert without_local(rows_of(after)) == without_local(rows_of(before))
    assert list(rows_of(after)[0]) == list(rows_of(before)[0])  # the same columns, in order
    visits = [row for row in rows_of(after) if row["intake_date"]]
    assert {row["intake_status"] for row in visits} == {"historic"}
    assert all(row["screened_at"] and row["screening_outcome"] for row in visits)


def test_imported_intakes_are_historic_screened_with_the_published_set_and_not_queued(source, dana):
    data, dictionary = export_csv(), dictionary_csv()
    empty_the_database()
    run_import(dictionary=dictionary, data=data, user=dana, dry_run=False)
    published = CriteriaSet.objects.published()
    intakes = Intake.objects.select_related("current_screening", "patient")
    assert intakes.count() == 6
    for intake in intakes:
        assert intake.status == IntakeStatus.HISTORIC and intake.created_by == dana
        assert intake.current_screening.criteria_set == published
        # screened at its own intake date: the age the facts read is the age on that day
        assert intake.current_screening.facts["age_years"] == intake.age_years
    assert not Intake.objects.awaiting_review().exists()
    assert Patient.history.filter(history_change_reason__startswith="Imported").count() == 3
    event = AccessEvent.objects.get(action="imported")
    assert event.user == dana
    assert event.detail["intakes"] == 6 and event.detail["imported"] is True
    assert event.detail["dry_run"] is False
    assert event.detail_in_words() == "REDCap import, 9 rows, 6 intakes, 0 errors"


def test_an_imported_visit_lists_no_change_after_submission(source, dana, staff_client):
    data, dictionary = export_csv(), dictionary_csv()
    empty_the_database()
    run_import(dictionary=dictionary, data=data, user=dana, dry_run=False)
    intake = Intake.objects.first()
    assert intake.history.filter(history_change_reason__startswith="Imported").exists()
    page = staff_client.get(reverse("intake:intake_detail", args=[intake.uuid]))
    assert "Changed after submission" not in page.content.decode()


def test_a_dry_run_saves_nothing_and_is_logged(source, dana):
    data, dictionary = export_csv(), dictionary_csv()
    empty_the_database()
    outcome = run_import(dictionary=dictionary, data=data, user=dana, dry_run=True)
    assert outcome.errors == [] and not outcome.imported and outcome.intakes == 6
    assert not Patient.objects.exists()
    assert AccessEvent.objects.get(action="imported").detail["dry_run"] is True


def _broken(data: bytes) -> bytes:
    """Three errors in two records: a pain score out of range, a checkbox that is not 0/1, and
    a date of birth that is no date."""
    rows = rows_of(data)
    visit = next(r for r in rows if r["record_id"] == "ZQ-40417" and r["redcap_repeat_instance"])
    visit["pain_now"] = "11"
    visit["pain_sites___neck"] = "yes"
    patient = next(r for r in rows if r["record_id"] == "ZQ-51822" and not r["intake_date"])
    patient["date_of_birth"] = "30/11/2010"
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return output.getvalue().encode()


def test_every_error_by_record_and_field_and_nothing_saved(source, dana):
    data, dictionary = _broken(export_csv()), dictionary_csv()
    empty_the_database()
    outcome = run_import(dictionary=dictionary, data=data, user=dana, dry_run=False)
    found = {(e.record, e.place, e.field) for e in outcome.errors}
    assert ("ZQ-40417", "visit 1", "pain_now") in found
    assert ("ZQ-40417", "visit 1", "pain_sites") in found
    assert ("ZQ-51822", "patient row", "date_of_birth") in found
    assert len(outcome.errors) == 3
    assert not outcome.imported
    assert not Patient.objects.exists() and not Intake.objects.exists()  # the valid ones too
    message = str(next(e for e in outcome.errors if e.field == "pain_now"))
    assert message.startswith("record ZQ-40417, visit 1 (line ")
    assert "0 to 10" in message


def test_the_command_dry_run_lists_every_error_and_exits_2(source, dana, tmp_path):
    data = write(tmp_path, "data.csv", _broken(export_csv()))
    dictionary = write(tmp_path, "dictionary.csv", dictionary_csv())
    empty_the_database()
    err = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("import_redcap", dictionary, data, "--user", "dana", "--dry-run", stderr=err)
    assert failed.value.returncode == 2
    assert "3 errors" in str(failed.value)
    lines = err.getvalue().splitlines()
    assert any("record ZQ-51822, patient row" in line and "date_of_birth" in line for line in lines)
    assert not Patient.objects.exists()


def test_the_command_imports_a_valid_file(source, dana, tmp_path):
    data = write(tmp_path, "data.csv", export_csv(Layout.EVENTS))
    dictionary = write(tmp_path, "dictionary.csv", dictionary_csv(Layout.EVENTS))
    empty_the_database()
    out = io.StringIO()
    call_command("import_redcap", dictionary, data, "--user", "dana", "--dry-run", stdout=out)
    assert "Dry run: every row is valid; 6 intakes of 3 patients" in out.getvalue()
    assert not Patient.objects.exists()
    call_command("import_redcap", dictionary, data, "--user", "dana", stdout=out)
    assert "Imported 6 intakes of 3 patients" in out.getvalue()
    assert Intake.objects.filter(status="historic").count() == 6


def test_the_command_refuses_big_non_csv_files_and_users_without_the_role(
    source, dana, alice, tmp_path, settings
):
    data = write(tmp_path, "data.csv", export_csv())
    dictionary = write(tmp_path, "dictionary.csv", dictionary_csv())
    with pytest.raises(CommandError, match="may not import"):
        call_command("import_redcap", dictionary, data, "--user", alice.username)
    xlsx = write(tmp_path, "data.xlsx", b"PK\x03\x04")
    with pytest.raises(CommandError, match="CSV only"):
        call_command("import_redcap", dictionary, xlsx, "--user", "dana")
    settings.AMPS_IMPORT_MAX_BYTES = 1024
    with pytest.raises(CommandError, match="over the limit of 1,024"):
        call_command("import_redcap", dictionary, data, "--user", "dana")


def test_unknown_columns_are_refused_clearly(source, dana):
    data = export_csv().replace(b"record_id,", b"record_id,favourite_colour,", 1)
    with pytest.raises(ImportRefused, match="does not describe: favourite_colour"):
        run_import(dictionary=dictionary_csv(), data=data, user=dana, dry_run=True)
    unknown_field = dictionary_csv() + b"shoe_size,visit,,text,Shoe size,,,,,,,,,,,,,\r\n"
    with pytest.raises(ImportRefused, match="'shoe_size' is not a field"):
        run_import(dictionary=unknown_field, data=export_csv(), user=dana, dry_run=True)


def test_not_utf8_or_a_pseudonymised_export_is_refused(source, dana):
    with pytest.raises(ImportRefused, match="not UTF-8"):
        run_import(dictionary=dictionary_csv(), data=b"record_id\n\xff\xfe", user=dana,
                   dry_run=True)  # fmt: skip
    with pytest.raises(ImportRefused, match="identified patient fields"):
        run_import(
            dictionary=dictionary_csv(profile="deidentified"),
            data=export_csv(profile="deidentified"),
            user=dana,
            dry_run=True,
        )


def test_a_known_patient_gets_new_visits_but_identity_and_repeats_are_refused(source, dana):
    data, dictionary = export_csv(), dictionary_csv()
    # The same file again: every visit is already here.
    outcome = run_import(dictionary=dictionary, data=data, user=dana, dry_run=True)
    assert {e.field for e in outcome.errors} == {"intake_date"}
    assert len(outcome.errors) == 6
    assert "already has an intake on" in outcome.errors[0].message
    # Another date of birth for a known MRN: refused on that field.
    Intake.objects.filter(patient__mrn="ZQ-51822").update(current_screening=None)
    from intake.models import Screening

    Screening.objects.filter(intake__patient__mrn="ZQ-51822").delete()
    Intake.objects.filter(patient__mrn="ZQ-51822").delete()
    Patient.objects.filter(mrn="ZQ-51822").update(date_of_birth="2010-12-01")
    outcome = run_import(dictionary=dictionary, data=data, user=dana, dry_run=True)
    assert ("ZQ-51822", "date_of_birth") in {(e.record, e.field) for e in outcome.errors}


def test_a_red_flag_left_unanswered_is_named(source, dana):
    rows = rows_of(export_csv())
    visit = next(r for r in rows if r["record_id"] == "'-42" and r["redcap_repeat_instance"])
    visit["fever"] = ""
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    empty_the_database()
    outcome = run_import(
        dictionary=dictionary_csv(), data=output.getvalue().encode(), user=dana, dry_run=True
    )
    assert [(e.record, e.place, e.field) for e in outcome.errors] == [("-42", "visit 1", "fever")]
    assert "red flag that was not asked" in outcome.errors[0].message


def test_the_store_checks_again_in_its_transaction(source, dana):
    """What the dry run saw may change before the import stores (another import of the same
    file, a worker taken back while storing): the visits already stored are refused then."""
    from imports.redcap import read_plan
    from intake.services import import_historic_intakes
    from intake.services.historic import HistoricConflict

    data, dictionary = export_csv(), dictionary_csv()
    empty_the_database()
    plan = read_plan(dictionary, data)
    import_historic_intakes(patients=plan.patients, user=dana)
    with pytest.raises(HistoricConflict, match="already has an intake"):
        import_historic_intakes(patients=plan.patients, user=dana)
    assert Intake.objects.count() == 6


def test_a_historic_screening_is_never_the_latest_a_cds_card_speaks_of(source, dana, monkeypatch):
    """Historic intakes are screened when loaded: their screening is the newest row, but a CDS
    card never speaks of it as the patient's latest suggestion."""
    from types import SimpleNamespace

    from interop.cds import service

    data, dictionary = export_csv(), dictionary_csv()
    empty_the_database()
    run_import(dictionary=dictionary, data=data, user=dana, dry_run=False)
    monkeypatch.setattr(service, "_prefetched_mrns", lambda base, call: ["ZQ-40417"])
    call = SimpleNamespace(patient_id="not-a-uuid")
    assert not service.latest_screenings(None, call).exists()
    Intake.objects.filter(patient__mrn="ZQ-40417").update(status=IntakeStatus.SUBMITTED)
    assert service.latest_screenings(None, call).count() == 2


def test_the_task_worker_deletes_expired_uploads_as_it_starts(settings, tmp_path):
    import io
    import os
    import time

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage
    from django.core.management import call_command

    from imports.tasks import STORAGE_FOLDER

    settings.MEDIA_ROOT = str(tmp_path)
    path = default_storage.save(f"{STORAGE_FOLDER}/old/data.csv", ContentFile(b"record_id\n"))
    fresh = default_storage.save(f"{STORAGE_FOLDER}/new/data.csv", ContentFile(b"record_id\n"))
    aged = time.time() - (settings.AMPS_EXPORT_FILE_HOURS + 1) * 3600
    os.utime(default_storage.path(path), (aged, aged))
    out = io.StringIO()
    call_command("delete_expired_imports", stdout=out)
    assert not default_storage.exists(path)
    assert default_storage.exists(fresh)
    assert "Deleted 1 expired upload." in out.getvalue()
