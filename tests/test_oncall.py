"""The emergency alarm: the banner with the on-call number, and one email per emergency case
to the on-call team (sent in the background, retried, logged, never losing the screening)."""

import smtplib
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessEvent
from documents.models import ClinicDetails
from intake import services
from intake.models import Intake
from oncall import services as oncall
from oncall.models import EmergencyNotification, NotificationStatus
from tests.factories import example, form_data
from tests.red_flag_details import details_for

pytestmark = pytest.mark.django_db

EMERGENCY = {"fever": True, "non_weight_bearing": True, "crp_mg_l": 86.0}
EMERGENCY |= details_for(["fever", "non_weight_bearing"])  # once the form asks them
ON_CALL = {"on_call_phone": "020 7946 0999", "on_call_email": "oncall@clinic.example"}


@pytest.fixture
def on_call(db):
    return ClinicDetails.objects.create(**ON_CALL)


def _submit(client, intake_json, **patient):
    return client.post(
        reverse("intake:intake_create"), form_data(intake_json, **patient), follow=True
    )


def test_an_emergency_shows_the_alarm_and_emails_the_on_call_team_once(staff_client, on_call):
    response = _submit(staff_client, example("V01", **EMERGENCY), mrn="MRN-7001")
    html = response.content.decode()
    intake = Intake.objects.get(patient__mrn="MRN-7001")
    assert 'role="alert" id="alarm"' in html
    assert "Emergency — now / same day" in html
    assert "Phone the on-call team now" in html and "020 7946 0999" in html
    assert "The on-call team was emailed at" in html
    (email,) = mail.outbox
    assert email.to == ["oncall@clinic.example"]
    assert email.subject == f"Emergency referral waiting — case {intake.pk}"
    body = email.subject + email.body
    for identifier in ("MRN-7001", "Ada", "Lovelace", intake.patient.date_of_birth.isoformat()):
        assert identifier not in body
    assert "Emergency — now / same day" in email.body
    assert "(rf_" in email.body  # the matched red flags, by name and code
    assert f"/intakes/{intake.uuid}/" in email.body
    notification = EmergencyNotification.objects.get(intake=intake)
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 1)
    event = AccessEvent.objects.get(action="notified")
    assert (event.intake, event.user, event.client) == (intake, None, "On-call email")
    assert event.detail["recipient"] == "oncall@clinic.example"
    assert event.detail_in_words() == "emergency email to oncall@clinic.example"


def test_the_link_uses_amps_base_url(staff_client, on_call, settings):
    settings.AMPS_BASE_URL = "https://amps.clinic.example"
    _submit(staff_client, example("V01", **EMERGENCY))
    intake = Intake.objects.get()
    assert f"https://amps.clinic.example/intakes/{intake.uuid}/" in mail.outbox[0].body


def test_a_repeated_submit_or_a_new_screening_of_the_case_sends_no_second_email(
    staff_client, on_call
):
    data = form_data(example("V01", **EMERGENCY)) | {"form_token": str(uuid.uuid4())}
    url = reverse("intake:intake_create")
    staff_client.post(url, data)
    again = staff_client.post(url, data, follow=True)  # the same form (token) again
    assert "already submitted" in again.content.decode()
    intake = Intake.objects.get()
    services.screen_intake(intake=intake)  # screened again: a new screening of the case
    edit = form_data(example("V01", **EMERGENCY)) | {"change_reason": "CRP repeated."}
    staff_client.post(reverse("intake:intake_edit", args=[intake.uuid]), edit)
    assert intake.screenings.count() == 3
    assert len(mail.outbox) == 1
    assert EmergencyNotification.objects.count() == 1


def test_without_an_on_call_email_the_banner_says_nobody_was_notified(staff_client, db):
    ClinicDetails.objects.create(on_call_phone="020 7946 0999")
    html = _submit(staff_client, example("V01", **EMERGENCY)).content.decode()
    assert "Nobody was notified" in html
    assert mail.outbox == []
    assert EmergencyNotification.objects.get().status == NotificationStatus.NOT_SENT


def test_an_urgent_result_shows_a_warning_with_its_timeframe_and_emails_nobody(
    staff_client, on_call
):
    html = _submit(staff_client, example("V17")).content.decode()  # fever alone: urgent
    assert 'class="alert alert-warning alarm alarm-urgent"' in html
    assert "within 48 hours" in html
    assert 'role="alert" id="alarm"' not in html
    assert mail.outbox == [] and not EmergencyNotification.objects.exists()


def test_an_email_stuck_in_sending_is_shown_as_not_confirmed(staff_client, on_call):
    """A worker that died while sending leaves the notification 'sending': after a few
    minutes the alarm says it is not confirmed, not that it is being sent."""
    _submit(staff_client, example("V01", **EMERGENCY), mrn="MRN-7009")
    intake = Intake.objects.get(patient__mrn="MRN-7009")
    stuck = EmergencyNotification.objects.filter(intake=intake)
    stuck.update(status=NotificationStatus.SENDING, sent_at=None)
    page = reverse("intake:intake_detail", args=[intake.uuid])
    assert "is being sent" in staff_client.get(page).content.decode()
    stuck.update(created_at=timezone.now() - timedelta(minutes=6))
    html = staff_client.get(page).content.decode()
    assert "The email to the on-call team is not confirmed" in html
    assert "is being sent" not in html


def test_a_result_without_urgency_has_no_alarm(staff_client, on_call):
    html = _submit(staff_client, example("V01")).content.decode()
    assert 'id="alarm"' not in html


