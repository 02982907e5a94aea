"""The CDS Hooks feedback counts beside the agreement figures (issue 27): counters per day in
the clinic's time zone and criteria version, accepted and overridden added to by each feedback
request, cards counted once a day is over; they equal the GROUP BY over every card they
replace, and what a page reads no longer grows with the cards of the days gone by."""

import copy
import datetime as dt
import json
import threading
from unittest import mock

import pytest
from django.db import connection, connections
from django.db.models import Count, Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake.agreement import window_start
from interop.cds import service
from interop.cds.counts import count_finished_days, feedback_counts
from interop.models import CdsCard, CdsCardDay, CdsClient, CdsFeedback, FeedbackOutcome
from tests.test_agreement import _clock
from tests.test_interop_cds import EXAMPLES, FEEDBACK, ISSUER, TENANT, call

PAGE = reverse("intake:review_agreement")
LONDON_SUMMER = dt.timezone(dt.timedelta(hours=1))  # settings.TIME_ZONE in July


@pytest.fixture
def ehr(db):
    """The spec's example EHR, as in tests/test_interop_cds.py."""
    return CdsClient.objects.create(
        label="Example EHR", issuer=ISSUER, jwks=EXAMPLES["jwks_public"], tenant=TENANT
    )


def _card(ehr, created_at, version=3) -> CdsCard:
    return CdsCard.objects.create(
        client=ehr,
        hook_instance="d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        outcome="refer",
        indicator="warning",
        criteria_version=version,
        created_at=created_at,
    )


def _cards(ehr, moments, version=3) -> list[CdsCard]:
    return CdsCard.objects.bulk_create(
        CdsCard(client=ehr, hook_instance="h", outcome="refer", indicator="warning",
                criteria_version=version, created_at=moment)
        for moment in moments
    )  # fmt: skip


def _items(*given: tuple[CdsCard, str]) -> dict:
    items = []
    for card, outcome in given:
        item = copy.deepcopy(EXAMPLES[f"feedback_{outcome}"]["feedback"][0])
        item["card"] = str(card.uuid)
        items.append(item)
    return {"feedback": items}


def _feedback(client, *given: tuple[CdsCard, str]) -> None:
    response = call(client, _items(*given), url=FEEDBACK)
    assert response.status_code == 200, response.content


def _group_by(since) -> list[dict]:
    """What the counts were before they were counters: one GROUP BY over every card of the
    window joined to its feedback (the template tag as it was)."""
    cards = CdsCard.objects.all()
    if since is not None:
        cards = cards.filter(created_at__gte=since)
    distinct = {"distinct": True}
    rows = (
        cards.values("criteria_version")
        .annotate(
            cards=Count("pk", **distinct),
            accepted=Count(
                "feedback__card", filter=Q(feedback__outcome=FeedbackOutcome.ACCEPTED), **distinct
            ),
            overridden=Count(
                "feedback__card", filter=Q(feedback__outcome=FeedbackOutcome.OVERRIDDEN), **distinct
            ),
        )
        .order_by("criteria_version")
    )
    return list(rows)


def _days() -> set[tuple]:
    return set(
        CdsCardDay.objects.values_list("day", "criteria_version", "cards", "accepted", "overridden")
    )


def test_feedback_counts_equal_the_group_by_over_every_card_on_a_mix_of_days(
    client, ehr, rheum_client
):
    now = timezone.now()
    old, older, oldest = (now - dt.timedelta(days=n) for n in (2, 40, 400))
    cards = {
        "today": _card(ehr, now),
        "old": _card(ehr, old),
        "old v2": _card(ehr, old, version=2),
        "older": _card(ehr, older),
        "oldest": _card(ehr, oldest, version=2),
        "window's first minute": _card(ehr, window_start(3)),
        "the minute before": _card(ehr, window_start(3) - dt.timedelta(minutes=1)),
    }
    _cards(ehr, [older] * 3 + [old] * 2)  # no feedback
    _feedback(client, (cards["today"], "accepted"), (cards["old"], "accepted"))
    _feedback(client, (cards["old"], "accepted"), (cards["old v2"], "overridden"))
    _feedback(client, (cards["old"], "overridden"), (cards["oldest"], "accepted"))
    _feedback(client, (cards["window's first minute"], "overridden"))
    _feedback(client, (cards["the minute before"], "accepted"), (cards["older"], "overridden"))
    windows = [window_start(months) for months in (0, 3, 12, None)]
    for _ in range(2):  # the first counts the finished days, the second reads them
        for since in windows:
            assert feedback_counts(since) == _group_by(since), since
    assert _group_by(None) == [
        {"criteria_version": 2, "cards": 2, "accepted": 1, "overridden": 1},
        {"criteria_version": 3, "cards": 10, "accepted": 3, "overridden": 3},
    ]
    page = rheum_client.get(PAGE, {"window": "all"}).content.decode()
    assert "<tr><td>v2</td><td>2</td><td>1</td><td>1</td></tr>" in page
    assert "<tr><td>v3</td><td>10</td><td>3</td><td>3</td></tr>" in page


