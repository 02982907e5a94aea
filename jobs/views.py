"""A job's progress, as JSON for the progress bar and as a page (without JavaScript a refresh
shows it); retrying a failed job. Only the user who started a job, or one who may follow
every job, sees it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from jobs import services
from jobs.models import Job, JobStatus


def _job_for(request: HttpRequest, job_id) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    if not job.may_follow(request.user):
        raise PermissionDenied
    if job.status == JobStatus.RUNNING:
        # A worker that died leaves its job 'running': whoever looks next takes it back.
        services.recover_stalled_jobs(job_ids=[job.pk])
        job.refresh_from_db()
    return job


@require_GET
def job_progress(request: HttpRequest, job_id) -> JsonResponse:
    """The counts, times and state of a job: no patient data, no result."""
    job = _job_for(request, job_id)
    return JsonResponse(progress_of(job))


def progress_of(job: Job) -> dict:
    elapsed, remaining = job.elapsed_seconds(), job.remaining_seconds()
    return {
        "id": str(job.pk),
        "kind": job.kind,
        "status": job.status,
        "status_label": job.get_status_display(),
        "finished": job.is_finished,
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "elapsed_seconds": round(elapsed, 1) if elapsed is not None else None,
        "remaining_seconds": round(remaining, 1) if remaining is not None else None,
        "text": job.progress_text(),
        "attempts": job.attempts,
        "error": job.error if job.status == JobStatus.FAILED else "",
        "retry_url": reverse("jobs:retry", args=[job.pk])
        if job.status == JobStatus.FAILED
        else None,
    }


@require_GET
def job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_for(request, job_id)
    return render(request, "jobs/job_detail.html", {"job": job, "next": request.path})


@require_POST
def job_retry(request: HttpRequest, job_id) -> HttpResponse:
    job = _job_for(request, job_id)
    try:
        services.retry_job(job=job)
    except services.NotRetryable as refusal:
        messages.info(request, str(refusal))
    else:
        messages.success(request, f"{job.purpose}: started again.")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("jobs:detail", args=[job.pk])
    return redirect(target)
