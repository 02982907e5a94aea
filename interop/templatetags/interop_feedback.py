"""The CDS Hooks feedback counts shown beside the reviewers' agreement figures."""

from django import template
from django.db.models import Count, Q

from interop.models import CdsCard, FeedbackOutcome

register = template.Library()


@register.inclusion_tag("interop/_cds_feedback_counts.html")
def cds_feedback_counts() -> dict:
    """Per criteria set version: cards returned to EHRs, and how many were accepted or
    overridden there (a card with several feedback items counts once per outcome)."""
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
    return {"rows": list(rows)}
