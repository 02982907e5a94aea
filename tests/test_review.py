"""The rheumatologist's review: the queue, the signature, the lock, addenda, the dashboard."""

import re
import threading
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.models import Intake, IntakeStatus, Review, Screening
from tests.factories import IntakeFactory, PatientFactory, UserFactory, example, form_data

QUEUE = reverse("intake:review_queue")
PASSWORD = "correct horse battery staple"


def screened(example_id="V01", *, days_ago=0, patient=None, **fields) -> Screening:
    """A submitted intake of an example, screened under the published set, `days_ago` old."""
    intake = IntakeFactory(example_id=example_id, patient=patient or PatientFactory(), **fields)
    screening = services.screen_intake(intake=intake)
    moment = timezone.now() - timedelta(days=days_ago)
    Screening.objects.filter(pk=screening.pk).update(created_at=moment)
    Intake.objects.filter(pk=intake.pk).update(screened_at=moment)
    return Screening.objects.get(pk=screening.pk)


def sign(client, screening, **overrides):
    data = {
        "decision": "agree",
        "override_reason": "",
        "comment": "",
        "disposition": "amps_programme",
        "note": "",
        "password": PASSWORD,
        "action": "sign",
        **overrides,
    }
    return client.post(reverse("intake:review_create", args=[screening.uuid]), data)


# -- the queue --------------------------------------------------------------------------------


@pytest.mark.parametrize("dated", [False, True], ids=["all", "within dates"])
def test_queue_orders_referrals_first_then_consider_amps_then_indeterminate_oldest_first(
    rheum_client, dated
):
    amps_new = screened("V01", days_ago=1)
    refer_new = screened("V17", days_ago=1)
    indeterminate_old = screened("V33", days_ago=9)
    refer_old = screened("V01", days_ago=5, morning_stiffness_minutes=45)
    amps_old = screened("V02", days_ago=7)
    # A date filter orders the same way (written differently for the planner's sake).
    since = {"date_from": (timezone.localdate() - timedelta(days=60)).isoformat()}
    page = rheum_client.get(QUEUE, since if dated else {}).context["page_obj"]
    # V17 (fever) is urgent, 45 minutes of stiffness routine: urgency before waiting time
    # among referrals.
    assert [s.pk for s in page] == [
        refer_new.pk,
        refer_old.pk,
        amps_old.pk,
        amps_new.pk,
        indeterminate_old.pk,
    ]


def test_queue_holds_only_the_latest_screening_of_submitted_unsigned_intakes(rheum_client):
    first = screened("V01")
    second = services.screen_intake(intake=first.intake)
    IntakeFactory(status=IntakeStatus.DRAFT)
    signed = screened("V17")
    services.record_review(
        screening=signed, reviewer=UserFactory(), decision="agree", disposition="other_referral"
    )
    page = rheum_client.get(QUEUE).context["page_obj"]
    assert [s.pk for s in page] == [second.pk]


def test_queue_counts_each_outcome(rheum_client):
    for example_id in ("V17", "V16", "V01", "V33", "V33", "V33"):
        screened(example_id)
    counts = {value: n for value, _, n in rheum_client.get(QUEUE).context["counts"]}
    assert counts == {"refer": 2, "consider_amps": 1, "indeterminate": 3}


def test_queue_filters_by_outcome_and_intake_date(rheum_client):
    today = timezone.localdate()
    old = screened("V17", intake_date=today - timedelta(days=30))
    recent = screened("V17", intake_date=today - timedelta(days=2))
    screened("V01", intake_date=today - timedelta(days=2))
    response = rheum_client.get(
        QUEUE, {"outcome": "refer", "date_from": (today - timedelta(days=7)).isoformat()}
    )
    assert [s.pk for s in response.context["page_obj"]] == [recent.pk]
    response = rheum_client.get(QUEUE, {"date_to": (today - timedelta(days=7)).isoformat()})
    assert [s.pk for s in response.context["page_obj"]] == [old.pk]


def test_queue_filter_with_dates_the_wrong_way_round_is_an_error_not_a_500(rheum_client):
    response = rheum_client.get(QUEUE, {"date_from": "2026-05-01", "date_to": "2026-04-01"})
    assert response.status_code == 200
    assert "date_to" in response.context["filters"].errors
    assert rheum_client.get(QUEUE, {"date_from": "nonsense", "page": "x"}).status_code == 200


