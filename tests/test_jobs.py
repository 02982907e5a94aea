"""Background jobs: the progress record, its JSON endpoint and page, failures and retry,
recovery of a job whose worker died, and the tasks of the clinical core."""

import json
import uuid
from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from intake import services, tasks
from intake.models import IntakeStatus, Screening
from jobs import services as job_services
from jobs.models import Job, JobStatus
from tests import job_tasks
from tests.factories import IntakeFactory, PatientFactory


def progress_url(job) -> str:
    return reverse("jobs:progress", args=[job.pk])


def start(user, task=job_tasks.count_slowly, **arguments) -> Job:
    return job_services.start_job(
        task=task, user=user, kind="test", purpose="Counting", **arguments
    )


# -- running a job ----------------------------------------------------------------------------


def test_a_job_records_its_progress_result_and_times(alice):
    job = start(alice, total=5)
    assert job.status == JobStatus.SUCCEEDED
    assert (job.done, job.total, job.percent) == (5, 5, 100)
    assert job.result == {"counted": 5}
    assert job.attempts == 1
    assert job.started_by == alice
    assert job.started_at <= job.finished_at
    assert job.task_result_id


def test_a_failure_in_words_is_kept_for_the_page(alice):
    job = start(alice, task=job_tasks.fail_in_words, words="The draft no longer exists.")
    assert job.status == JobStatus.FAILED
    assert job.error == "The draft no longer exists."


def test_an_unexpected_failure_names_only_the_exception_class(alice):
    job = start(alice, task=job_tasks.fail_unexpectedly, secret="MRN-12345 Jane Doe")
    assert job.status == JobStatus.FAILED
    assert "ValueError" in job.error
    assert "MRN-12345" not in job.error


def test_progress_is_written_first_at_once_then_at_most_once_per_interval(alice):
    job = Job.objects.create(kind="test", purpose="x", task_path="x")
    progress = job_services.Progress(job, interval=3600)
    progress.set_total(10)
    progress.advance(2)
    job.refresh_from_db()
    assert (job.done, job.total) == (2, 10)  # the first count: the bar starts moving
    progress.advance(2)
    job.refresh_from_db()
    assert job.done == 2  # not written again within the interval
    progress.interval = 0
    progress.advance(1)
    job.refresh_from_db()
    assert job.done == 5


# -- the progress endpoint --------------------------------------------------------------------


def test_the_starter_follows_a_job_as_json(staff_client, alice):
    job = start(alice, total=3)
    response = staff_client.get(progress_url(job))
    assert response.status_code == 200
    state = response.json()
    assert state["status"] == "succeeded" and state["finished"] is True
    assert (state["done"], state["total"], state["percent"]) == (3, 3, 100)
    assert state["elapsed_seconds"] is not None
    assert "result" not in state  # the result is for the page, never in the endpoint


def test_the_endpoint_of_a_running_job_estimates_the_time_left(staff_client, alice):
    now = timezone.now()
    job = Job.objects.create(
        kind="test",
        purpose="x",
        task_path="x",
        started_by=alice,
        status=JobStatus.RUNNING,
        done=25,
        total=100,
        started_at=now - timedelta(seconds=10),
        heartbeat_at=now,
    )
    state = staff_client.get(progress_url(job)).json()
    assert state["percent"] == 25
    assert state["remaining_seconds"] == pytest.approx(30, abs=2)


def test_the_page_and_the_endpoint_word_the_progress_alike(staff_client, alice):
    """One wording (Job.progress_text): the page draws it, the script shows the endpoint's."""
    now = timezone.now()
    job = Job.objects.create(
        kind="test",
        purpose="x",
        task_path="x",
        started_by=alice,
        status=JobStatus.RUNNING,
        done=1200,
        total=5000,
        started_at=now - timedelta(seconds=120),
        heartbeat_at=now,
    )
    text = job.progress_text(now=now)
    assert text == "Running: 1,200 of 5,000 (24%), 2 min so far, about 6 min left."
    assert staff_client.get(progress_url(job)).json()["text"].startswith("Running: 1,200 of 5,000")
    page = staff_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Running: 1,200 of 5,000 (24%), 2 min so far" in page


