"""The CDS Hooks feedback counts shown beside the reviewers' agreement figures."""

from django import template
from django.db.models import Count, Q

from interop.models import CdsCard, FeedbackOutcome

register = template.Library()


@register.inclusion_tag("interop/_cds_feedback_counts.html")
def cds_feedback_counts(since=None) -> dict:
    """Per criteria set version: cards returned to EHRs (since the given time, when given),
    and how many were accepted or overridden there (a card with several feedback items counts
    once per outcome). One GROUP BY in the database, on the agreement page only."""
    cards = CdsCard.objects.all()
    if since is not None:
        cards = cards.filter(created_at__gte=since)
    rows = (
        cards.values("criteria_version")
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
    return {"rows": list(rows)}