def test_queue_search_by_mrn_travels_by_post_and_stays_out_of_the_url(rheum_client):
    wanted = screened("V01", patient=PatientFactory(mrn="Q-42"))
    screened("V01", patient=PatientFactory(mrn="Q-43"))
    response = rheum_client.post(QUEUE, {"mrn": "q-42"})
    assert response.status_code == 302
    assert "Q-42" not in response["Location"].upper()
    page = rheum_client.get(QUEUE).context["page_obj"]
    assert [s.pk for s in page] == [wanted.pk]
    rheum_client.post(QUEUE, {"mrn": ""})
    assert len(rheum_client.get(QUEUE).context["page_obj"]) == 2


def test_queue_rows_show_who_what_and_the_matched_names(rheum_client):
    screening = screened("V17", patient=PatientFactory(mrn="ROW-1", family_name="Rowan"))
    html = rheum_client.get(QUEUE).content.decode()
    assert "ROW-1" in html
    assert "Rowan" in html
    assert "Refer for inflammatory work-up" in html
    fever_name = screening.criteria_set.criteria.get(code="rf_fever").name
    assert fever_name in html
    assert reverse("intake:review_create", args=[screening.uuid]) in html


def test_queue_is_paginated_by_50(rheum_client):
    for _ in range(55):
        screened("V33")
    assert len(rheum_client.get(QUEUE).context["page_obj"]) == 50
    assert len(rheum_client.get(QUEUE, {"page": 2}).context["page_obj"]) == 5


def test_queue_queries_do_not_grow_with_the_rows(rheum_client):
    def count_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert rheum_client.get(QUEUE).status_code == 200
        return len(queries)

    for example_id in ("V17", "V01", "V33"):
        screened(example_id)
    count_queries()
    few = count_queries()
    for example_id in ("V17", "V01", "V33", "V16", "V02", "V06") * 5:
        screened(example_id)
    assert count_queries() == few
    # 10, and one for the waiting visits of the page's patients (the grouping).
    assert few <= 11, few


def test_the_queue_reads_no_review_however_many_were_signed(rheum_client):
    """A clinic's steady state: thousands of signed reviews. The queue's statements are the
    same with 0 and 3,000 reviews, and none reads the review table (no aggregate over the
    reviews: the agreement figures have their own page), so the rows it reads do not grow."""
    quiet = {"stdout": StringIO(), "stderr": StringIO()}
    call_command("seed_demo", intakes=60, **quiet)  # waiting, none signed

    def queue_statements() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            response = rheum_client.get(QUEUE)
        assert response.status_code == 200 and len(response.context["page_obj"]) == 50
        return [query["sql"] for query in queries]

    queue_statements()
    before = queue_statements()
    call_command("seed_demo", intakes=3000, signed=100, **quiet)
    assert Review.objects.count() == 3000
    after = queue_statements()
    assert len(after) == len(before)
    review_table = connection.ops.quote_name(Review._meta.db_table)
    assert not [sql for sql in after if review_table in sql]
    # The same statements (ids of the page aside): nothing reads more as reviews accumulate.
    assert [_shape(sql) for sql in after] == [_shape(sql) for sql in before]


def _shape(sql: str) -> str:
    return re.sub(r"\d+", "N", sql)


@pytest.mark.django_db
def test_queue_requires_login(client):
    response = client.get(QUEUE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["alice", "carol", "dave"])
