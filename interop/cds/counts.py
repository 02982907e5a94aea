"""The CDS Hooks feedback counts beside the agreement figures, at a cost that does not grow
with history.

Per criteria set version: the cards returned to EHRs since the window's start, and how many
of them were accepted, or overridden, in the EHR (a card counts once per outcome, however
many feedback items say it). They are sums of CdsCardDay rows, one per day in the clinic's
time zone and version:

- `accepted` and `overridden` are added to by each feedback request, in its own transaction
  (interop.cds.service.record_feedback), on the card's own day;
- `cards` is written once the day is over (GRACE after its midnight), by
  `count_finished_days`, which the counts run first: one GROUP BY over the cards made since
  the last day counted. A day's cards never change once it is over (a card is made with
  created_at = now), so each day is counted once, and a second roll-up at the same time
  writes the same values. The CDS call itself writes nothing here: it is latency-critical.

The counts then sum the rows of the window's days and count the cards of the day not yet
counted as they are (along the index on created_at: today's, and yesterday's too in the
first minutes of a day), so they cost the same after a week or after years of calls.
"""

import datetime as dt
import functools
import operator
from collections import defaultdict

from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Q, Sum, Value, When
from django.db.models.functions import TruncDate
from django.utils import timezone

from interop.models import CdsCard, CdsCardDay, CdsFeedback, FeedbackOutcome

# A card is made with created_at = now and committed with the rest of its call a moment later:
# a day is counted once it has been over this long, so that no card of it is still to commit.
GRACE = dt.timedelta(minutes=5)
ONE_DAY = dt.timedelta(days=1)


def card_day(moment: dt.datetime) -> dt.date:
    """The day of a moment in the clinic's time zone (settings.TIME_ZONE), whatever time zone
    a request may have activated."""
    return timezone.localdate(moment, timezone.get_default_timezone())


def _start(day: dt.date) -> dt.datetime:
    """Midnight at the start of a day in the clinic's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time()), timezone.get_default_timezone())


def count_new_outcomes(feedback: list[CdsFeedback]) -> None:
    """Add cards given an outcome for the first time (one feedback item each, the caller
    leaves out a card that had that outcome before) to the counts of the card's own day and
    version: three statements, however many cards, in the feedback's transaction.

    The rows are made first if missing (INSERT ... ON CONFLICT DO NOTHING, INSERT OR IGNORE
    on SQLite), in (day, version) order; then locked in that order, so that two requests wait
    for each other rather than deadlock; then incremented in the database, so that no count is
    read into Python and none is lost (Django's upsert can only overwrite a value, not add to
    it)."""
    if not feedback:
        return
    added: dict[tuple[dt.date, int], dict[str, int]] = defaultdict(
        lambda: {FeedbackOutcome.ACCEPTED: 0, FeedbackOutcome.OVERRIDDEN: 0}
    )
    for item in feedback:
        added[card_day(item.card.created_at), item.card.criteria_version][item.outcome] += 1
    keys = sorted(added)
    CdsCardDay.objects.bulk_create(
        [CdsCardDay(day=day, criteria_version=version) for day, version in keys],
        ignore_conflicts=True,
    )
    rows = CdsCardDay.objects.filter(
        functools.reduce(operator.or_, (Q(day=day, criteria_version=v) for day, v in keys))
    )
    locked = rows.select_for_update().order_by("day", "criteria_version")
    pks = {(day, v): pk for pk, day, v in locked.values_list("pk", "day", "criteria_version")}

    def plus(outcome: str) -> Case:
        return Case(
            *(
                When(pk=pks[key], then=Value(counts[outcome]))
                for key, counts in added.items()
                if counts[outcome]
            ),
            default=Value(0),
        )

    CdsCardDay.objects.filter(pk__in=pks.values()).update(
        accepted=F("accepted") + plus(FeedbackOutcome.ACCEPTED),
        overridden=F("overridden") + plus(FeedbackOutcome.OVERRIDDEN),
    )


def count_finished_days(now: dt.datetime | None = None) -> dt.date:
    """Count the cards of every finished day not yet counted into CdsCardDay.cards; return
    the last finished day: every card made before the day after it is in the rows' `cards`.

    One GROUP BY over the cards made after the newest day counted (by local day and version),
    then one upsert of the days found (their `cards` only: `accepted` and `overridden` are
    left to the feedback). A day without a card gets no row, so it is looked at again next
    time, along the index on created_at, which finds nothing there."""
    now = now or timezone.now()
    through = card_day(now - GRACE) - ONE_DAY
    days = CdsCardDay.objects.filter(cards__isnull=False)
    last = days.aggregate(last=Max("day"))["last"]
    if last is not None and last >= through:
        return through
    cards = CdsCard.objects.filter(created_at__lt=_start(through + ONE_DAY))
    if last is not None:
        cards = cards.filter(created_at__gte=_start(last + ONE_DAY))
    counted = (
        cards.annotate(day=TruncDate("created_at", tzinfo=timezone.get_default_timezone()))
        .values_list("day", "criteria_version")
        .annotate(cards=Count("pk"))
        .order_by("day", "criteria_version")
    )
    rows = [CdsCardDay(day=day, criteria_version=version, cards=n) for day, version, n in counted]
    if rows:
        with transaction.atomic():
            _hold_off_feedback()
            CdsCardDay.objects.bulk_create(
                rows,
                update_conflicts=True,
                update_fields=["cards"],
                unique_fields=["day", "criteria_version"],
            )
    return through


def _hold_off_feedback() -> None:
    """On PostgreSQL, wait for the feedback requests under way and hold new ones off until
    the upsert commits (milliseconds, about once a day).

    The upsert takes its rows in (day, version) order, new and existing alike; a feedback
    request makes its missing rows before it locks the existing ones, so without this each
    could hold a row the other waits for. The mode lets the counts be read meanwhile; it
    also queues a second roll-up behind the first (which then writes the same values). On
    SQLite a write transaction has the whole database to itself anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            table = connection.ops.quote_name(CdsCardDay._meta.db_table)
            cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")


def feedback_counts(since: dt.datetime | None) -> list[dict]:
    """Per criteria set version, by version: the cards returned since `since` (midnight in
    the clinic's time zone, as the agreement window starts; None for every card) and how many
    were accepted and overridden in the EHR. Counts the finished days first (see above)."""
    through = count_finished_days()
    days = CdsCardDay.objects.all()
    live = CdsCard.objects.filter(created_at__gte=_start(through + ONE_DAY))
    if since is not None:
        days = days.filter(day__gte=card_day(since))
        live = live.filter(created_at__gte=since)
    totals: dict[int, dict] = defaultdict(lambda: {"cards": 0, "accepted": 0, "overridden": 0})
    sums = days.values_list("criteria_version").annotate(
        # A day after `through` (one a concurrent roll-up has just counted) is counted live.
        cards=Sum("cards", filter=Q(day__lte=through)),
        accepted=Sum("accepted"),
        overridden=Sum("overridden"),
    )
    for version, cards, accepted, overridden in sums.order_by():
        total = totals[version]
        total["cards"] += cards or 0
        total["accepted"] += accepted
        total["overridden"] += overridden
    for version, cards in live.values_list("criteria_version").annotate(n=Count("pk")).order_by():
        totals[version]["cards"] += cards
    return [{"criteria_version": version, **totals[version]} for version in sorted(totals)]
