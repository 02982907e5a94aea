"""How often reviewers agree with the criteria: figures only, never a patient.

The figures are sums of counters (intake.models.AgreementCount): per day, criteria set version
and matched code or override reason, how many reviews were signed and how many agreed. The
review service adds each signature to them in the signature's own transaction. The page sums
the counters of the window's days (`day >=` its first day: the window starts at midnight in
the clinic's time zone and a counter's day is the signature's day there, so these are exactly
the reviews signed since the window's start). No review is read: the page costs the same at
a hundred reviews or a hundred thousand. What it does read grows with the days of the window
times the keys counted on each (the version, each code that matched that day, each reason
given: a few tens of rows per clinic day), some tens of thousands of small rows for 24 months.

Nothing is cached. The cache these figures had (keyed by the newest review, because they were
a GROUP BY over every review of the window) went stale with every signature, so under steady
signing every page paid for the whole window; the sums are cheap enough to work out for each
request, and they are never stale.

What the counters cost: each signature makes its rows if they are missing and adds to them
(three statements, the last before its commit); signatures of one day and version take their
turn on that version's row for the length of the last update and the commit, milliseconds,
where a clinic signs one every few seconds. Reviews are never deleted nor changed once signed,
so the counters only go up; `manage.py recount_agreement` rebuilds them from the reviews.
"""

import datetime as dt

from django import forms
from django.db.models import Sum
from django.utils import timezone

from intake.charts import agreement_chart
from intake.models import (
    AgreementCount,
    AgreementKind,
    CriteriaSetStatus,
    Criterion,
    OverrideReason,
)

#: Fewer signed reviews than this give no rate: "n = 9, too few for a rate".
MIN_REVIEWS_FOR_RATE = 20
DEFAULT_MONTHS = 12
WINDOW_CHOICES = [
    ("3", "Last 3 months"),
    ("6", "Last 6 months"),
    ("12", "Last 12 months"),
    ("24", "Last 24 months"),
    ("all", "All signed reviews"),
]


class AgreementWindowForm(forms.Form):
    """The time window of the figures (in the URL: it holds no patient data)."""

    window = forms.ChoiceField(
        label="Signed in", choices=WINDOW_CHOICES, required=False, initial=str(DEFAULT_MONTHS)
    )

    def months(self) -> int | None:
        """Months back from today, None for every signed review; 12 when not chosen (or
        not valid: the form then says why beside the field)."""
        value = self.cleaned_data.get("window") if self.is_valid() else ""
        if value == "all":
            return None
        return int(value) if value else DEFAULT_MONTHS


def window_start(months: int | None, today: dt.date | None = None) -> dt.datetime | None:
    """The start of the window: the same day `months` calendar months ago (the last day of
    that month when it is shorter), at midnight in the clinic's time zone."""
    if months is None:
        return None
    today = today or timezone.localdate()
    month_index = today.year * 12 + today.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    next_month = dt.date(year + month // 12, month % 12 + 1, 1)
    day = min(today.day, (next_month - dt.timedelta(days=1)).day)
    return timezone.make_aware(dt.datetime.combine(dt.date(year, month, day), dt.time()))


def _rate(total: int, agreed: int) -> float | None:
    return agreed / total if total >= MIN_REVIEWS_FOR_RATE else None


def agreement_figures(months: int | None = DEFAULT_MONTHS) -> dict:
    """The figures of the reviews signed in the window, with the chart of the rate per
    criteria set version."""
    since = window_start(months)
    counts = AgreementCount.objects.all()
    if since is not None:
        counts = counts.filter(day__gte=since.date())
    versions = by_version(counts)
    return {
        "agreement_by_version": versions,
        "agreement_by_criterion": by_criterion(counts),
        "override_reasons": override_reasons(counts),
        "agreement_since": since,
        "agreement_chart": agreement_chart(versions),
        "min_reviews_for_rate": MIN_REVIEWS_FOR_RATE,
    }


def _sums(counts, kind: str, group_by: str):
    return (
        counts.filter(kind=kind)
        .values(group_by)
        .annotate(sum_total=Sum("total"), sum_agreed=Sum("agreed"))
    )


def by_version(counts) -> list[dict]:
    """Signed reviews per criteria set version: total, agreed, and the rate (None under
    MIN_REVIEWS_FOR_RATE)."""
    rows = _sums(counts, AgreementKind.VERSION, "version").order_by("version")
    return [
        {
            "version": row["version"],
            "total": row["sum_total"],
            "agreed": row["sum_agreed"],
            "rate": _rate(row["sum_total"], row["sum_agreed"]),
        }
        for row in rows
    ]


def by_criterion(counts) -> list[dict]:
    """Signed reviews per matched red flag or pathway code, over every version: its name (as
    the newest set that has the code calls it), total, agreed, rate; by name."""
    # A draft's new wording is not shown before it is published.
    named = Criterion.objects.exclude(criteria_set__status=CriteriaSetStatus.DRAFT)
    names = dict(named.order_by("criteria_set__version").values_list("code", "name"))
    rows = [
        {
            "code": row["key"],
            "name": names.get(row["key"], row["key"]),
            "total": row["sum_total"],
            "agreed": row["sum_agreed"],
            "rate": _rate(row["sum_total"], row["sum_agreed"]),
        }
        for row in _sums(counts, AgreementKind.CODE, "key")
    ]
    return sorted(rows, key=lambda row: (row["name"].lower(), row["code"]))


def override_reasons(counts) -> list[dict]:
    """Overrides per reason, over every version, the most frequent first."""
    labels = dict(OverrideReason.choices)
    rows = _sums(counts, AgreementKind.OVERRIDE_REASON, "key").order_by("-sum_total", "key")
    return [
        {"reason": labels.get(row["key"], row["key"]), "count": row["sum_total"]} for row in rows
    ]
