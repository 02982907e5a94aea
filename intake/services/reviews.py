"""Reviews: the signature that locks a case, and addenda to a signed case."""

import datetime as dt
import functools
import operator

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from intake.models import (
    Addendum,
    AgreementCount,
    AgreementKind,
    Decision,
    Intake,
    IntakeStatus,
    Review,
    Screening,
    agreement_keys,
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
    constraint guards the same rule where row locks do not exist (SQLite). The review is
    added to the agreement counters last, in the same transaction (see _count_signature).
    Raises NotReviewable when the intake is not submitted or was re-screened since, or when
    the disposition contradicts the decision (the review rules: the form says so first)."""
    problem = review_rules.disposition_problem(decision, screening.outcome, disposition)
    if problem:
        raise NotReviewable(problem)
    version = screening.criteria_set.version  # read before any lock is taken
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
            _count_signature(
                review, version=version, codes=screening.red_flags + screening.pathways
            )
            return review
    except IntegrityError:
        existing = Review.objects.select_related("reviewer").filter(intake_id=screening.intake_id)
        if existing.exists():
            raise AlreadySigned(existing.get()) from None
        raise


def _count_signature(review: Review, *, version: int, codes: list[str]) -> None:
    """Add a signed review to the agreement counters of its day: three statements, the last
    work before the commit.

    The rows are made first if missing (INSERT ... ON CONFLICT DO NOTHING on PostgreSQL,
    INSERT OR IGNORE on SQLite: a row made by a concurrent signature is waited for, not made
    twice), then incremented in the database (total + 1, agreed + 1 when agreeing), so no
    count is read into Python and none is lost. Django's upsert (update_conflicts) can only
    overwrite a value, not add to it. The version's row is incremented on its own first: every
    signature of a day and version locks it, so they take the code and reason rows one after
    another and cannot deadlock over them (the rows are made in one fixed order for the same
    reason). The wait is the length of the last update and the commit."""
    day: dt.date = timezone.localdate(review.signed_at)
    keys = agreement_keys(
        decision=review.decision, override_reason=review.override_reason, codes=codes
    )
    AgreementCount.objects.bulk_create(
        [AgreementCount(day=day, version=version, kind=kind, key=key) for kind, key in keys],
        ignore_conflicts=True,
    )
    rows = AgreementCount.objects.filter(day=day, version=version)
    added = {
        "total": F("total") + 1,
        "agreed": F("agreed") + int(review.decision == Decision.AGREE),
    }
    rows.filter(kind=AgreementKind.VERSION, key="").update(**added)
    others = [Q(kind=kind, key=key) for kind, key in keys if kind != AgreementKind.VERSION]
    if others:
        rows.filter(functools.reduce(operator.or_, others)).update(**added)


def add_addendum(*, intake: Intake, author, text: str) -> Addendum:
    """Add a note to an intake; a signed intake's own record stays as it was signed."""
    return Addendum.objects.create(intake=intake, author=author, text=text)
