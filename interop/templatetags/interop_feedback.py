"""The CDS Hooks feedback counts shown beside the reviewers' agreement figures."""

from django import template
from django.core.cache import cache
from django.db.models import Count, Q

from interop.models import CdsCard, FeedbackOutcome

register = template.Library()

# The counts read every card ever returned (a card per EHR chart opening): worked out at most
# once a minute, in the shared cache, rather than on every load of the review queue.
CACHE_KEY = "cds-feedback-counts"
CACHE_SECONDS = 60


@register.inclusion_tag("interop/_cds_feedback_counts.html")
def cds_feedback_counts() -> dict:
    """Per criteria set version: cards returned to EHRs, and how many were accepted or
    overridden there (a card with several feedback items counts once per outcome); at most a
    minute old."""
    rows = cache.get(CACHE_KEY)
    if rows is None:
        rows = _counts()
        cache.set(CACHE_KEY, rows, CACHE_SECONDS)
    return {"rows": rows}


def _counts() -> list[dict]:
    rows = (
        CdsCard.objects.values("criteria_version")
        .annotate(
            cards=Count("pk", distinct=True),
            accepted=Count(
                "feedback__card",
                filter=Q(feedback__outcome=FeedbackOutcome.ACCEPTED),
                distinct=True,
            ),
            overridden=Count(
                "feedback__card",
                filter=Q(feedback__outcome=FeedbackOutcome.OVERRIDDEN),
                distinct=True,
            ),
        )
        .order_by("criteria_version")
    )
    return list(rows)
