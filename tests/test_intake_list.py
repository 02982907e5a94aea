"""The intake list: filters in the URL (no patient data), the search term by POST."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.models import IntakeStatus
from tests.factories import IntakeFactory, PatientFactory

LIST = reverse("intake:intake_list")
pytestmark = pytest.mark.django_db


def listed(client, **params) -> set:
    response = client.get(LIST, params)
    assert response.status_code == 200
    return {intake.pk for intake in response.context["page_obj"].object_list}


@pytest.fixture
def intakes(alice, bob):
    today = timezone.localdate()
    mine = IntakeFactory(status=IntakeStatus.DRAFT, created_by=alice, intake_date=today)
    others = IntakeFactory(status=IntakeStatus.DRAFT, intake_date=today)
    refer = IntakeFactory(example_id="V17", intake_date=today - timedelta(days=10))
    services.screen_intake(intake=refer)
    amps = IntakeFactory(
        example_id="V01", intake_date=today - timedelta(days=40), visit_type="follow_up"
    )
    services.screen_intake(intake=amps)
    services.record_review(
        screening=amps.current_screening,
        reviewer=bob,
        decision="agree",
        override_reason="",
        comment="",
        disposition="amps_programme",
        note="",
    )
    return {"mine": mine, "others": others, "refer": refer, "amps": amps}


def test_filters_by_status_suggestion_review_visit_type_and_date(staff_client, intakes):
    pk = {name: intake.pk for name, intake in intakes.items()}
    assert listed(staff_client, status="draft") == {pk["mine"], pk["others"]}
    assert listed(staff_client, status="signed") == {pk["amps"]}
    assert listed(staff_client, suggestion="refer") == {pk["refer"]}
    assert listed(staff_client, suggestion="consider_amps") == {pk["amps"]}
    assert listed(staff_client, reviewed="yes") == {pk["amps"]}
    assert pk["amps"] not in listed(staff_client, reviewed="no")
    assert listed(staff_client, visit_type="follow_up") == {pk["amps"]}
    since = (timezone.localdate() - timedelta(days=20)).isoformat()
    assert listed(staff_client, date_from=since) == {pk["mine"], pk["others"], pk["refer"]}
    assert listed(staff_client, date_to=since) == {pk["amps"]}


def test_my_drafts_are_the_drafts_i_started(staff_client, intakes):
    assert listed(staff_client, mine="on") == {intakes["mine"].pk}


def test_bad_filter_values_are_shown_beside_the_field_and_filter_nothing(staff_client, intakes):
    response = staff_client.get(LIST, {"status": "lost", "date_from": "2026-99-99"})
    assert response.status_code == 200
    assert response.context["filters"].errors.keys() == {"status", "date_from"}
    assert len(response.context["page_obj"].object_list) == 4
    response = staff_client.get(LIST, {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert response.context["filters"].errors["date_to"]


def test_the_search_finds_intakes_by_full_name_and_keeps_the_filters(staff_client):
    maya = IntakeFactory(patient=PatientFactory(given_name="Maya", family_name="Ashworth"))
    IntakeFactory(patient=PatientFactory(given_name="Maya", family_name="Other"))
    response = staff_client.post(f"{LIST}?status=submitted", {"q": "Ashworth Maya"})
    assert response["Location"] == f"{LIST}?status=submitted"
    assert listed(staff_client, status="submitted") == {maya.pk}


def test_pages_keep_the_filters(staff_client, alice):
    for _ in range(26):
        IntakeFactory(status=IntakeStatus.DRAFT, created_by=alice)
    html = staff_client.get(LIST, {"status": "draft"}).content.decode()
    assert "?page=2&amp;status=draft" in html


def test_an_urgency_column_and_filter(staff_client, intakes):
    emergency = IntakeFactory(example_id="V17", non_weight_bearing=True)
    services.screen_intake(intake=emergency)
    assert emergency.current_screening.urgency == "emergency"
    pk = {name: intake.pk for name, intake in intakes.items()}
    assert listed(staff_client, urgency="emergency") == {emergency.pk}
    assert listed(staff_client, urgency="urgent") == {pk["refer"]}
    assert listed(staff_client, urgency="routine") == set()
    html = staff_client.get(LIST).content.decode()
    assert '<th scope="col">Urgency</th>' in html
    assert ">Emergency — now / same day</span>" in html
    assert ">Urgent — within 48 hours</span>" in html
    assert '<option value="emergency">Emergency — now / same day</option>' in html
    response = staff_client.get(LIST, {"urgency": "soon"})
    assert response.context["filters"].errors.keys() == {"urgency"}
