"""Session timeouts: idle and absolute limits, 'stay signed in', a form posted after a timeout."""

import time

import pytest
from django.urls import reverse

from accounts.middleware import LAST_ACTIVITY, RESCUED_FORM, SESSION_STARTED
from intake.models import Intake
from tests.factories import example, form_data

# Several tests pick their persona at run time: mark them all, so that they run with the
# database tests (before the transactional ones, whose flush removes the role groups).
pytestmark = pytest.mark.django_db


def age_session(client, *, idle: float = 0, started: float = 0) -> None:
    session = client.session
    now = time.time()
    session[LAST_ACTIVITY] = now - idle
    session[SESSION_STARTED] = now - started
    session.save()


def test_fourteen_idle_minutes_keep_the_session(staff_client):
    age_session(staff_client, idle=14 * 60)
    assert staff_client.get(reverse("intake:intake_list")).status_code == 200


def test_sixteen_idle_minutes_sign_out_with_a_message(staff_client):
    age_session(staff_client, idle=16 * 60)
    url = reverse("intake:intake_list")
    response = staff_client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    page = staff_client.get(response["Location"]).content.decode()
    assert "15 minutes without activity" in page
    assert staff_client.get(url).status_code == 302


def test_activity_slides_the_idle_window(staff_client):
    age_session(staff_client, idle=14 * 60)
    staff_client.get(reverse("intake:intake_list"))
    assert time.time() - staff_client.session[LAST_ACTIVITY] < 5


def test_a_progress_bar_polling_is_not_activity(staff_client, alice):
    """An open page whose script follows a job must not keep an unattended session alive."""
    from jobs.models import Job

    job = Job.objects.create(kind="test", purpose="Counting", task_path="x", started_by=alice)
    progress = reverse("jobs:progress", args=[job.pk])
    age_session(staff_client, idle=14 * 60)
    assert staff_client.get(progress).status_code == 200
    assert time.time() - staff_client.session[LAST_ACTIVITY] > 13 * 60
    age_session(staff_client, idle=16 * 60)
    assert staff_client.get(progress).status_code != 200  # signed out
    assert staff_client.get(reverse("intake:intake_list")).status_code == 302


def test_twelve_hours_end_the_session_however_active(staff_client):
    age_session(staff_client, idle=10, started=12 * 3600 + 60)
    response = staff_client.get(reverse("intake:intake_list"))
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "12-hour limit" in page


def test_stay_signed_in_restarts_the_idle_clock(staff_client):
    age_session(staff_client, idle=14 * 60 + 30)
    response = staff_client.post(reverse("session_keepalive"))
    assert response.status_code == 204
    assert time.time() - staff_client.session[LAST_ACTIVITY] < 5


def test_the_page_carries_the_idle_warning(staff_client):
    html = staff_client.get(reverse("intake:intake_list")).content.decode()
    assert 'data-idle-seconds="900"' in html
    assert 'id="session-warning"' in html
    assert "js/session.js" in html


def test_an_intake_posted_after_the_timeout_comes_back_after_sign_in(client, alice):
    client.force_login(alice)
    age_session(client, idle=20 * 60)
    data = form_data(example("V01"), mrn="RESCUE-1", given_name="Keep")
    response = client.post(reverse("intake:intake_create"), data)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Intake.objects.exists()
    login = client.post(
        response["Location"],
        {"username": "alice", "password": "correct horse battery staple"},
    )
    assert login.status_code == 302
    page = client.get(reverse("intake:intake_create"))
    html = page.content.decode()
    assert "What you typed before you were signed out is back" in html
    assert page.context["form"]["mrn"].value() == "RESCUE-1"
    assert page.context["form"]["given_name"].value() == "Keep"
    assert set(page.context["form"]["pain_sites"].value()) == set(example("V01")["pain_sites"])
    again = client.get(reverse("intake:intake_create"))
    assert again.context["form"]["mrn"].value() in (None, "")


def test_rescued_values_go_only_to_the_user_who_typed_them(client, alice, bob, django_user_model):
    """Alice times out with a posted intake; Bob signs in on the same browser and gets an
    empty form (Alice's values are discarded); Alice, signing in later, gets nothing either
    (they were discarded), and with no second user in between she gets her values back."""
    staff_group = alice.groups.first()
    bob.groups.add(staff_group)  # Bob may create intakes too: only ownership is tested
    client.force_login(alice)
    age_session(client, idle=20 * 60)
    data = form_data(example("V01"), mrn="RESCUE-2", given_name="Private")
    response = client.post(reverse("intake:intake_create"), data)
    assert response["Location"].startswith(reverse("login"))
    login = client.post(
        response["Location"], {"username": "bob", "password": "correct horse battery staple"}
    )
    assert login.status_code == 302
    page = client.get(reverse("intake:intake_create"))
    html = page.content.decode()
    assert "RESCUE-2" not in html
    assert "Private" not in html
    assert "What you typed before you were signed out is back" not in html
    assert page.context["form"]["mrn"].value() in (None, "")
    assert RESCUED_FORM not in client.session
    # Bob signs out and Alice signs in: the values were discarded, not kept for her.
    client.post(reverse("logout"))
    client.post(reverse("login"), {"username": "alice", "password": "correct horse battery staple"})
    assert client.get(reverse("intake:intake_create")).context["form"]["mrn"].value() in (None, "")


def test_rescued_values_come_back_to_their_owner(client, alice):
    client.force_login(alice)
    age_session(client, idle=20 * 60)
    data = form_data(example("V01"), mrn="RESCUE-3")
    response = client.post(reverse("intake:intake_create"), data)
    assert client.session[RESCUED_FORM]["user"] == alice.pk
    client.post(
        response["Location"], {"username": "alice", "password": "correct horse battery staple"}
    )
    assert client.get(reverse("intake:intake_create")).context["form"]["mrn"].value() == "RESCUE-3"
