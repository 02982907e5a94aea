"""The per-patient audit timeline: one page answering "who viewed this child's record, and
what changed?", reached from a POSTed search, for auditors only."""

import re
from datetime import date

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from audit.models import AccessEvent
from intake import services
from tests.factories import IntakeFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def auditor_client(db):
    auditor = UserFactory(username="audrey", is_staff=True, first_name="Audrey")
    auditor.groups.add(Group.objects.get(name="Auditor"))
    client = Client()
    client.force_login(auditor)
    return client


def _timeline(client, patient) -> str:
    response = client.get(reverse("privacy:patient_timeline", args=[patient.uuid]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_timeline_merges_views_and_changes_with_before_and_after(
    auditor_client, staff_client, alice, rheum_client, bob
):
    patient = PatientFactory(given_name="Maya", family_name="Ashworth", mrn="UX-1001")
    patient.date_of_birth = date(2014, 3, 2)
    patient.save()
    intake = IntakeFactory(example_id="V01", patient=patient, created_by=alice)
    screening = services.screen_intake(intake=intake, user=alice)
    staff_client.get(reverse("intake:intake_detail", args=[intake.uuid]))
    services.correct_patient_identity(
        patient=patient,
        values={
            "given_name": "Maya",
            "family_name": "Ashworth",
            "sex": patient.sex,
            "date_of_birth": date(2013, 3, 2),
            "mrn": "UX-1001",
        },
        reason="Birth year mistyped at registration.",
        user=alice,
    )
    html = _timeline(auditor_client, patient)
    # The identity correction as before → after, with who and why.
    assert "Date of birth</strong>: 2 Mar 2014 → 2 Mar 2013" in html
    assert "Birth year mistyped at registration." in html
    # Alice's view of the intake, in words, and the screening.
    assert "Viewed" in html and "Alice" in html
    assert f"criteria version {screening.criteria_set.version}" in html
    # Newest first (the correction screened the intake again, so that screening is newer).
    entries = auditor_client.get(reverse("privacy:patient_timeline", args=[patient.uuid])).context[
        "page_obj"
    ]
    moments = [entry.when for entry in entries]
    assert moments == sorted(moments, reverse=True)
    kinds = {entry.kind for entry in entries}
    assert kinds == {"access", "change", "screening"}
    # No raw timestamps: the times are in words.
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", html)
    # Opening the timeline is itself in the access log.
    event = AccessEvent.objects.filter(patient=patient).latest("created_at")
    assert event.detail == {"page": "audit_timeline"}


def test_the_search_is_posted_kept_in_the_session_and_never_in_a_url(auditor_client):
    patient = PatientFactory(given_name="Zoë", family_name="Quill", mrn="QX-77")
    url = reverse("privacy:patient_search")
    response = auditor_client.post(url, {"q": "quill zoe"})
    assert response.status_code == 302 and response["Location"] == url
    html = auditor_client.get(url).content.decode()
    assert reverse("privacy:patient_timeline", args=[patient.uuid]) in html
    assert "QX-77" in html
    assert all(
        "QX-77" not in link and "quill" not in link for link in re.findall(r'href="([^"]*)"', html)
    )
    assert (
        "No patient matches"
        in auditor_client.post(url, {"q": "nobody"}, follow=True).content.decode()
    )


@pytest.mark.parametrize("who", ["staff_client", "rheum_client", "editor_client"])
def test_only_auditors_read_the_timeline(request, who):
    client = request.getfixturevalue(who)
    patient = PatientFactory()
    assert client.get(reverse("privacy:patient_timeline", args=[patient.uuid])).status_code == 403
    assert client.get(reverse("privacy:patient_search")).status_code == 403
    assert not AccessEvent.objects.filter(patient=patient).exists()


def test_signed_out_users_are_sent_to_sign_in(client):
    patient = PatientFactory()
    response = client.get(reverse("privacy:patient_timeline", args=[patient.uuid]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# -- the access log: names, status then, detail in words, one row per signing, CSV ----------


def test_the_access_log_list_shows_names_status_then_and_detail_in_words(auditor_client, alice):
    viewer = Client()
    viewer.force_login(alice)
    intake = IntakeFactory(created_by=alice, patient=PatientFactory(family_name="Quill"))
    viewer.get(reverse("intake:intake_detail", args=[intake.uuid]))
    services.screen_intake(intake=intake)
    html = auditor_client.get("/admin/audit/accessevent/").content.decode()
    assert "Quill" in html
    assert "submitted" in html  # the status when it was viewed
    assert "{&quot;" not in html and '{"' not in html  # no raw JSON


def test_one_signing_is_one_opened_to_review_and_one_signed(rheum_client, bob):
    from tests.test_review import screened, sign

    screening = screened("V01")
    url = reverse("intake:review_create", args=[screening.uuid])
    rheum_client.get(url)
    rheum_client.get(url)  # back from the queue, a reload
    assert sign(rheum_client, screening, password="wrong password!").status_code == 200
    assert sign(rheum_client, screening).status_code == 302
    actions = list(
        AccessEvent.objects.filter(intake=screening.intake, user=bob)
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )
    assert actions.count("review") == 1
    assert actions.count("signed") == 1
    signed = AccessEvent.objects.get(action="signed")
    assert signed.detail_in_words() == "disposition: amps programme"


def test_the_filtered_access_log_downloads_as_csv_and_the_download_is_logged(
    auditor_client, alice, bob
):
    viewer = Client()
    viewer.force_login(alice)
    first, second = IntakeFactory(created_by=alice), IntakeFactory(created_by=alice)
    viewer.get(reverse("intake:intake_detail", args=[first.uuid]))
    viewer.get(reverse("intake:intake_detail", args=[second.uuid]))
    reader = Client()
    reader.force_login(bob)
    reader.get(reverse("intake:intake_detail", args=[first.uuid]))
    url = reverse("admin:audit_accessevent_export")
    response = auditor_client.get(url, {"user__id__exact": alice.pk})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="access-log.csv"'
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0].startswith("When,Who,Action,Patient,MRN")
    assert len(lines) == 3  # Alice's two views only: the filter applies
    assert all("alice" in line.lower() for line in lines[1:])
    export = AccessEvent.objects.filter(action="exported").latest("created_at")
    assert export.detail["what"] == "access_log" and export.detail["rows"] == 2
    # Others may not download it.
    assert Client().get(url).status_code == 302
    assert reader.get(url).status_code in (302, 403)


def test_an_auditors_search_that_finds_patients_is_logged(auditor_client):
    PatientFactory(given_name="Zoë", family_name="Quill", mrn="QX-78")
    url = reverse("privacy:patient_search")
    auditor_client.post(url, {"q": "quill"})
    auditor_client.get(url)
    event = AccessEvent.objects.get(detail__page="audit_patient_search")
    assert event.detail["rows"] == 1


def test_the_access_log_csv_never_runs_a_name_as_a_formula(auditor_client, alice):
    viewer = Client()
    viewer.force_login(alice)
    patient = PatientFactory(given_name="=HYPERLINK(1)", family_name="Quill")
    intake = IntakeFactory(created_by=alice, patient=patient)
    viewer.get(reverse("intake:intake_detail", args=[intake.uuid]))
    response = auditor_client.get(reverse("admin:audit_accessevent_export"))
    content = b"".join(response.streaming_content).decode()
    assert ",'=HYPERLINK(1) Quill," in content
    assert ",=HYPERLINK" not in content