def test_a_card_given_the_same_outcome_again_counts_once_for_it(client, ehr):
    card = _card(ehr, timezone.now())
    _feedback(client, (card, "accepted"))
    _feedback(client, (card, "accepted"))
    _feedback(client, (card, "overridden"))
    _feedback(client, (card, "overridden"))
    assert CdsFeedback.objects.count() == 4
    assert _days() == {(timezone.localdate(), 3, None, 1, 1)}
    assert feedback_counts(None) == [
        {"criteria_version": 3, "cards": 1, "accepted": 1, "overridden": 1}
    ]


def test_a_feedback_request_takes_as_many_statements_for_one_card_or_many_days(client, ehr):
    now = timezone.now()
    one = _card(ehr, now)
    many = [_card(ehr, now - dt.timedelta(days=n), version=2 + n % 2) for n in range(5)]

    def statements(body) -> int:
        with CaptureQueriesContext(connection) as queries:
            response = call(client, body, url=FEEDBACK)
        assert response.status_code == 200
        return len(queries)

    assert statements(_items((one, "accepted"))) == statements(
        _items(*((card, "overridden") for card in many))
    )
    assert len(_days()) == 1 + 5


def test_feedback_days_later_counts_on_the_cards_day_in_the_clinic(client, ehr):
    # 00:30 on 1 July in London is 23:30 on 30 June in UTC; 23:59 on 30 June is that day.
    after_midnight = _card(ehr, dt.datetime(2026, 7, 1, 0, 30, tzinfo=LONDON_SUMMER))
    before_midnight = _card(ehr, dt.datetime(2026, 6, 30, 23, 59, tzinfo=LONDON_SUMMER))
    _feedback(client, (after_midnight, "accepted"), (before_midnight, "overridden"))
    july, june = dt.date(2026, 7, 1), dt.date(2026, 6, 30)
    assert _days() == {(july, 3, None, 1, 0), (june, 3, None, 0, 1)}
    since_july = dt.datetime(2026, 7, 1, tzinfo=LONDON_SUMMER)  # the window's midnight
    with _clock(dt.datetime(2026, 7, 9, 12, 0, tzinfo=LONDON_SUMMER)):
        count_finished_days()
        assert _days() == {(july, 3, 1, 1, 0), (june, 3, 1, 0, 1)}
        assert feedback_counts(since_july) == [
            {"criteria_version": 3, "cards": 1, "accepted": 1, "overridden": 0}
        ]
    assert feedback_counts(since_july) == _group_by(since_july)


def test_a_day_is_counted_once_it_has_been_over_a_few_minutes_in_the_clinic(ehr):
    """A card made just before midnight may commit just after it: its day is counted five
    minutes later, and until then it is counted as today's are, once either way."""
    _card(ehr, dt.datetime(2026, 7, 1, 23, 59, 59, tzinfo=LONDON_SUMMER))
    _card(ehr, dt.datetime(2026, 7, 2, 0, 1, tzinfo=LONDON_SUMMER))
    counts = [{"criteria_version": 3, "cards": 2, "accepted": 0, "overridden": 0}]
    with _clock(dt.datetime(2026, 7, 2, 0, 4, tzinfo=LONDON_SUMMER)):
        assert count_finished_days() == dt.date(2026, 6, 30)
        assert feedback_counts(None) == counts
    assert _days() == set()
    with _clock(dt.datetime(2026, 7, 2, 0, 6, tzinfo=LONDON_SUMMER)):
        assert count_finished_days() == dt.date(2026, 7, 1)
        assert feedback_counts(None) == counts
    assert _days() == {(dt.date(2026, 7, 1), 3, 1, 0, 0)}