def test_the_endpoint_carries_no_patient_data(staff_client, alice):
    patient = PatientFactory(given_name="Zebedee", family_name="Quartermain", mrn="MRN-77777")
    IntakeFactory(patient=patient)
    job = tasks.start_rescreen(patient=patient, user=alice)
    body = staff_client.get(progress_url(job)).content.decode()
    for private in ("Zebedee", "Quartermain", "MRN-77777", str(patient.uuid)):
        assert private not in body


def test_the_endpoint_needs_a_login(client, alice):
    job = start(alice, total=1)
    response = client.get(progress_url(job))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_someone_else_cannot_follow_a_job(rheum_client, alice):
    job = start(alice, total=1)
    assert rheum_client.get(progress_url(job)).status_code == 403
    assert rheum_client.get(reverse("jobs:detail", args=[job.pk])).status_code == 403


def test_the_permission_to_follow_every_job_lets_another_user_follow_it(rheum_client, alice, bob):
    job = start(alice, total=1)
    bob.user_permissions.add(Permission.objects.get(codename="view_every_job"))
    assert rheum_client.get(progress_url(job)).status_code == 200


def test_an_unknown_job_is_404(staff_client):
    assert staff_client.get(reverse("jobs:progress", args=[uuid.uuid4()])).status_code == 404


def test_the_endpoint_answers_only_get(staff_client, alice):
    job = start(alice, total=1)
    assert staff_client.post(progress_url(job)).status_code == 405


# -- the page, failure and retry --------------------------------------------------------------


def test_the_job_page_shows_the_progress_without_javascript(staff_client, alice):
    job = Job.objects.create(
        kind="test",
        purpose="Counting",
        task_path="x",
        started_by=alice,
        status=JobStatus.RUNNING,
        done=40,
        total=160,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
    )
    html = staff_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert '<progress id="job-progress-bar" max="160" value="40">25%</progress>' in html
    assert "40 of 160 (25%)" in html
    assert "jobs/progress.js" in html
    assert "<script>" not in html  # nothing inline (strict CSP)


def test_a_failed_job_says_what_failed_and_its_retry_runs_it_again(staff_client, alice):
    job = start(alice, task=job_tasks.fail_in_words, words="Nothing to count.")
    page = staff_client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Counting failed." in page and "Nothing to count." in page
    assert reverse("jobs:retry", args=[job.pk]) in page
    state = staff_client.get(progress_url(job)).json()
    assert state["error"] == "Nothing to count."
    assert state["retry_url"] == reverse("jobs:retry", args=[job.pk])

    # The same job's task is queued again (and fails again: the words have not changed).
    Job.objects.filter(pk=job.pk).update(
        task_path="tests.job_tasks.count_slowly", arguments={"total": 2}
    )
    response = staff_client.post(reverse("jobs:retry", args=[job.pk]), {"next": "/intakes/"})
    assert response.status_code == 302 and response["Location"] == "/intakes/"
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.result == {"counted": 2}


