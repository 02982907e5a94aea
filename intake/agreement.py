"""How often reviewers agree with the criteria: figures only, never a patient.

The figures are worked out by the database (GROUP BY over the reviews of a time window; no
review row comes into Python) on their own page, never on the review queue, and kept in the
shared cache (Django's configured cache: the database table or Redis, so every worker sees
one entry) under a key that names the newest review and the window. A signature makes a new
key, so the figures are computed once per signature (and window) by whoever asks first, and
reading them otherwise costs one index lookup (the newest review's id) and one cache read.

Why not counters kept in the signature's transaction: the window slides, so counters would
have to be kept per day and per criterion, back-filled for every past review, and every
signature would update the same few rows (one lock that all signatures wait on), for a page
a reviewer opens now and then. The aggregate over one window costs the database a few tens
of milliseconds at 90,000 reviews, once per signature.
"""

import datetime as dt

from django import forms
from django.core.cache import cache
from django.db import connection, models
from django.db.models import Count, Max, Q
from django.utils import timezone

from intake.charts import agreement_chart
from intake.models import Criterion, Decision, OverrideReason, Review, Screening

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
CACHE_SECONDS = 24 * 3600


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
    """The figures of the reviews signed in the window (see the module's docstring for the
    cache), with the chart of the rate per criteria set version."""
    since = window_start(months)
    newest = Review.objects.aggregate(newest=Max("pk"))["newest"] or 0
    key = f"agreement-figures:1:{since.isoformat() if since else 'all'}:{newest}"
    figures = cache.get(key)
    if figures is None:
        reviews = Review.objects.all()
        if since is not None:
            reviews = reviews.filter(signed_at__gte=since)
        figures = {
            "agreement_by_version": by_version(reviews),
            "agreement_by_criterion": by_criterion(since),
            "override_reasons": override_reasons(reviews),
        }
        cache.set(key, figures, CACHE_SECONDS)
    return {
        **figures,
        "agreement_since": since,
        "agreement_chart": agreement_chart(figures["agreement_by_version"]),
        "min_reviews_for_rate": MIN_REVIEWS_FOR_RATE,
    }


def by_version(reviews) -> list[dict]:
    """Signed reviews per criteria set version: total, agreed, and the rate (None under
    MIN_REVIEWS_FOR_RATE)."""
    rows = (
        reviews.values("screening__criteria_set__version")
        .annotate(total=Count("pk"), agreed=Count("pk", filter=Q(decision=Decision.AGREE)))
        .order_by("screening__criteria_set__version")
    )
    return [
        {
            "version": row["screening__criteria_set__version"],
            "total": row["total"],
            "agreed": row["agreed"],
            "rate": _rate(row["total"], row["agreed"]),
        }
        for row in rows
    ]


def by_criterion(since: dt.datetime | None) -> list[dict]:
    """Signed reviews per matched red flag or pathway code: its name (as the newest set that
    has the code calls it), total, agreed, rate; by name. The codes are a JSON list on each
    screening: the database unnests them and counts per code."""
    names = dict(Criterion.objects.order_by("criteria_set__version").values_list("code", "name"))
    totals = _counts_per_code(since)
    rows = [
        {
            "code": code,
            "name": names.get(code, code),
            "total": total,
            "agreed": agreed,
            "rate": _rate(total, agreed),
        }
        for code, (total, agreed) in totals.items()
    ]
    return sorted(rows, key=lambda row: (row["name"].lower(), row["code"]))


def _counts_per_code(since: dt.datetime | None) -> dict[str, tuple[int, int]]:
    review, screening = Review._meta, Screening._meta
    where = f"WHERE r.{review.get_field('signed_at').column} >= %s" if since else ""
    joined = (
        f"{review.db_table} r JOIN {screening.db_table} s "
        f"ON s.{screening.pk.column} = r.{review.get_field('screening').column}"
    )
    agree = f"r.{review.get_field('decision').column} = %s"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT code, COUNT(*), COUNT(*) FILTER (WHERE {agree}) FROM {joined} "  # noqa: S608
            "CROSS JOIN LATERAL jsonb_array_elements_text(s.red_flags || s.pathways) AS code "
            f"{where} GROUP BY code"
        )
        params = [Decision.AGREE, *([since] if since else [])]
    else:  # SQLite: json_each over each list (a code is a red flag or a pathway, never both)
        part = (
            f"SELECT j.value AS code, COUNT(*) AS total, SUM({agree}) AS agreed "  # noqa: S608
            f"FROM {joined}, json_each(s.{{column}}) j {where} GROUP BY j.value"
        )
        sql = " UNION ALL ".join(part.format(column=c) for c in ("red_flags", "pathways"))
        params = [Decision.AGREE, *([since] if since else [])] * 2
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # every value a parameter; names from the models
        return {code: (total, agreed or 0) for code, total, agreed in cursor.fetchall()}


def override_reasons(reviews) -> list[dict]:
    labels = dict(OverrideReason.choices)
    rows = (
        reviews.filter(decision=Decision.OVERRIDE)
        .values("override_reason")
        .annotate(count=models.Count("pk"))
        .order_by("-count", "override_reason")
    )
    return [
        {"reason": labels.get(r["override_reason"], r["override_reason"]), "count": r["count"]}
        for r in rows
    ]