def test_only_rheumatologists_reach_the_queue_and_the_review_page(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    screening = screened("V01")
    assert client.get(QUEUE).status_code == 403
    assert client.get(reverse("intake:review_create", args=[screening.uuid])).status_code == 403
    assert sign(client, screening).status_code == 403
    assert not Review.objects.exists()


def test_an_unknown_review_is_a_404(rheum_client):
    import uuid

    assert rheum_client.get(reverse("intake:review_create", args=[uuid.uuid4()])).status_code == 404


# -- the review page and the signature -----------------------------------------------------------


def test_review_page_shows_the_case_the_suggestion_and_the_form(rheum_client):
    screening = screened("V17")
    earlier = services.screen_intake(intake=screening.intake)
    html = rheum_client.get(reverse("intake:review_create", args=[earlier.uuid])).content.decode()
    assert "Refer for inflammatory work-up" in html
    assert "Red flags matched" in html
    assert 'data-bm-mode="readonly"' in html
    assert "Earlier screenings" in html
    assert 'name="password"' in html
    assert 'name="decision"' in html


def test_agreeing_and_signing_locks_the_case_and_it_leaves_the_queue(rheum_client, bob):
    screening = screened("V01")
    response = sign(rheum_client, screening, note="Discussed with family.")
    assert response.status_code == 302
    # The signed case opens, with its documents and a "Next case" a click away.
    assert response["Location"] == reverse("intake:intake_detail", args=[screening.intake.uuid])
    html = rheum_client.get(response["Location"]).content.decode()
    assert reverse("intake:review_next") in html
    assert reverse("documents:letter_print", args=[screening.intake.uuid]) in html
    assert reverse("documents:sheet_print", args=[screening.intake.uuid, "amps_programme"]) in html
    review = Review.objects.get()
    assert (review.reviewer, review.decision, review.disposition) == (
        bob,
        "agree",
        "amps_programme",
    )
    assert review.screening == screening
    assert review.note == "Discussed with family."
    assert review.signed_at is not None
    screening.intake.refresh_from_db()
    assert screening.intake.status == IntakeStatus.SIGNED
    assert list(rheum_client.get(QUEUE).context["page_obj"]) == []


def test_a_wrong_password_redisplays_the_form_and_saves_nothing(rheum_client):
    screening = screened("V01")
    response = sign(rheum_client, screening, password="not my password", note="keep me")
    assert response.status_code == 200
    assert "password" in response.context["form"].errors
    assert "keep me" in response.content.decode()
    assert not Review.objects.exists()
    screening.intake.refresh_from_db()
    assert screening.intake.status == IntakeStatus.SUBMITTED


def test_overriding_requires_a_reason(rheum_client):
    screening = screened("V01")
    response = sign(rheum_client, screening, decision="override")
    assert "override_reason" in response.context["form"].errors
    assert not Review.objects.exists()


def test_the_other_reason_requires_a_comment(rheum_client):
    screening = screened("V01")
    response = sign(rheum_client, screening, decision="override", override_reason="other")
    assert "comment" in response.context["form"].errors
    response = sign(
        rheum_client,
        screening,
        decision="override",
        override_reason="other",
        comment="Family history of JIA.",
        disposition="inflammatory_workup",
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert (review.override_reason, review.comment) == ("other", "Family history of JIA.")


def test_a_reason_given_with_agree_is_not_stored(rheum_client):
    screening = screened("V01")
    sign(rheum_client, screening, override_reason="clinical_judgement")
    assert Review.objects.get().override_reason == ""


@pytest.mark.parametrize(
    ("field", "value"),
    [("decision", "maybe"), ("disposition", "home"), ("override_reason", "whim")],
)
def test_bad_review_values_come_back_on_their_field(rheum_client, field, value):
    screening = screened("V01")
    response = sign(rheum_client, screening, **{field: value})
    assert response.status_code == 200
    assert field in response.context["form"].errors


def test_a_second_signature_is_refused_and_nothing_is_overwritten(rheum_client, bob):
    screening = screened("V01")
    sign(rheum_client, screening)
    other = UserFactory(username="olga", first_name="Olga", last_name="Other")
    with pytest.raises(services.AlreadySigned, match="Already signed by Bob Bennett"):
        services.record_review(
            screening=screening,
            reviewer=other,
            decision="override",
            override_reason="clinical_judgement",
            disposition="no_further_action",
        )
    response = sign(rheum_client, screening, decision="override", override_reason="other")
    assert response.status_code == 200
    review = Review.objects.get()
    assert (review.reviewer, review.decision) == (bob, "agree")


def test_a_screening_replaced_by_a_newer_one_cannot_be_signed(rheum_client):
    stale = screened("V01")
    services.screen_intake(intake=stale.intake)
    with pytest.raises(services.NotReviewable):
        services.record_review(
            screening=stale, reviewer=UserFactory(), decision="agree", disposition="amps_programme"
        )
    assert not Review.objects.exists()


def test_the_page_of_a_replaced_screening_points_to_the_latest_and_offers_no_signature(
    rheum_client,
):
    stale = screened("V01")
    latest = services.screen_intake(intake=stale.intake)
    html = rheum_client.get(reverse("intake:review_create", args=[stale.uuid])).content.decode()
    assert "This is not the intake's latest screening" in html
    assert reverse("intake:review_create", args=[latest.uuid]) in html
    assert 'name="decision"' not in html
    html = rheum_client.get(reverse("intake:review_create", args=[latest.uuid])).content.decode()
    assert "latest screening" not in html
    assert 'name="decision"' in html


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks need PostgreSQL (DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_signatures_one_wins_the_other_is_told(migration_data):
    screening = screened("V01")
    reviewers = [UserFactory(username=f"r{n}") for n in range(2)]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(reviewer):
        from django.db import connections

        try:
            barrier.wait()
            services.record_review(
                screening=screening,
                reviewer=reviewer,
                decision="agree",
                disposition="amps_programme",
            )
            outcomes.append("signed")
        except services.AlreadySigned:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(r,)) for r in reviewers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["refused", "signed"]
    assert Review.objects.count() == 1


# -- the lock -------------------------------------------------------------------------------------


def test_a_signed_intake_is_refused_by_the_service_layer_too(alice):
    screening = screened("V01")
    services.record_review(
        screening=screening, reviewer=UserFactory(), decision="agree", disposition="amps_programme"
    )
    intake = Intake.objects.get(pk=screening.intake_id)
    with pytest.raises(services.IntakeLocked):
        services.save_intake(
            intake=intake,
            patient_values={"mrn": intake.patient.mrn},
            intake_values={"fever": True},
            user=alice,
            submit=True,
        )
    with pytest.raises(services.IntakeLocked):
        services.screen_intake(intake=intake)
    intake.refresh_from_db()
    assert intake.fever is False
    assert intake.screenings.count() == 1


def test_staff_see_the_review_on_the_intake_page_and_cannot_edit(staff_client, rheum_client):
    screening = screened("V17")
    sign(rheum_client, screening, disposition="inflammatory_workup")
    detail = reverse("intake:intake_detail", args=[screening.intake.uuid])
    html = staff_client.get(detail).content.decode()
    assert "Reviewed and signed" in html
    assert "Inflammatory work-up" in html
    assert "Bob Bennett" in html
    assert "Edit intake" not in html
    edit = reverse("intake:intake_edit", args=[screening.intake.uuid])
    response = staff_client.post(edit, form_data(example("V01")), follow=True)
    assert "locked" in response.content.decode()


# -- addenda --------------------------------------------------------------------------------------


def test_a_signed_intake_takes_an_addendum_with_author_and_time(staff_client, alice, rheum_client):
    screening = screened("V01")
    sign(rheum_client, screening)
    url = reverse("intake:addendum_create", args=[screening.intake.uuid])
    response = staff_client.post(url, {"text": "Parent called: pain improving."})
    assert response.status_code == 302
    addendum = screening.intake.addenda.get()
    assert (addendum.author, addendum.text) == (alice, "Parent called: pain improving.")
    assert addendum.created_at is not None
    html = staff_client.get(response["Location"]).content.decode()
    assert "Parent called: pain improving." in html


def test_an_empty_addendum_is_an_error_and_an_unsigned_intake_takes_none(staff_client):
    screening = screened("V01")
    url = reverse("intake:addendum_create", args=[screening.intake.uuid])
    staff_client.post(url, {"text": "too early"})
    assert not screening.intake.addenda.exists()
    services.record_review(
        screening=screening, reviewer=UserFactory(), decision="agree", disposition="amps_programme"
    )
    response = staff_client.post(url, {"text": ""})
    assert response.status_code == 200
    assert "text" in response.context["addendum_form"].errors


# -- the dashboard ----------------------------------------------------------------------------


def test_dashboard_figures_on_a_known_set_of_reviews(rheum_client):
    reviewer = UserFactory()
    decisions = [
        ("V17", "agree", ""),
        ("V17", "override", "clinical_judgement"),
        ("V01", "agree", ""),
        ("V01", "agree", ""),
        ("V02", "override", "criteria_do_not_apply"),
        ("V33", "override", "clinical_judgement"),
    ]
    for example_id, decision, reason in decisions:
        services.record_review(
            screening=screened(example_id),
            reviewer=reviewer,
            decision=decision,
            override_reason=reason,
            disposition="other_referral",
        )
    context = rheum_client.get(reverse("intake:review_agreement")).context
    # Six reviews give no rate (fewer than 20): the counts only.
    assert context["agreement_by_version"] == [
        {"version": 3, "total": 6, "agreed": 3, "rate": None}
    ]
    by_code = {
        row["code"]: (row["total"], row["agreed"]) for row in context["agreement_by_criterion"]
    }
    assert by_code["rf_fever"] == (2, 1)
    assert by_code["amps_p2_acr2016"] == (4, 3)  # V17 twice and V01 twice match it
    assert by_code["amps_p1_budapest"] == (1, 0)
    assert context["override_reasons"][0] == {"reason": "Clinical judgement", "count": 2}


def test_queue_counts_stop_at_the_bound_and_the_pages_at_the_limit(rheum_client, monkeypatch):
    monkeypatch.setattr("intake.views.ROW_LIMIT", 3)
    monkeypatch.setattr("intake.paging.ROW_LIMIT", 3)
    monkeypatch.setattr("intake.views.QUEUE_PER_PAGE", 2)
    for example_id in ("V33",) * 5 + ("V17",):
        screened(example_id)
    response = rheum_client.get(QUEUE)
    counts = {value: n for value, _, n in response.context["counts"]}
    assert counts == {"refer": 1, "consider_amps": 0, "indeterminate": 4}  # 4: "more than 3"
    html = response.content.decode()
    assert "Indeterminate: 3+" in html
    paginator = response.context["page_obj"].paginator
    assert (paginator.count, paginator.num_pages, paginator.more) == (3, 2, True)
    assert "Only the first 3 are listed" in html


def test_next_case_opens_the_top_of_the_queue_or_the_queue_when_none_waits(rheum_client):
    amps = screened("V01")
    referral = screened("V17")
    response = rheum_client.get(reverse("intake:review_next"))
    assert response.status_code == 302
    assert response["Location"] == reverse("intake:review_create", args=[referral.uuid])
    assert sign(rheum_client, referral, disposition="inflammatory_workup").status_code == 302
    response = rheum_client.get(reverse("intake:review_next"))
    assert response["Location"] == reverse("intake:review_create", args=[amps.uuid])
    assert sign(rheum_client, amps).status_code == 302
    response = rheum_client.get(reverse("intake:review_next"))
    assert response["Location"] == QUEUE


def test_next_case_is_for_reviewers_only(staff_client):
    assert staff_client.get(reverse("intake:review_next")).status_code == 403


# -- a clinic day: name search, a patient's visits together, chips that filter ---------------


def test_the_queue_finds_patients_by_name_as_well_as_mrn(rheum_client):
    maya = PatientFactory(given_name="Maya", family_name="Ashworth", mrn="UX-1001")
    screened("V01", patient=maya)
    screened("V17")
    response = rheum_client.post(QUEUE, {"q": "ashworth maya"})
    assert response.status_code == 302 and response["Location"] == QUEUE
    rows = list(rheum_client.get(QUEUE).context["page_obj"])
    assert [row.intake.patient for row in rows] == [maya]
    rheum_client.post(QUEUE, {"q": "1001"})
    assert len(rheum_client.get(QUEUE).context["page_obj"]) == 1
    links = re.findall(r'href="([^"]*)"', rheum_client.get(QUEUE).content.decode())
    assert not [link for link in links if "1001" in link or "ashworth" in link.lower()]
    rheum_client.post(QUEUE, {"q": ""})
    assert len(rheum_client.get(QUEUE).context["page_obj"]) == 2


def test_a_patients_waiting_visits_are_grouped_where_the_first_comes(rheum_client):
    today = timezone.localdate()
    maya = PatientFactory()
    older = screened("V17", patient=maya, intake_date=today - timedelta(days=10), days_ago=10)
    other = screened("V16", days_ago=5)  # a referral between Maya's two visits in the queue
    newer = screened("V01", patient=maya, intake_date=today - timedelta(days=1), days_ago=1)
    later = screened("V02", patient=maya, intake_date=today, days_ago=0)
    rows = list(rheum_client.get(QUEUE).context["page_obj"])
    # Maya's referral came first in queue order: her group stands there, the referral first
    # (a more urgent visit is never put under a less urgent one), then her two consider-AMPS
    # visits newest first; the other referral after them.
    assert [row.pk for row in rows][:3] == [older.pk, later.pk, newer.pk]
    assert rows[3].pk == other.pk
    assert rows[0].newer_waiting and not rows[0].in_group
    assert rows[1].older_waiting == 2 and rows[1].in_group
    assert rows[2].newer_waiting and rows[2].in_group
    html = rheum_client.get(QUEUE).content.decode()
    assert "2 older visits waiting" in html and "Newer visit waiting" in html


def test_a_queue_search_that_finds_cases_is_in_the_access_log(rheum_client, bob):
    from audit.models import AccessEvent

    screened("V01", patient=PatientFactory(family_name="Ashworth"))
    rheum_client.post(QUEUE, {"q": "nobody-such"})
    rheum_client.get(QUEUE)
    assert not AccessEvent.objects.filter(detail__page="review_queue_search").exists()
    rheum_client.post(QUEUE, {"q": "ashworth"})
    rheum_client.get(QUEUE)
    event = AccessEvent.objects.get(detail__page="review_queue_search")
    assert (event.user, event.detail["rows"]) == (bob, 1)


def test_the_count_chips_are_filter_links(rheum_client):
    screened("V17")
    screened("V01")
    screened("V33")
    html = rheum_client.get(QUEUE).content.decode()
    assert 'href="?outcome=consider_amps"' in html
    assert 'href="?urgency=emergency"' in html
    page = rheum_client.get(QUEUE, {"outcome": "consider_amps"})
    assert [row.outcome for row in page.context["page_obj"]] == ["consider_amps"]
    assert 'href="?outcome=consider_amps" aria-current="true"' in page.content.decode()
    urgency = list(rheum_client.get(QUEUE, {"urgency": "urgent"}).context["page_obj"])
    assert urgency and all(r.outcome == "refer" and r.urgency == "urgent" for r in urgency)
    # A chip keeps the date filters: no patient data in these links.
    dated = rheum_client.get(QUEUE, {"date_from": "2020-01-01"}).content.decode()
    assert 'href="?outcome=refer&amp;date_from=2020-01-01"' in dated


# -- the queue's refresh ------------------------------------------------------------------------

LIVE = reverse("intake:review_queue_live")


def test_the_queue_page_loads_its_refresh_script_and_marks_when_it_was_opened(rheum_client):
    html = rheum_client.get(QUEUE).content.decode()
    assert '<script src="/static/intake/queue_refresh.js" defer></script>' in html
    assert f'data-live-url="{LIVE}"' in html and 'data-refresh-seconds="60"' in html
    assert 'id="queue-arrivals" role="status" aria-live="polite"' in html


def test_the_live_list_keeps_the_filters_and_counts_the_cases_arrived_since(rheum_client):
    opened = timezone.now() - timedelta(hours=1)
    earlier = screened("V17", days_ago=1)
    new_referral = screened("V17")
    screened("V01")  # new too, but not a referral
    response = rheum_client.get(LIVE, {"outcome": "refer", "since": opened.isoformat()})
    assert response.status_code == 200
    assert [s.pk for s in response.context["page_obj"]] == [earlier.pk, new_referral.pk]
    html = response.content.decode()
    assert 'data-arrived="1"' in html
    assert "<html" not in html  # the list alone
    assert "since=" not in html  # pagination links keep the filters, never the clock
    assert (
        'data-arrived="2"' in rheum_client.get(LIVE, {"since": opened.isoformat()}).content.decode()
    )


@pytest.mark.parametrize(
    "since", ["", "yesterday", "2026-13-45T00:00:00+00:00", "2026-01-01T00:00"]
)
def test_a_bad_since_counts_nothing_and_is_no_error(rheum_client, since):
    response = rheum_client.get(LIVE, {"since": since})
    assert response.status_code == 200
    assert "data-arrived" not in response.content.decode()


def test_the_live_list_needs_the_reviewer_permission_and_is_get_only(staff_client, rheum_client):
    assert staff_client.get(LIVE).status_code == 403
    assert rheum_client.post(LIVE).status_code == 405


def test_the_live_list_does_not_keep_an_idle_session_alive(rheum_client):
    from accounts.middleware import LAST_ACTIVITY

    rheum_client.get(QUEUE)
    session = rheum_client.session
    session[LAST_ACTIVITY] -= 600
    session.save()
    before = rheum_client.session[LAST_ACTIVITY]
    rheum_client.get(LIVE)
    assert rheum_client.session[LAST_ACTIVITY] == before