def test_retry_refuses_a_job_that_has_not_failed_and_an_outside_next(staff_client, alice):
    job = start(alice, total=1)
    response = staff_client.post(
        reverse("jobs:retry", args=[job.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("jobs:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED


def test_retry_needs_post_and_the_starter(staff_client, rheum_client, alice):
    job = start(alice, task=job_tasks.fail_in_words, words="No.")
    assert staff_client.get(reverse("jobs:retry", args=[job.pk])).status_code == 405
    assert rheum_client.post(reverse("jobs:retry", args=[job.pk])).status_code == 403


# -- a worker that died -------------------------------------------------------------------------


def _stalled(user, attempts: int) -> Job:
    long_ago = timezone.now() - timedelta(hours=1)
    return Job.objects.create(
        kind="test",
        purpose="Counting",
        task_path="tests.job_tasks.count_slowly",
        arguments={"total": 2},
        started_by=user,
        status=JobStatus.RUNNING,
        attempts=attempts,
        started_at=long_ago,
        heartbeat_at=long_ago,
    )


def test_a_job_whose_worker_died_is_run_again_once(alice):
    job = _stalled(alice, attempts=1)
    outcome = job_services.recover_stalled_jobs(stall_seconds=60)
    assert outcome["requeued"] == [job.pk]
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2


def test_a_job_whose_worker_died_twice_is_marked_failed_with_the_reason(staff_client, alice):
    job = _stalled(alice, attempts=2)
    state = staff_client.get(progress_url(job)).json()  # looking at it takes it back
    assert state["status"] == "failed"
    assert "worker running it stopped" in state["error"]
    assert state["retry_url"]


def test_a_running_job_with_fresh_progress_is_left_alone(alice):
    job = _stalled(alice, attempts=1)
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
    assert job_services.recover_stalled_jobs(stall_seconds=60) == {"requeued": [], "failed": []}


def test_recover_jobs_command(alice, capsys):
    from django.core.management import call_command

    _stalled(alice, attempts=2)
    call_command("recover_jobs", "--stall-seconds", "60")
    assert "0 job(s) queued again, 1 failed." in capsys.readouterr().out


# -- re-screening a patient's unsigned intakes ---------------------------------------------------


def test_rescreening_screens_every_submitted_unsigned_intake_of_the_patient(alice):
    patient = PatientFactory()
    submitted = [IntakeFactory(patient=patient) for _ in range(2)]
    signed = IntakeFactory(patient=patient)
    draft = IntakeFactory(patient=patient, status=IntakeStatus.DRAFT)
    for intake in (*submitted, signed):
        services.screen_intake(intake=intake)
    signed.status = IntakeStatus.SIGNED
    signed.save()
    other = IntakeFactory()
    services.screen_intake(intake=other)
    before = {i.pk: Screening.objects.filter(intake=i).count() for i in (*submitted, signed, other)}

    job = tasks.start_rescreen(patient=patient, user=alice)

    assert job.status == JobStatus.SUCCEEDED and job.result == {"screened": 2}
    assert (job.done, job.total) == (2, 2)
    for intake in submitted:
        assert Screening.objects.filter(intake=intake).count() == before[intake.pk] + 1
    assert Screening.objects.filter(intake=signed).count() == before[signed.pk]
    assert Screening.objects.filter(intake=other).count() == before[other.pk]
    assert not Screening.objects.filter(intake=draft).exists()


# -- the impact preview as a job ------------------------------------------------------------------


def test_the_impact_preview_is_kept_with_the_drafts_content_and_an_edit_invalidates_it(carol):
    services.screen_intake(intake=IntakeFactory(example_id="V06"))
    draft = services.new_draft(user=carol)
    first = tasks.impact_preview_job(draft=draft, user=carol)
    assert first.status == JobStatus.SUCCEEDED
    assert tasks.impact_preview_job(draft=draft, user=carol) == first  # not run twice
    assert tasks.finished_impact(draft=draft).total == 1
    assert json.loads(json.dumps(first.result)) == first.result

    draft.criteria.filter(code="rf_morning_stiffness").update(
        expression="morning_stiffness_minutes >= 15"
    )
    assert services.impact_key(draft=draft) != first.key
    assert tasks.finished_impact(draft=draft) is None  # the stored preview no longer matches
    second = tasks.impact_preview_job(draft=draft, user=carol)
    assert second != first and second.status == JobStatus.SUCCEEDED
    assert tasks.finished_impact(draft=draft).transitions[("consider_amps", "refer")] == 1


def test_a_preview_asked_for_an_earlier_content_fails_in_words(carol):
    draft = services.new_draft(user=carol)
    stale_key = services.impact_key(draft=draft)
    draft.criteria.filter(code="rf_fever").update(active=False)
    job = job_services.start_job(
        task=tasks.preview_impact_job,
        user=carol,
        kind=tasks.IMPACT_PREVIEW,
        purpose="Impact preview",
        key=stale_key,
        draft_id=draft.pk,
        impact_key=stale_key,
    )
    assert job.status == JobStatus.FAILED
    assert "changed after this impact preview was asked for" in job.error


def test_publishing_refuses_a_page_that_showed_an_earlier_content(editor_client, carol):
    draft = services.new_draft(user=carol)
    url = reverse("admin:intake_criteriaset_publish", args=[draft.pk])
    shown = editor_client.get(url).context["impact_key"]
    draft.criteria.filter(code="rf_morning_stiffness").update(
        expression="morning_stiffness_minutes >= 15"
    )
    response = editor_client.post(url, {"note": "Stiffness.", "impact_key": shown})
    assert "changed after this page showed its impact" in response.content.decode()
    assert draft.__class__.objects.get(pk=draft.pk).status == "draft"
