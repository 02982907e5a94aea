"""The review rules: which dispositions a decision allows (every pair), the summary of what
is signed, the form that refuses a contradiction, and the signed page with its addenda."""

import itertools

import pytest
from django.urls import reverse

from intake import services
from intake.models import Addendum, Review
from intake.rules import review as rules
from tests.conftest import PASSWORD
from tests.factories import IntakeFactory

SUGGESTIONS = ("refer", "consider_amps", "indeterminate")
DISPOSITIONS = ("amps_programme", "inflammatory_workup", "other_referral", "no_further_action")

# Written out independently of the module: what issue 16 asks for.
REFUSED = {
    ("agree", "refer", "amps_programme"),
    ("agree", "refer", "no_further_action"),
    ("agree", "consider_amps", "inflammatory_workup"),
}
EVERY_PAIR = list(itertools.product(("agree", "override"), SUGGESTIONS, DISPOSITIONS))


@pytest.mark.parametrize(("decision", "suggestion", "disposition"), EVERY_PAIR)
def test_every_decision_and_disposition_pair(decision, suggestion, disposition):
    problem = rules.disposition_problem(decision, suggestion, disposition)
    allowed = (decision, suggestion, disposition) not in REFUSED
    assert (problem is None) == allowed
    assert (disposition in rules.allowed_dispositions(decision, suggestion)) == allowed
    if not allowed:
        assert "override the suggestion" in problem
        assert rules.DISPOSITION_LABELS[disposition] in problem


def test_the_table_covers_every_decision_and_suggestion_and_nothing_else():
    assert set(rules.ALLOWED_DISPOSITIONS) == set(
        itertools.product(("agree", "override"), SUGGESTIONS)
    )
    assert all(set(allowed) <= set(DISPOSITIONS) for allowed in rules.ALLOWED_DISPOSITIONS.values())


@pytest.mark.parametrize(
    ("decision", "suggestion", "disposition", "reason", "text"),
    [
        (
            "agree",
            "refer",
            "inflammatory_workup",
            "",
            "Agree: refer for inflammatory work-up → disposition: inflammatory work-up",
        ),
        (
            "agree",
            "consider_amps",
            "amps_programme",
            "",
            "Agree: consider AMPS → disposition: AMPS programme",
        ),
        (
            "override",
            "refer",
            "amps_programme",
            "clinical_judgement",
            "Override (clinical judgement): refer for inflammatory work-up → disposition: "
            "AMPS programme",
        ),
        (
            "override",
            "indeterminate",
            "no_further_action",
            "other",
            "Override (other): indeterminate → disposition: no further action",
        ),
    ],
)
def test_the_summary_says_what_is_signed_in_one_line(
    decision, suggestion, disposition, reason, text
):
    assert (
        rules.signature_summary(
            decision=decision,
            suggestion=suggestion,
            disposition=disposition,
            override_reason=reason,
        )
        == text
    )


# -- the form and the page ----------------------------------------------------------------------

in_db = pytest.mark.django_db


def _review_url(screening):
    return reverse("intake:review_create", args=[screening.uuid])


def _screened(example_id="V01", **changes):
    return services.screen_intake(intake=IntakeFactory(example_id=example_id, **changes))


def _post(client, screening, **values):
    data = {"decision": "agree", "disposition": "inflammatory_workup", "password": PASSWORD}
    return client.post(_review_url(screening), {**data, **values})


@in_db
def test_agreeing_with_refer_and_choosing_amps_is_refused_beside_the_disposition(rheum_client):
    screening = _screened("V17")  # the febrile child: refer
    response = _post(rheum_client, screening, disposition="amps_programme", action="sign")
    assert response.status_code == 200
    form = response.context["form"]
    assert [e.code for e in form.errors.as_data()["disposition"]] == ["contradicts_decision"]
    html = response.content.decode()
    assert "cannot go with “AMPS programme”" in html
    assert "override the suggestion and give the coded reason" in html
    assert 'id="form-errors"' in html  # the summary at the top too
    assert not Review.objects.exists()


@in_db
def test_overriding_with_a_reason_is_how_to_choose_the_amps_programme(rheum_client):
    screening = _screened("V17")
    response = _post(
        rheum_client,
        screening,
        decision="override",
        override_reason="criteria_do_not_apply",
        disposition="amps_programme",
        action="sign",
    )
    assert response.status_code == 302
    review = Review.objects.get()
    assert review.summary == (
        "Override (the criteria do not apply to this patient): refer for inflammatory work-up "
        "→ disposition: AMPS programme"
    )


@in_db
def test_the_service_refuses_a_contradiction_even_without_the_form(bob):
    screening = _screened("V01")  # consider AMPS
    with pytest.raises(services.NotReviewable, match="cannot go with “Inflammatory work-up”"):
        services.record_review(
            screening=screening,
            reviewer=bob,
            decision="agree",
            disposition="inflammatory_workup",
        )
    assert not Review.objects.exists()


@in_db
@pytest.mark.parametrize("action", ["check", "", "delete-everything", None])
def test_checking_or_an_unknown_action_shows_the_summary_and_signs_nothing(rheum_client, action):
    screening = _screened("V17")
    values = {"password": ""} if action == "check" else {}
    if action is not None:
        values["action"] = action
    response = _post(rheum_client, screening, **values)
    assert response.status_code == 200
    assert not Review.objects.exists()
    html = response.content.decode()
    summary = html.split('id="signature-summary-text"', 1)[1].split("</p>", 1)[0]
    assert "Agree: refer for inflammatory work-up → disposition: inflammatory work-up" in summary
    assert "password" not in response.context["form"].errors


@in_db
def test_the_summary_sits_beside_the_password_with_every_line_for_the_script(rheum_client):
    screening = _screened("V17")
    html = rheum_client.get(_review_url(screening)).content.decode()
    summary_at = html.index('id="signature-summary"')
    assert summary_at < html.index('name="password"') < html.index('value="sign"')
    assert 'src="/static/intake/review_summary.js"' in html
    assert '<script id="signature-summaries" type="application/json">' in html
    form = rheum_client.get(_review_url(screening)).context["form"]
    table = form.summaries()
    assert table["agree||amps_programme"]["refused"] is True
    assert table["override|clinical_judgement|amps_programme"] == {
        "text": "Override (clinical judgement): refer for inflammatory work-up → disposition: "
        "AMPS programme",
        "refused": False,
    }


@in_db
def test_a_signed_case_shows_its_addenda_under_the_signature_newest_first(
    rheum_client, staff_client, bob, alice
):
    screening = _screened("V01")
    services.record_review(
        screening=screening, reviewer=bob, decision="agree", disposition="amps_programme"
    )
    for text in ("First addendum", "Second addendum"):
        services.add_addendum(intake=screening.intake, author=alice, text=text)
    Addendum.objects.filter(text="First addendum").update(created_at="2020-01-01T00:00Z")
    for client, name in ((staff_client, "intake_detail"), (rheum_client, None)):
        url = (
            reverse("intake:intake_detail", args=[screening.intake.uuid])
            if name
            else _review_url(screening)
        )
        html = client.get(url).content.decode()
        signed = html.index("Reviewed and signed")
        assert "Agree: consider AMPS → disposition: AMPS programme" in html
        addenda = html.index('id="addenda-heading"')
        assert signed < addenda < html.index('id="suggestion-heading"')
        assert addenda < html.index("Second addendum") < html.index("First addendum")
