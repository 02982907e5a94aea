"""The CDS Hooks feedback counts shown beside the reviewers' agreement figures."""

from django import template

from interop.cds.counts import feedback_counts

register = template.Library()


@register.inclusion_tag("interop/_cds_feedback_counts.html")
def cds_feedback_counts(since=None) -> dict:
    """Per criteria set version: cards returned to EHRs (since the given time, when given),
    and how many were accepted or overridden there (a card with several feedback items counts
    once per outcome). Sums of counters per day (interop.cds.counts), on the agreement page
    only."""
    return {"rows": feedback_counts(since)}