def test_a_mail_server_failure_is_retried_then_shown_and_never_loses_the_screening(
    staff_client, on_call, monkeypatch, admin_client
):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    html = _submit(staff_client, example("V01", **EMERGENCY)).content.decode()
    intake = Intake.objects.get()
    assert intake.current_screening.urgency == "emergency"  # the screening is kept
    notification = EmergencyNotification.objects.get()
    assert notification.status == NotificationStatus.FAILED
    assert notification.attempts == oncall.MAX_ATTEMPTS
    assert "SMTPServerDisconnected" in notification.last_error
    assert "The email to the on-call team failed" in html
    assert not AccessEvent.objects.filter(action="notified").exists()
    # Shown to editors, who send it again once the server is back.
    listing = admin_client.get(reverse("admin:oncall_emergencynotification_changelist"))
    assert "Failed" in listing.content.decode()
    monkeypatch.undo()
    admin_client.post(
        reverse("admin:oncall_emergencynotification_changelist"),
        {"action": "send_again", "_selected_action": [notification.pk]},
    )
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1


def test_a_failure_then_success_is_sent_on_the_next_try(staff_client, on_call, monkeypatch):
    original = mail.EmailMessage.send
    calls = []

    def flaky(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise OSError("Network is unreachable")
        return original(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", flaky)
    _submit(staff_client, example("V01", **EMERGENCY))
    notification = EmergencyNotification.objects.get()
    assert (notification.status, notification.attempts) == (NotificationStatus.SENT, 2)
    assert len(mail.outbox) == 1


def test_a_duplicate_delivery_of_the_task_sends_nothing_more(staff_client, on_call):
    _submit(staff_client, example("V01", **EMERGENCY))
    notification = EmergencyNotification.objects.get()
    assert oncall.send(notification.pk) == "not waiting"
    assert len(mail.outbox) == 1


def test_editors_see_notifications_and_the_on_call_fields_of_the_clinic(editor_client, on_call):
    assert (
        editor_client.get(reverse("admin:oncall_emergencynotification_changelist")).status_code
        == 200
    )
    page = editor_client.get(reverse("admin:documents_clinicdetails_change", args=[on_call.pk]))
    html = page.content.decode()
    assert 'name="on_call_phone"' in html and 'name="on_call_email"' in html
    history = editor_client.get(reverse("admin:documents_clinicdetails_history", args=[on_call.pk]))
    assert history.status_code == 200


def test_the_letter_does_not_carry_the_on_call_details(staff_client, on_call):
    _submit(staff_client, example("V01", **EMERGENCY))
    intake = Intake.objects.get()
    html = staff_client.get(reverse("documents:letter_print", args=[intake.uuid])).content
    assert b"020 7946 0999" not in html and b"oncall@clinic.example" not in html


# -- with the database task backend and its worker (as `make run` and a deployment) ----------


@pytest.fixture
def database_tasks(settings, migration_data):
    """The worker closes its database connections as it goes: committed data (a
    transactional test), as for a real worker."""
    settings.AMPS_TASKS_BACKEND = "database"
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def _run_worker():
    from django.core.management import call_command

    call_command("db_worker", "--batch", "--no-startup-delay", verbosity=0)


def test_the_worker_sends_the_email_the_request_only_queued(database_tasks, staff_client, on_call):
    html = _submit(staff_client, example("V01", **EMERGENCY)).content.decode()
    notification = EmergencyNotification.objects.get()
    assert notification.status == NotificationStatus.QUEUED and mail.outbox == []
    assert "An email to the on-call team is being sent" in html
    _run_worker()
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.SENT
    assert len(mail.outbox) == 1
    _run_worker()  # nothing left to do: never a second email
    assert len(mail.outbox) == 1


def test_a_failed_send_waits_before_it_is_tried_again(
    database_tasks, staff_client, on_call, monkeypatch
):
    from django_tasks_db.models import DBTaskResult

    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    _submit(staff_client, example("V01", **EMERGENCY))
    monkeypatch.setattr("django.core.mail.EmailMessage.send", refuse)
    _run_worker()
    notification = EmergencyNotification.objects.get()
    assert (notification.status, notification.attempts) == (NotificationStatus.RETRYING, 1)
    waiting = DBTaskResult.objects.filter(status="READY").get()
    assert (waiting.run_after - timezone.now()).total_seconds() > 50  # about a minute
    html = staff_client.get(reverse("intake:intake_detail", args=[notification.intake.uuid]))
    assert "it is tried again automatically" in html.content.decode()


def test_the_access_log_lists_who_was_notified_and_when(staff_client, on_call, admin_client):
    _submit(staff_client, example("V01", **EMERGENCY))
    html = admin_client.get(reverse("admin:audit_accessevent_changelist")).content.decode()
    assert "Sent to the on-call team" in html
    assert "emergency email to oncall@clinic.example" in html
    assert "the system (On-call email)" in html


def test_no_alarm_once_the_case_is_no_longer_waiting(staff_client, on_call):
    _submit(staff_client, example("V01", **EMERGENCY))
    intake = Intake.objects.get()
    page = reverse("intake:intake_detail", args=[intake.uuid])
    assert 'id="alarm"' in staff_client.get(page).content.decode()
    Intake.objects.filter(pk=intake.pk).update(status="historic")
    assert 'id="alarm"' not in staff_client.get(page).content.decode()
