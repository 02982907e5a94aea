"""The agreement figures: criterion names, a chart per criteria version drawn on the server,
override reasons; on their own page (linked from the queue) for rheumatologists, with a time
window, and read-only in the admin for editors; no rate over fewer than 20 reviews. They are
counters kept with each signature: the page reads no review."""

import contextlib
import datetime as dt
import itertools
import re
import threading
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.agreement import window_start
from intake.charts import agreement_chart
from intake.models import AgreementCount, Review
from tests.conftest import PASSWORD
from tests.factories import IntakeFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
ADMIN_VIEW = reverse("admin:intake_criteriaset_agreement")
QUEUE = reverse("intake:review_queue")
PAGE = reverse("intake:review_agreement")


_patients = itertools.count(1)


@contextlib.contextmanager
def _clock(moment: dt.datetime):
    """Django's clock (timezone.now, a review's signed_at) reads `moment` meanwhile."""

    class Stopped(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return moment.astimezone(tz)

    with mock.patch("django.utils.timezone.datetime", Stopped):
        yield


def _signed(example_id, reviewer, decision="agree", disposition="amps_programme", reason=""):
    number = next(_patients)
    patient = PatientFactory(family_name=f"Zebedee{example_id}", mrn=f"SECRET-{number}")
    screening = services.screen_intake(intake=IntakeFactory(example_id=example_id, patient=patient))
    return services.record_review(
        screening=screening,
        reviewer=reviewer,
        decision=decision,
        disposition=disposition,
        override_reason=reason,
    )


@pytest.fixture
def reviews(bob):
    _signed("V01", bob)
    _signed("V02", bob)
    _signed("V17", bob, "override", "amps_programme", "clinical_judgement")
    _signed("V16", bob, "agree", "inflammatory_workup")


def test_the_chart_draws_each_version_rate_as_a_bar_width():
    chart = agreement_chart(
        [
            {"version": 1, "total": 4, "agreed": 1, "rate": 0.25},
            {"version": 2, "total": 2, "agreed": 2, "rate": 1.0},
        ]
    )
    assert [bar.width for bar in chart.bars] == [chart.plot_width // 4, chart.plot_width]
    assert [bar.label for bar in chart.bars] == ["Version 1", "Version 2"]
    assert [bar.value_text for bar in chart.bars] == ["25% of 4", "100% of 2"]
    assert chart.bars[1].y > chart.bars[0].y


def test_the_chart_gives_no_rate_over_too_few_reviews():
    chart = agreement_chart(
        [
            {"version": 1, "total": 9, "agreed": 9, "rate": None},
            {"version": 2, "total": 20, "agreed": 10, "rate": 0.5},
        ]
    )
    assert [bar.value_text for bar in chart.bars] == ["n = 9, too few for a rate", "50% of 20"]
    assert chart.bars[0].width == 0
    assert chart.bars[0].value_x < chart.bars[1].value_x  # written inside the empty track


def test_a_drafts_new_wording_is_not_shown_before_it_is_published(rheum_client, reviews, alice):
    draft = services.new_draft(user=alice)
    draft.criteria.filter(code="rf_fever").update(name="Fever (draft wording)")
    html = rheum_client.get(PAGE).content.decode()
    assert '<span title="rf_fever">Fever</span> ' in html
    assert "draft wording" not in html


def test_the_page_shows_names_first_with_the_code_and_a_chart_with_its_table(rheum_client, reviews):
    html = rheum_client.get(PAGE).content.decode()
    name = '<span title="rf_fever">Fever</span> '
    code = '<code class="small text-body-secondary criterion-code">rf_fever</code>'
    assert name + code in html
    assert '<svg class="agreement-chart"' in html and 'role="img"' in html
    assert (
        '<title id="agreement-chart-title">Agreement rate per criteria set version</title>' in html
    )
    assert "Version 3: n = 4, too few for a rate." in html
    assert '<rect class="chart-bar"' in html
    assert "Clinical judgement" in html
    section = html.split('id="dashboard-heading"', 1)[1].split("</section>", 1)[0]
    assert "<script" not in section and " style=" not in section
    assert "Zebedee" not in html and "SECRET-" not in html


def test_the_queue_links_to_the_figures_and_draws_none(rheum_client, reviews):
    html = rheum_client.get(QUEUE).content.decode()
    assert f'href="{PAGE}"' in html
    assert "agreement-chart" not in html and "Cards in the EHR" not in html


def test_criteria_editors_read_the_figures_in_the_admin_without_patient_data(
    editor_client, reviews
):
    response = editor_client.get(ADMIN_VIEW)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fever" in html and "rf_fever" in html
    assert '<svg class="agreement-chart"' in html
    assert "Clinical judgement" in html
    assert "Zebedee" not in html and "SECRET-" not in html
    assert "<form" not in html.split('id="content-main"', 1)[1]  # read-only
    changelist = editor_client.get(reverse("admin:intake_criteriaset_changelist")).content.decode()
    assert ADMIN_VIEW in changelist


def test_the_admin_figures_need_a_sign_in(client):
    response = client.get(ADMIN_VIEW)
    assert response.status_code == 302 and "login" in response["Location"]


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_clinicians_without_staff_status_do_not_reach_the_admin_figures(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(ADMIN_VIEW)
    assert response.status_code == 302 and "login" in response["Location"]


def test_staff_status_without_the_criteria_permission_is_forbidden(client):
    client.force_login(UserFactory(username="staffer", is_staff=True))
    assert client.get(ADMIN_VIEW).status_code == 403


def test_the_figures_stay_figures_with_no_review_yet(editor_client, rheum_client):
    assert "No signed reviews yet." in editor_client.get(ADMIN_VIEW).content.decode()
    assert '<svg class="agreement-chart"' not in rheum_client.get(PAGE).content.decode()


@pytest.mark.parametrize("persona", ["alice", "carol", "dave"])
def test_only_rheumatologists_open_the_page(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(PAGE).status_code == 403


def test_the_page_needs_a_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "login" in response["Location"]


def _sign_many(reviewer, count, *, agreeing, signed_at=None):
    with _clock(signed_at) if signed_at else contextlib.nullcontext():
        for n in range(count):
            _signed(
                "V01", reviewer, "agree" if n < agreeing else "override", "amps_programme",
                "" if n < agreeing else "clinical_judgement",
            )  # fmt: skip


def test_a_rate_needs_twenty_reviews_and_says_n_otherwise(rheum_client, bob):
    _sign_many(bob, 19, agreeing=15)
    html = rheum_client.get(PAGE).content.decode()
    assert "(n = 19, too few for a rate)" in html
    assert "79%" not in html and "n = 19, too few for a rate" in html
    _sign_many(bob, 1, agreeing=1)
    response = rheum_client.get(PAGE)
    assert response.context["agreement_by_version"] == [
        {"version": 3, "total": 20, "agreed": 16, "rate": 0.8}
    ]
    html = response.content.decode()
    assert "16 (80%)" in html and "too few for a rate" not in html.split("Override reasons")[0]


def test_the_window_is_the_last_12_months_unless_chosen(rheum_client, bob):
    _sign_many(bob, 2, agreeing=1, signed_at=timezone.now() - dt.timedelta(days=400))
    _sign_many(bob, 3, agreeing=3)
    default = rheum_client.get(PAGE)
    assert [row["total"] for row in default.context["agreement_by_version"]] == [3]
    assert default.context["override_reasons"] == []
    assert {row["total"] for row in default.context["agreement_by_criterion"]} == {3}
    # The selector shows the window the figures are for (it showed "Last 3 months").
    assert default.context["window"]["window"].value() == "12"
    assert '<option value="12" selected>Last 12 months</option>' in default.content.decode()
    every = rheum_client.get(PAGE, {"window": "all"}).context
    assert [row["total"] for row in every["agreement_by_version"]] == [5]
    assert every["override_reasons"][0]["count"] == 1
    assert {row["total"] for row in every["agreement_by_criterion"]} == {5}
    assert "Last 24 months" in rheum_client.get(PAGE).content.decode()


def test_an_unknown_window_is_said_beside_the_field_and_12_months_are_shown(rheum_client, bob):
    _sign_many(bob, 1, agreeing=1, signed_at=timezone.now() - dt.timedelta(days=400))
    response = rheum_client.get(PAGE, {"window": "<script>"})
    assert response.status_code == 200
    assert response.context["window"].errors["window"]
    assert response.context["agreement_by_version"] == []


def test_the_window_starts_on_the_same_day_months_back():
    assert window_start(12, dt.date(2026, 12, 7)).date() == dt.date(2025, 12, 7)
    assert window_start(3, dt.date(2026, 5, 31)).date() == dt.date(2026, 2, 28)
    assert window_start(6, dt.date(2026, 3, 1)).date() == dt.date(2025, 9, 1)
    assert window_start(None) is None


# -- the counters -----------------------------------------------------------------------------


def _counters() -> set[tuple]:
    return set(
        AgreementCount.objects.values_list("day", "version", "kind", "key", "total", "agreed")
    )


def _sign_on_the_page(client, example_id, moment, **decision):
    screening = services.screen_intake(intake=IntakeFactory(example_id=example_id))
    data = {"override_reason": "", "comment": "", "note": "", "password": PASSWORD}
    with _clock(moment):
        response = client.post(
            reverse("intake:review_create", args=[screening.uuid]),
            {**data, **decision, "action": "sign"},
        )
    assert response.status_code == 302
    return Review.objects.get(screening=screening)


def test_signing_counts_the_review_on_its_day_in_the_clinic_its_version_codes_and_reason(
    rheum_client,
):
    london = dt.timezone(dt.timedelta(hours=1))  # Europe/London in July (summer time)
    just_after_midnight = dt.datetime(2026, 7, 1, 0, 30, tzinfo=london)  # 30 June in UTC
    agreed = _sign_on_the_page(
        rheum_client, "V17", just_after_midnight,
        decision="agree", disposition="inflammatory_workup",
    )  # fmt: skip
    assert agreed.signed_at == just_after_midnight
    overridden = _sign_on_the_page(
        rheum_client, "V01", dt.datetime(2026, 7, 1, 23, 59, tzinfo=london),
        decision="override", override_reason="clinical_judgement", disposition="other_referral",
    )  # fmt: skip
    assert overridden.decision == "override"
    day = dt.date(2026, 7, 1)
    assert _counters() == {
        (day, 3, "version", "", 2, 1),
        (day, 3, "code", "rf_fever", 1, 1),
        (day, 3, "code", "amps_p2_acr2016", 2, 1),
        (day, 3, "code", "amps_p3_amplified_pain", 2, 1),
        (day, 3, "override_reason", "clinical_judgement", 1, 0),
    }
    html = rheum_client.get(PAGE, {"window": "all"}).content.decode()
    assert "Clinical judgement" in html and "rf_fever" in html


def test_a_recount_gives_the_counters_signing_made(bob, reviews):
    _signed("V02", bob, "override", "other_referral", "criteria_do_not_apply")
    _signed("V33", bob)
    _signed("V16", bob, "override", "amps_programme", "clinical_judgement")
    signed = _counters()
    assert len(signed) > 5
    AgreementCount.objects.update(total=99, agreed=0)
    out = StringIO()
    call_command("recount_agreement", stdout=out)
    assert _counters() == signed
    assert out.getvalue() == f"Counted 7 signed reviews into {len(signed)} counters.\n"


def test_the_window_starts_at_midnight_of_its_first_day_in_the_clinic(rheum_client, bob):
    since = window_start(12)
    _sign_many(bob, 1, agreeing=1, signed_at=since - dt.timedelta(minutes=1))
    _sign_many(bob, 2, agreeing=2, signed_at=since)
    figures = rheum_client.get(PAGE).context
    assert figures["agreement_since"] == since
    assert figures["agreement_by_version"] == [
        {"version": 3, "total": 2, "agreed": 2, "rate": None}
    ]
    every = rheum_client.get(PAGE, {"window": "all"}).context
    assert every["agreement_by_version"][0]["total"] == 3
    assert figures["agreement_by_criterion"][0]["total"] == 2


def _page_statements(client) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(PAGE, {"window": "all"})
    assert response.status_code == 200
    return [query["sql"] for query in queries]


def test_the_page_reads_no_review_and_as_many_statements_at_0_or_300_reviews(rheum_client):
    review_table = re.compile(rf'\b{Review._meta.db_table}\b"?', re.IGNORECASE)
    rheum_client.get(PAGE)
    empty = _page_statements(rheum_client)
    # 300 reviews in bulk by the demo data, which counts them when it is done.
    call_command("seed_demo", intakes=300, signed=100, stdout=StringIO(), stderr=StringIO())
    assert Review.objects.count() == 300
    many = _page_statements(rheum_client)
    assert not [sql for sql in empty + many if review_table.search(sql)]
    assert len(many) == len(empty)
    figures = rheum_client.get(PAGE, {"window": "all"}).context["agreement_by_version"]
    assert sum(row["total"] for row in figures) == 300


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (DATABASE_URL)"
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_signatures_make_the_same_rows_once_and_lose_no_count(migration_data):
    cases = [("V17", "agree", "inflammatory_workup", ""), ("V01", "agree", "amps_programme", "")]
    cases += [("V01", "override", "other_referral", "clinical_judgement")] * 2
    cases += [
        ("V17", "override", "amps_programme", "other"),
        ("V16", "agree", "inflammatory_workup", ""),
    ]
    screenings = [services.screen_intake(intake=IntakeFactory(example_id=c[0])) for c in cases]
    reviewer = UserFactory(username="concurrent")
    barrier = threading.Barrier(len(cases))
    failures: list[Exception] = []

    def sign(screening, decision, disposition, reason):
        try:
            barrier.wait()
            services.record_review(
                screening=screening, reviewer=reviewer, decision=decision,
                disposition=disposition, override_reason=reason,
            )  # fmt: skip
        except Exception as error:  # noqa: BLE001 - the test reports every one
            failures.append(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=sign, args=(screening, *case[1:]))
        for screening, case in zip(screenings, cases, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    signed = _counters()
    call_command("recount_agreement", stdout=StringIO())
    assert _counters() == signed
    day = timezone.localdate()
    assert (day, 3, "version", "", 6, 3) in signed
    assert (day, 3, "code", "amps_p2_acr2016", 5, 2) in signed
