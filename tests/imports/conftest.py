"""Import fixtures: a data manager, a source cohort (several patients, several visits, every
example), and its identified export in a REDCap layout with its data dictionary."""

import io
from datetime import date

import pytest
from django.contrib.auth.models import Group

from exports import services
from exports.columns import Layout, Profile
from exports.dictionary import write_dictionary_csv
from exports.rows import ExportOptions
from intake.models import Addendum, Intake, Patient, Review, Screening, SubmitToken
from intake.roles import DATA_MANAGER
from intake.services import screen_intake
from tests.conftest import PASSWORD, _client_for
from tests.factories import IntakeFactory, PatientFactory, UserFactory

KEY = "import-test-key-0123456789-abcdefghijklmnop"

# mrn, given, family, born, [(intake date, example, visit type)]
PEOPLE = (
    ("ZQ-40417", "Ottilie", "Fairweather", date(2012, 3, 14),
     [(date(2025, 5, 2), "V01", "initial"), (date(2025, 8, 20), "V06", "follow_up")]),
    ("ZQ-51822", "Bartholomew", "Quennell", date(2010, 11, 30),
     [(date(2025, 6, 11), "V16", "initial")]),
    ("-42", "Zoë", "Ó Briain", date(2011, 7, 4),
     [(date(2024, 7, 1), "V17", "initial"), (date(2025, 1, 9), "V33", "recurrence"),
      (date(2025, 9, 30), "V02", "follow_up")]),
)  # fmt: skip


@pytest.fixture(autouse=True)
def pseudonym_key(settings):
    settings.AMPS_EXPORT_PSEUDONYM_KEY = KEY


@pytest.fixture
def dana(db):
    user = UserFactory(username="dana", password=PASSWORD, first_name="Dana", last_name="Dale")
    user.groups.add(Group.objects.get(name=DATA_MANAGER))
    return user


@pytest.fixture
def data_client(dana):
    return _client_for(dana)


@pytest.fixture
def source(db, alice):
    """The source clinic's intakes: submitted and screened with the published criteria."""
    for mrn, given, family, born, visits in PEOPLE:
        patient = PatientFactory(mrn=mrn, given_name=given, family_name=family, date_of_birth=born)
        for day, example_id, visit_type in visits:
            intake = IntakeFactory(
                patient=patient,
                intake_date=day,
                example_id=example_id,
                visit_type=visit_type,
                clinical_notes=f'Notes of {example_id}, with a comma and "quotes"',
                created_by=alice,
            )
            screen_intake(intake=intake, user=alice)


def export_csv(layout=Layout.REPEATING, profile=Profile.IDENTIFIED) -> bytes:
    output = io.BytesIO()
    options = ExportOptions(profile=profile, layout=layout)
    services.write_export(options=options, fmt="csv", output=output)
    return output.getvalue()


def dictionary_csv(layout=Layout.REPEATING, profile=Profile.IDENTIFIED) -> bytes:
    output = io.StringIO()
    write_dictionary_csv(profile=profile, output=output, layout=layout)
    return output.getvalue().encode()


def empty_the_database() -> None:
    """Every patient, intake, screening and review gone: an empty clinic."""
    Intake.objects.update(current_screening=None)
    Addendum.objects.all().delete()
    Review.objects.all().delete()
    Screening.objects.all().delete()  # the queryset's delete: append-only rows, in a test
    SubmitToken.objects.all().delete()
    Intake.objects.all().delete()
    Patient.objects.all().delete()
