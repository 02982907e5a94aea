"""The agreement figures: criterion names, a chart per criteria version drawn on the server,
override reasons; on their own page (linked from the queue) for rheumatologists, with a time
window, and read-only in the admin for editors; no rate over fewer than 20 reviews."""

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from intake import services
from intake.agreement import window_start
from intake.charts import agreement_chart
from intake.models import Review
from tests.factories import IntakeFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
ADMIN_VIEW = reverse("admin:intake_criteriaset_agreement")
QUEUE = reverse("intake:review_queue")
PAGE = reverse("intake:review_agreement")


_patients = itertools.count(1)


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
    for n in range(count):
        review = _signed(
            "V01", reviewer, "agree" if n < agreeing else "override", "amps_programme",
            "" if n < agreeing else "clinical_judgement",
        )  # fmt: skip
        if signed_at is not None:
            Review.objects.filter(pk=review.pk).update(signed_at=signed_at)


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


def test_the_figures_are_worked_out_once_per_signature(rheum_client, bob):
    _sign_many(bob, 2, agreeing=1)
    rheum_client.get(PAGE)
    with CaptureQueriesContext(connection) as cached:
        rheum_client.get(PAGE)
    assert not any("GROUP BY" in q["sql"] for q in cached if "cds" not in q["sql"])
    _sign_many(bob, 1, agreeing=1)
    response = rheum_client.get(PAGE)  # a new signature: worked out again
    assert [row["total"] for row in response.context["agreement_by_version"]] == [3]
