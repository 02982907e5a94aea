"""The agreement figures: criterion names, a chart per criteria version drawn on the server,
override reasons; under the queue for rheumatologists and read-only in the admin for editors."""

import pytest
from django.urls import reverse

from intake import services
from intake.charts import agreement_chart
from tests.factories import IntakeFactory, PatientFactory, UserFactory

pytestmark = pytest.mark.django_db
ADMIN_VIEW = reverse("admin:intake_criteriaset_agreement")
QUEUE = reverse("intake:review_queue")


def _signed(example_id, reviewer, decision="agree", disposition="amps_programme", reason=""):
    patient = PatientFactory(family_name=f"Zebedee{example_id}", mrn=f"SECRET-{example_id}")
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


def test_the_queue_shows_names_first_with_the_code_and_a_chart_with_its_table(
    rheum_client, reviews
):
    html = rheum_client.get(QUEUE).content.decode()
    name = '<span title="rf_fever">Fever</span> '
    code = '<code class="small text-body-secondary criterion-code">rf_fever</code>'
    assert name + code in html
    assert '<svg class="agreement-chart"' in html and 'role="img"' in html
    assert (
        '<title id="agreement-chart-title">Agreement rate per criteria set version</title>' in html
    )
    assert "Version 2: 75% of 4 signed reviews agreed." in html
    assert '<rect class="chart-bar"' in html
    assert "Clinical judgement" in html
    section = html.split('id="dashboard-heading"', 1)[1].split("</section>", 1)[0]
    assert "<script" not in section and " style=" not in section


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
    assert '<svg class="agreement-chart"' not in rheum_client.get(QUEUE).content.decode()
