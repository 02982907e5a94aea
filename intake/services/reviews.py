"""Reviews: the signature that locks a case, and addenda to a signed case."""

from django.db import IntegrityError, transaction
from django.utils import timezone

from intake.models import (
    Addendum,
    Intake,
    IntakeStatus,
    Review,
    Screening,
)
from intake.rules import review as review_rules


class AlreadySigned(Exception):
    """The case was signed already (perhaps a moment ago, by someone else)."""

    def __init__(self, review: Review):
        reviewer = review.reviewer.get_full_name() or review.reviewer.get_username()
        when = timezone.localtime(review.signed_at).strftime("%d %b %Y %H:%M")
        super().__init__(f"Already signed by {reviewer} at {when}; nothing was changed.")
        self.review = review


class NotReviewable(Exception):
    """The screening is not the one awaiting review (a draft, or re-screened since)."""


def record_review(
    *,
    screening: Screening,
    reviewer,
    decision: str,
    disposition: str,
    override_reason: str = "",
    comment: str = "",
    note: str = "",
) -> Review:
    """Sign a review of a screening and lock its intake, in one transaction.

    The intake row is locked first, so two reviewers signing at once are serialised: the
    second is refused with AlreadySigned and nothing is overwritten. The one-review-per-intake
    constraint guards the same rule where row locks do not exist (SQLite).
    Raises NotReviewable when the intake is not submitted or was re-screened since, or when
    the disposition contradicts the decision (the review rules: the form says so first)."""
    problem = review_rules.disposition_problem(decision, screening.outcome, disposition)
    if problem:
        raise NotReviewable(problem)
    try:
        with transaction.atomic():
            intake = Intake.objects.select_for_update().get(pk=screening.intake_id)
            existing = Review.objects.select_related("reviewer").filter(intake=intake).first()
            if existing is not None:
                raise AlreadySigned(existing)
            if intake.status != IntakeStatus.SUBMITTED:
                raise NotReviewable("Only a submitted intake can be reviewed.")
            if intake.current_screening_id != screening.uuid:
                raise NotReviewable(
                    "The intake was screened again since this page was opened; review the "
                    "latest screening."
                )
            review = Review.objects.create(
                intake=intake,
                screening=screening,
                reviewer=reviewer,
                decision=decision,
                override_reason=override_reason if decision == "override" else "",
                comment=comment,
                disposition=disposition,
                note=note,
            )
            intake.status = IntakeStatus.SIGNED
            intake.save(update_fields=["status", "updated_at"])
            return review
    except IntegrityError:
        existing = Review.objects.select_related("reviewer").filter(intake_id=screening.intake_id)
        if existing.exists():
            raise AlreadySigned(existing.get()) from None
        raise


def add_addendum(*, intake: Intake, author, text: str) -> Addendum:
    """Add a note to an intake; a signed intake's own record stays as it was signed."""
    return Addendum.objects.create(intake=intake, author=author, text=text)
