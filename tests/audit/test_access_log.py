"""The access log (append-only, one entry per view of patient data) and the change history."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from audit.access import record_access
from audit.models import AccessAction, AccessEvent
from intake import services
from intake.models import Intake, Review
from tests.factories import IntakeFactory, example, form_data

# Several tests pick their persona at run time: mark them all, so that they run with the
# database tests (before the transactional ones, whose flush removes the role groups).
pytestmark = pytest.mark.django_db


def test_viewing_an_intake_writes_an_access_event_with_user_and_address(staff_client, alice):
    intake = IntakeFactory(created_by=alice)
    staff_client.get(reverse("intake:intake_detail", args=[intake.uuid]), REMOTE_ADDR="10.1.2.3")
    event = AccessEvent.objects.get()
    assert (event.user, event.patient, event.intake, event.action) == (
        alice,
        intake.patient,
        intake,
        "view",
    )
    assert event.ip_address == "10.1.2.3"


def test_opening_a_case_to_review_is_logged(rheum_client, bob):
    intake = IntakeFactory()
    screening = services.screen_intake(intake=intake)
    rheum_client.get(reverse("intake:review_create", args=[screening.uuid]))
    assert AccessEvent.objects.get().action == "review"
    assert AccessEvent.objects.get().user == bob


def test_the_access_log_is_append_only(staff_client, alice):
    from intake.models import AppendOnlyError

    intake = IntakeFactory(created_by=alice)
    staff_client.get(reverse("intake:intake_detail", args=[intake.uuid]))
    event = AccessEvent.objects.get()
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()


def test_changes_are_in_the_history_with_the_user_who_made_them(
    staff_client, alice, rheum_client, bob
):
    staff_client.post(reverse("intake:intake_create"), form_data(example("V01")))
    intake = Intake.objects.get()
    assert intake.history.first().history_user == alice
    assert intake.patient.history.first().history_user == alice
    screening = intake.current_screening
    rheum_client.post(
        reverse("intake:review_create", args=[screening.uuid]),
        {
            "decision": "agree",
            "disposition": "amps_programme",
            "password": "correct horse battery staple",
            "action": "sign",
        },
    )
    assert Review.objects.get().history.first().history_user == bob
    signed = intake.history.first()
    assert signed.status == "signed"
    assert signed.history_user == bob


@pytest.fixture
def auditor_client(db):
    from django.contrib.auth.models import Group

    from tests.factories import UserFactory

    auditor = UserFactory(username="audrey", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditor"))
    client = Client()
    client.force_login(auditor)
    return client


def two_viewed_intakes(alice):
    viewer = Client()
    viewer.force_login(alice)
    first, second = IntakeFactory(created_by=alice), IntakeFactory(created_by=alice)
    viewer.get(reverse("intake:intake_detail", args=[first.uuid]))
    viewer.get(reverse("intake:intake_detail", args=[second.uuid]))
    return first, second


def urls_in(html: str) -> list[str]:
    return re.findall(r'(?:href|action|src)="([^"]*)"', html)


def test_an_auditor_filters_the_access_log_by_user_and_patient(auditor_client, alice):
    first, _ = two_viewed_intakes(alice)
    url = reverse("admin:audit_accessevent_changelist")
    response = auditor_client.post(url, {"q": first.patient.mrn, "posted_search": "search"})
    assert response.status_code == 302
    response = auditor_client.get(response["Location"])
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [
        AccessEvent.objects.get(patient=first.patient)
    ]
    response = auditor_client.get(url, {"user__id__exact": alice.pk})
    assert len(response.context["cl"].result_list) == 1  # the search still applies
    auditor_client.post(url, {"q": "", "posted_search": "clear"})
    response = auditor_client.get(url, {"user__id__exact": alice.pk})
    assert len(response.context["cl"].result_list) == 2


@pytest.mark.parametrize(
    "url_name", ["admin:audit_accessevent_changelist", "admin:intake_historicalintake_changelist"]
)
def test_an_mrn_searched_for_never_appears_in_a_url(auditor_client, alice, url_name):
    first, second = two_viewed_intakes(alice)
    mrn = first.patient.mrn
    url = reverse(url_name)
    page = auditor_client.get(url).content.decode()
    assert re.search(r'<form id="changelist-search" method="post"', page)
    response = auditor_client.post(
        f"{url}?created_at__gte=2000-01-01", {"q": mrn, "posted_search": "search"}
    )
    assert response.status_code == 302
    assert mrn not in response["Location"]
    assert response["Location"] == f"{url}?created_at__gte=2000-01-01"
    response = auditor_client.get(url)
    html = response.content.decode()
    assert mrn in html  # found, shown in the table
    assert second.patient.mrn not in html
    assert [link for link in urls_in(html) if mrn in link] == []
    assert f'value="{mrn}"' in html  # the box shows what was searched for


def test_a_search_term_in_the_url_is_dropped_not_searched_for(auditor_client, alice):
    first, _ = two_viewed_intakes(alice)
    url = reverse("admin:audit_accessevent_changelist")
    response = auditor_client.get(url, {"q": first.patient.mrn, "action__exact": "view"})
    assert response.status_code == 302
    assert response["Location"] == f"{url}?action__exact=view"
    assert len(auditor_client.get(response["Location"]).context["cl"].result_list) == 2


def test_an_overlong_search_is_refused_and_the_previous_one_kept(auditor_client, alice):
    first, _ = two_viewed_intakes(alice)
    url = reverse("admin:audit_accessevent_changelist")
    auditor_client.post(url, {"q": first.patient.mrn, "posted_search": "search"})
    response = auditor_client.post(url, {"q": "x" * 101, "posted_search": "search"}, follow=True)
    assert "at most 100 characters" in response.content.decode()  # the form's own reason
    assert len(response.context["cl"].result_list) == 1


def test_the_search_form_needs_the_auditor_role(editor_client, client):
    url = reverse("admin:audit_accessevent_changelist")
    assert editor_client.post(url, {"q": "X", "posted_search": "search"}).status_code == 403
    assert client.post(url, {"q": "X", "posted_search": "search"}).status_code == 302
    assert "admin_search:audit.accessevent" not in editor_client.session


def test_record_access_takes_the_patient_from_the_intake_and_the_user_from_the_request(rf, alice):
    intake = IntakeFactory(created_by=alice)
    request = rf.get("/", REMOTE_ADDR="10.9.8.7")
    request.user = alice
    event = record_access(request, action="printed", intake=intake, detail={"document": "letter"})
    assert (event.user, event.patient, event.intake, event.action) == (
        alice,
        intake.patient,
        intake,
        "printed",
    )
    # The intake's status then is kept with the event.
    assert (event.detail, event.ip_address) == (
        {"document": "letter", "intake_status": intake.status},
        "10.9.8.7",
    )


def test_an_export_of_many_patients_is_logged_without_a_patient(alice):
    event = record_access(None, user=alice, action="exported", detail={"rows": 12})
    assert event.patient is None and event.user == alice and event.ip_address is None


def test_an_api_client_is_logged_by_its_label_without_a_user(rf):
    from django.contrib.auth.models import AnonymousUser

    intake = IntakeFactory()
    request = rf.get("/")
    request.user = AnonymousUser()
    event = record_access(request, action="api_read", intake=intake, client="ehr-north")
    assert (event.user, event.client) == (None, "ehr-north")


def test_an_access_event_needs_someone_who_read(db):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        AccessEvent.objects.create(action="view")


@pytest.mark.parametrize("kind", ["historicalpatient", "historicalintake"])
def test_opening_one_version_of_a_record_in_its_history_is_in_the_access_log(
    auditor_client, alice, kind
):
    first, _ = two_viewed_intakes(alice)
    entry = (first.patient if kind == "historicalpatient" else first).history.first()
    url = reverse(f"admin:intake_{kind}_change", args=[entry.history_id])
    before = AccessEvent.objects.count()
    assert auditor_client.get(url).status_code == 200
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.latest("pk")
    assert event.action == AccessAction.VIEW and event.patient == first.patient
    assert event.detail["page"] == "change_history"
    assert event.intake == (first if kind == "historicalintake" else None)
