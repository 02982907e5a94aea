"""Export fixtures: a data manager persona, a cohort with identifying data worth leaking, and
readers that turn each format back into rows of cells."""

import csv
import io
from datetime import date, timedelta

import openpyxl
import pyarrow.parquet as pq
import pytest
from django.contrib.auth.models import Group

from intake.models import Disposition, IntakeStatus
from intake.roles import DATA_MANAGER
from intake.services import add_addendum, record_review, screen_intake
from tests.conftest import PASSWORD, _client_for
from tests.factories import IntakeFactory, PatientFactory, UserFactory

KEY = "export-test-key-0123456789-abcdefghijklmnop"
OTHER_KEY = "another-export-key-9876543210-zyxwvutsrqpo"


@pytest.fixture(autouse=True)
def pseudonym_key(settings):
    settings.AMPS_EXPORT_PSEUDONYM_KEY = KEY


@pytest.fixture
def dana(db):
    """Data manager."""
    user = UserFactory(username="dana", password=PASSWORD, first_name="Dana", last_name="Dale")
    user.groups.add(Group.objects.get(name=DATA_MANAGER))
    return user


@pytest.fixture
def data_client(dana):
    return _client_for(dana)


# Identifying data that must never reach a de-identified export.
PEOPLE = (
    # mrn, given, family, date of birth, intake dates, clinical notes
    ("ZQ-40417", "Ottilie", "Fairweather", date(2012, 3, 14), [date(2026, 5, 2), date(2026, 8, 20)],
     "Mother reports ballet stopped in March"),
    ("ZQ-51822", "Bartholomew", "Quennell", date(2010, 11, 30), [date(2026, 6, 11)],
     "Lives with grandparents at the farm"),
    ("-42", "=HYPERLINK(\"http://evil.example\")", "@SUM(A1)", date(2011, 7, 4),
     [date(2026, 7, 1)], "+cmd|' /C calc'!A0"),
)  # fmt: skip
REVIEW_NOTE = "Discussed with the physiotherapy lead Priyanka"
REVIEW_COMMENT = "Examined knee myself; effusion doubtful"
ADDENDUM = "Family phoned on Tuesday about school letter"


@pytest.fixture
def cohort(db, bob, alice):
    """Three patients, four submitted and screened intakes (one patient twice), one signed
    with an override comment, a review note and an addendum; plus one draft."""
    intakes = []
    for mrn, given, family, born, days, notes in PEOPLE:
        patient = PatientFactory(mrn=mrn, given_name=given, family_name=family, date_of_birth=born)
        for day in days:
            intake = IntakeFactory(
                patient=patient, intake_date=day, clinical_notes=notes, created_by=alice
            )
            screen_intake(intake=intake, user=alice)
            intakes.append(intake)
    first = intakes[0]
    first.refresh_from_db()
    record_review(
        screening=first.current_screening,
        reviewer=bob,
        decision="override",
        override_reason="clinical_judgement",
        comment=REVIEW_COMMENT,
        disposition=Disposition.OTHER_REFERRAL,
        note=REVIEW_NOTE,
    )
    add_addendum(intake=first, author=bob, text=ADDENDUM)
    IntakeFactory(
        patient=intakes[2].patient,
        intake_date=date(2026, 9, 1),
        status=IntakeStatus.DRAFT,
        created_by=alice,
    )
    return intakes


def identifying_strings() -> list[str]:
    """Every name, MRN, date of birth (several spellings) and free text of the cohort."""
    found = [REVIEW_NOTE, REVIEW_COMMENT, ADDENDUM]
    for mrn, given, family, born, _days, notes in PEOPLE:
        found += [mrn, given, family, notes]
        found += [born.isoformat(), born.strftime("%d/%m/%Y"), born.strftime("%Y%m%d")]
    return found


def read_csv(data: bytes) -> tuple[list[str], list[list[str]]]:
    text = data.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def read_xlsx(data: bytes) -> tuple[list[str], list[list]]:
    workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    rows = [list(row) for row in workbook["data"].iter_rows(values_only=True)]
    return [str(name) for name in rows[0]], rows[1:]


def read_parquet(data: bytes):
    table = pq.read_table(io.BytesIO(data))
    rows = [list(row.values()) for row in table.to_pylist()]
    return table.column_names, rows, table


def read_back(fmt: str, data: bytes) -> tuple[list[str], list[list]]:
    if fmt == "csv":
        return read_csv(data)
    if fmt == "xlsx":
        return read_xlsx(data)
    header, rows, _ = read_parquet(data)
    return header, rows


def by_column(header: list[str], rows: list[list]) -> list[dict]:
    return [dict(zip(header, row, strict=True)) for row in rows]


def days_between(later, earlier) -> int:
    return (later - earlier) // timedelta(days=1)