def _page_statements(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE, {"window": "all"})
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def test_each_finished_day_is_counted_once_and_the_page_costs_the_same_at_10_or_300_cards(
    rheum_client, ehr
):
    now = timezone.now()
    # Two days back at least: finished (and counted) even in the first minutes of a day.
    days = [now - dt.timedelta(days=n) for n in (2, 3, 5, 30, 200)]
    statements = {}
    for many in (10, 300):
        CdsCardDay.objects.all().delete()
        CdsCard.objects.all().delete()
        _cards(ehr, [days[n % len(days)] for n in range(many)] + [now])
        first, then = _page_statements(rheum_client), _page_statements(rheum_client)
        statements[many] = (len(first), len(then))
        counts = rheum_client.get(PAGE, {"window": "all"}).content.decode()
        assert f"<tr><td>v3</td><td>{many + 1}</td><td>0</td><td>0</td></tr>" in counts
    assert statements[10] == statements[300]
    assert statements[10][1] < statements[10][0]  # the finished days are not counted again
    # Once counted, the old cards are not read again: were they, this would show version 99.
    CdsCard.objects.exclude(created_at=now).update(criteria_version=99)
    counts = rheum_client.get(PAGE, {"window": "all"}).content.decode()
    assert "<tr><td>v3</td><td>301</td><td>0</td><td>0</td></tr>" in counts
    assert "v99" not in counts


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_feedback_and_roll_ups_count_each_card_once_without_deadlock(migration_data):
    ehr = CdsClient.objects.create(
        label="Example EHR", issuer=ISSUER, jwks=EXAMPLES["jwks_public"], tenant=TENANT
    )
    now = timezone.now()
    # Cards of finished days whose rows the roll-ups make, and one of today.
    first, second, today = (_card(ehr, now - dt.timedelta(days=n)) for n in (3, 2, 0))
    _cards(ehr, [now - dt.timedelta(days=n) for n in (4, 3, 2, 1)])
    requests = [
        _items((first, "accepted"), (second, "accepted")),
        _items((second, "accepted"), (first, "accepted")),  # the same cards, the other order
        _items((second, "overridden"), (today, "accepted")),
        _items((today, "accepted"), (first, "overridden")),
    ]
    barrier = threading.Barrier(len(requests) + 2)
    failures: list[Exception] = []

    def run(work):
        barrier.wait()
        _reporting(work, failures)

    def feedback(body):
        return lambda: _record(body, ehr)

    threads = [threading.Thread(target=run, args=(feedback(body),)) for body in requests]
    threads += [threading.Thread(target=run, args=(count_finished_days,)) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert CdsFeedback.objects.count() == 8
    assert feedback_counts(None) == _group_by(None)
    assert feedback_counts(None) == [
        {"criteria_version": 3, "cards": 7, "accepted": 3, "overridden": 2}
    ]


def _record(body: dict, ehr) -> None:
    service.record_feedback(body=json.dumps(body).encode(), client=ehr)


def _reporting(work, failures: list[Exception]) -> None:
    try:
        work()
    except Exception as error:  # noqa: BLE001 - the test reports every one
        failures.append(error)
    finally:
        connections.close_all()


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
def test_a_roll_up_during_a_feedback_request_waits_for_it_rather_than_deadlock(migration_data):
    """The feedback makes a day's missing row, then locks the existing ones; the roll-up's
    upsert takes both in day order. Without the roll-up's table lock, each held a row the
    other waited for, and PostgreSQL ended one of them."""
    ehr = CdsClient.objects.create(
        label="Example EHR", issuer=ISSUER, jwks=EXAMPLES["jwks_public"], tenant=TENANT
    )
    now = timezone.now()
    earlier, later = _card(ehr, now - dt.timedelta(days=5)), _card(ehr, now - dt.timedelta(days=3))
    _record(_items((earlier, "overridden")), ehr)  # the earlier day has its row, uncounted
    made, go = threading.Event(), threading.Event()
    bulk_create = CdsCardDay.objects.bulk_create

    def pausing(rows, **options):
        created = bulk_create(rows, **options)
        if options.get("ignore_conflicts"):  # the feedback's, not the roll-up's upsert
            made.set()
            go.wait(10)
        return created

    failures: list[Exception] = []
    body = _items((earlier, "accepted"), (later, "accepted"))
    with mock.patch.object(CdsCardDay.objects, "bulk_create", pausing):
        feedback = threading.Thread(target=_reporting, args=(lambda: _record(body, ehr), failures))
        feedback.start()
        assert made.wait(10)  # the later day's row is made, not yet committed
        roll_up = threading.Thread(target=_reporting, args=(count_finished_days, failures))
        roll_up.start()
        roll_up.join(timeout=0.5)
        assert roll_up.is_alive()  # it waits for the feedback
        go.set()
        feedback.join()
        roll_up.join()
    assert failures == []
    assert _days() == {
        (timezone.localdate(earlier.created_at), 3, 1, 1, 1),
        (timezone.localdate(later.created_at), 3, 1, 1, 0),
    }
