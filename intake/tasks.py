"""Background tasks of the clinical core (Django's Tasks framework, run by a worker under a
jobs.Job that records their progress): the impact preview of a draft, and re-screening a
patient's unsigned intakes."""

from django.contrib.auth import get_user_model
from django.db import transaction

from intake import services
from intake.models import CriteriaSet, Intake, IntakeStatus, Patient
from jobs.models import Job, JobStatus
from jobs.services import JobError, job_task, start_job

IMPACT_PREVIEW = "impact_preview"
RESCREEN = "rescreen_patient_intakes"


@job_task
def preview_impact_job(progress, *, draft_id: int, impact_key: str) -> dict:
    """The impact of a draft on every past intake (services.preview_impact), as JSON."""
    draft = CriteriaSet.objects.filter(pk=draft_id).first()
    if draft is None:
        raise JobError("The draft no longer exists.")
    try:
        impact = services.preview_impact(draft=draft, progress=progress, key=impact_key)
    except services.ImpactKeyChanged as changed:
        raise JobError(str(changed)) from None
    return impact.as_json()


def impact_preview_job(*, draft: CriteriaSet, user, key: str | None = None) -> Job:
    """The impact preview of the draft as it is now: the one already started or finished for
    this content (a failed one too, to show its error and offer a retry), else a new one.
    `key` is the draft's impact_key when the caller has worked it out already."""
    key = key or services.impact_key(draft=draft)
    job = Job.objects.filter(kind=IMPACT_PREVIEW, key=key).order_by("-created_at").first()
    if job is not None:
        return job
    return start_job(
        task=preview_impact_job,
        user=user,
        kind=IMPACT_PREVIEW,
        purpose=f"Impact preview of version {draft.version}",
        key=key,
        draft_id=draft.pk,
        impact_key=key,
    )


def finished_impact(*, draft: CriteriaSet, key: str | None = None) -> services.Impact | None:
    """The impact worked out for the draft exactly as it is now (its impact_key: `key` when the
    caller has worked it out already), or None."""
    key = key or services.impact_key(draft=draft)
    job = (
        Job.objects.filter(kind=IMPACT_PREVIEW, key=key, status=JobStatus.SUCCEEDED)
        .order_by("-finished_at")
        .first()
    )
    return services.Impact.from_json(job.result) if job is not None else None


@job_task
def rescreen_patient_intakes(progress, *, patient_uuid: str, user_id: int | None = None) -> dict:
    """services.rescreen_patient_intakes as a background task (for a script or the shell; an
    identity correction re-screens in its own transaction): every submitted, unsigned intake
    of the patient screened again with the published set. Returns how many were screened."""
    patient = Patient.objects.filter(uuid=patient_uuid).first()
    if patient is None:
        raise JobError("The patient no longer exists.")
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    progress.set_total(
        Intake.objects.filter(patient=patient, status=IntakeStatus.SUBMITTED).count()
    )
    with transaction.atomic():
        screenings = services.rescreen_patient_intakes(patient=patient, user=user)
    progress.advance(len(screenings))
    return {"screened": len(screenings)}


def start_rescreen(*, patient: Patient, user) -> Job:
    """Queue the re-screening of a patient's unsigned intakes (no name in the job's purpose)."""
    return start_job(
        task=rescreen_patient_intakes,
        user=user,
        kind=RESCREEN,
        purpose="Re-screening a patient's unsigned intakes",
        patient_uuid=str(patient.uuid),
        user_id=user.pk if user is not None else None,
    )
