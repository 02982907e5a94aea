"""Criteria editing a clinician can do (issue 17): the draft as a compact table, errors that
name the criterion, try it from a past case or a form beside the published set, reference
cases made in one click, openable impact cases, any two versions compared, history that
reads well."""

import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from audit.models import AccessEvent
from intake import services
from intake.models import INTAKE_FACT_FIELDS, CriteriaSet, Criterion, ReferenceCase, Screening
from intake.templatetags.intake_extras import duration
from tests.factories import (
    IntakeFactory,
    PatientFactory,
    UserFactory,
    example,
    form_data,
)
from tests.test_criteria_admin import (
    change_url,
    edit_criterion,
    form_values,
    history_url,
    new_draft,
    published,
    screened,
    try_url,
)

pytestmark = pytest.mark.django_db

STIFFNESS_15 = "morning_stiffness_minutes >= 15"
COMPARE = reverse("admin:intake_criteriaset_compare")


def save_case_url(criteria_set) -> str:
    return reverse("admin:intake_criteriaset_save_case", args=[criteria_set.pk])


def case_url(criteria_set, intake) -> str:
    return reverse("admin:intake_criteriaset_impact_case", args=[criteria_set.pk, intake.uuid])


def facts_post(intake: dict, **extra) -> dict:
    """What the try-it facts form posts for a JSON intake (fields prefixed "facts-")."""
    values = form_data(intake)
    posted = {"source": "form", "facts-age_years": str(intake["age_years"])}
    posted["facts-sex"] = intake["sex"]
    for name in INTAKE_FACT_FIELDS:
        if name in values:
            posted[f"facts-{name}"] = values[name]
    posted.update(extra)
    return posted


# -- the draft as a table ---------------------------------------------------------------------


def test_the_draft_is_one_table_row_per_criterion_grouped_by_kind(editor_client):
    draft = new_draft(editor_client)
    response = editor_client.get(change_url(draft))
    html = response.content.decode()
    table = response.context["criteria_table"]
    assert [(kind, len(rows)) for kind, _, rows in table.groups] == [
        ("red_flag", draft.criteria.filter(kind="red_flag").count()),
        ("amps_pathway", draft.criteria.filter(kind="amps_pathway").count()),
        ("caveat", draft.criteria.filter(kind="caveat").count()),
    ]
    assert html.count('" class="criteria-row') == draft.criteria.count() + 1  # + the new row
    assert 'id="group-red_flag">Red flags' in html and 'id="group-caveat">Caveats' in html
    # Every expression checks, and says so beside it.
    assert html.count("</span> checks</p>") == draft.criteria.count()
    assert 'class="criteria-expression"' in html


def test_a_field_that_does_not_apply_to_a_kind_is_not_shown(editor_client):
    draft = new_draft(editor_client)
    html = editor_client.get(change_url(draft)).content.decode()
    values = form_values(html, "criteriaset_form")

    def row(code: str) -> str:
        return html.split(f'<tr id="{_prefix(values, code)}"', 1)[1].split("</tr>", 1)[0]

    # A red flag's message is kept but hidden; a caveat's is shown and has no urgency.
    assert '<div data-kinds="caveat" hidden>' in row("rf_fever")
    assert '<span data-kinds="red_flag">' in row("rf_fever")
    assert '<div data-kinds="caveat">' in row("cav_labs_not_done")
    assert '<span data-kinds="red_flag" hidden>' in row("cav_labs_not_done")
    assert "Message (shown with any outcome)" in row("cav_labs_not_done")
    assert "admin_criteria.js" in html


def test_a_criterion_that_stops_being_a_red_flag_loses_its_urgency(editor_client):
    draft = new_draft(editor_client)
    response = edit_criterion(
        editor_client, draft, "rf_fever", kind="amps_pathway", urgency="emergency"
    )
    assert response.status_code == 302
    assert draft.criteria.get(code="rf_fever").urgency == ""


def test_an_expression_that_does_not_check_shows_its_error_with_the_column(editor_client):
    draft = new_draft(editor_client)
    draft.criteria.filter(code="rf_labs").update(expression="esr > 20")
    html = editor_client.get(change_url(draft)).content.decode()
    values = form_values(html, "criteriaset_form")
    check = html.split(f'id="{_prefix(values, "rf_labs")}-check">', 1)[1].split("</ul>")[0]
    assert "Unknown name &#x27;esr&#x27; at column 1: did you mean &#x27;esr_mm_hr&#x27;?" in check


def test_errors_at_the_top_name_the_criterion_and_link_to_its_row(editor_client):
    draft = new_draft(editor_client)
    name = draft.criteria.get(code="rf_labs").name
    response = edit_criterion(editor_client, draft, "rf_labs", expression="esr > 20")
    assert response.status_code == 200
    html = response.content.decode()
    prefix = _prefix(form_values(html, "criteriaset_form"), "rf_labs")
    assert (
        f'<a href="#{prefix}">rf_labs ({name}): Unknown name &#x27;esr&#x27; at column 1: '
        "did you mean &#x27;esr_mm_hr&#x27;?</a>"
    ) in html
    assert f'<tr id="{prefix}" class="criteria-row criteria-row-errors">' in html
    # What was typed is kept.
    assert "esr &gt; 20</textarea>" in html
    assert draft.criteria.get(code="rf_labs").expression != "esr > 20"


def test_a_caveat_without_a_message_is_named_at_the_top_with_the_field(editor_client):
    draft = new_draft(editor_client)
    name = draft.criteria.get(code="cav_labs_not_done").name
    response = edit_criterion(editor_client, draft, "cav_labs_not_done", message="")
    html = response.content.decode()
    prefix = _prefix(form_values(html, "criteriaset_form"), "cav_labs_not_done")
    problem = f"cav_labs_not_done ({name}): Message: A caveat needs a message."
    assert f'<a href="#{prefix}">{problem}</a>' in html


def test_reorder_deactivate_and_add_still_work(editor_client):
    draft = new_draft(editor_client)
    page = editor_client.get(change_url(draft)).content.decode()
    values = form_values(page, "criteriaset_form")
    fever, rash = _prefix(values, "rf_fever"), _prefix(values, "rf_rash")
    values[f"{fever}-order"] = "1"
    values.pop(f"{rash}-active")  # an unticked box is not posted
    new = f"criteria-{int(values['criteria-INITIAL_FORMS'])}"
    values.update(
        {
            f"{new}-code": "rf_new_swelling",
            f"{new}-name": "New swelling",
            f"{new}-kind": "red_flag",
            f"{new}-urgency": "urgent",
            f"{new}-expression": "joint_swelling_observed and limp",
            f"{new}-order": "5",
            f"{new}-active": "on",
            "_continue": "1",
        }
    )
    assert editor_client.post(change_url(draft), values).status_code == 302
    assert draft.criteria.get(code="rf_fever").order == 1
    assert draft.criteria.get(code="rf_rash").active is False
    assert draft.criteria.get(code="rf_new_swelling").kind == "red_flag"


def test_the_draft_page_is_read_only_for_a_published_set(editor_client):
    html = editor_client.get(change_url(published())).content.decode()
    assert 'class="criteria-row' in html
    assert "<textarea" not in html.split('id="criteria-table"', 1)[1].split("</table>")[0]
    assert "morning_stiffness_minutes &gt;= 30</code>" in html


def _prefix(values: dict, code: str) -> str:
    for name, value in values.items():
        if name.endswith("-code") and value == code:
            return name.removesuffix("-code")
    raise AssertionError(code)


# -- try it: a past case, the form, the published set beside ----------------------------------


def test_try_it_on_a_past_case_reads_its_facts_only_and_logs_the_reading(editor_client, carol):
    past = screened("V06")
    patient = past.intake.patient
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    response = editor_client.post(
        try_url(draft), {"source": "case", "case-case_number": str(past.intake_id)}
    )
    assert response.status_code == 200
    outcome = response.context["outcome"]
    assert (outcome.tried.result.outcome, outcome.published.result.outcome) == (
        "refer",
        "consider_amps",
    )
    html = response.content.decode()
    assert "The suggestion differs" in html and "criteria-differs" in html
    for identity in (patient.mrn, patient.given_name, patient.family_name):
        assert identity not in html
    assert str(patient.date_of_birth) not in html
    event = AccessEvent.objects.get()
    assert (event.user, event.intake, event.action) == (carol, past.intake, "view")
    assert event.detail == {"view": "try_it_case"}
    # Ready to keep as a reference case, facts only.
    saved = json.loads(response.context["save_form"].initial["intake_json"])
    assert "clinical_notes" not in saved and "mrn" not in saved
    assert saved["morning_stiffness_minutes"] == 15


@pytest.mark.parametrize("number", ["999999", "0", "abc", ""])
def test_try_it_on_an_unknown_case_number_is_a_form_error(editor_client, number):
    response = editor_client.post(
        try_url(published()), {"source": "case", "case-case_number": number}
    )
    assert response.status_code == 200
    assert response.context["case_form"].errors["case_number"]
    assert response.context["outcome"] is None
    assert not AccessEvent.objects.exists()


def test_a_past_case_with_incomplete_stored_facts_is_a_form_error(editor_client):
    past = screened("V01")
    stored = {name: value for name, value in past.facts.items() if name != "fever"}
    Screening.objects.filter(pk=past.pk).update(facts=stored)
    response = editor_client.post(
        try_url(published()), {"source": "case", "case-case_number": str(past.intake_id)}
    )
    assert response.context["outcome"] is None
    assert "stored facts are incomplete: fever" in response.content.decode()


def test_a_draft_intake_is_not_a_past_case(editor_client):
    draft_intake = IntakeFactory(patient=PatientFactory(), status="draft")
    response = editor_client.post(
        try_url(published()), {"source": "case", "case-case_number": str(draft_intake.pk)}
    )
    assert "No screened intake has case number" in response.content.decode()


def test_try_it_with_the_facts_form(editor_client):
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    response = editor_client.post(try_url(draft), facts_post(example("V06")))
    assert response.status_code == 200
    assert response.context["facts_form"].errors == {}
    outcome = response.context["outcome"]
    assert outcome.tried.result.red_flags == ["rf_morning_stiffness"]
    assert outcome.differing == {"rf_morning_stiffness"}
    # The form shows the facts tried, grouped as the intake is.
    sections = [section for section, _ in response.context["facts_form"].sections()]
    assert sections[:3] == ["Patient", "Pain", "Budapest grid"]


def test_the_facts_form_keeps_what_was_typed_and_names_every_missing_field(editor_client):
    posted = facts_post(example("V01"), **{"facts-pain_now": "11"})
    posted.pop("facts-fever")
    response = editor_client.post(try_url(published()), posted)
    form = response.context["facts_form"]
    assert set(form.errors) >= {"fever", "pain_now"}
    assert response.context["outcome"] is None
    html = response.content.decode()
    assert 'name="facts-pain_now" value="11"' in html
    assert 'id="id_facts-fever_error"' in html


def test_an_unknown_source_evaluates_nothing(editor_client):
    response = editor_client.post(try_url(published()), {"source": "shell"}, follow=True)
    assert response.status_code == 200
    assert response.context["outcome"] is None
    assert "nothing was evaluated" in response.content.decode()


def test_try_it_shows_the_urgency_under_both_sets_and_marks_a_difference(editor_client, carol):
    draft = services.new_draft(user=carol)
    before = published().criteria.get(code="rf_fever").get_urgency_display()
    draft.criteria.filter(code="rf_fever").update(urgency="emergency")
    intake = example("V17")  # fever, and nothing else of the composite red flags
    response = editor_client.post(try_url(draft), {"intake_json": json.dumps(intake)})
    outcome = response.context["outcome"]
    assert (outcome.tried.urgency, outcome.published.urgency) == ("Emergency", before)
    assert outcome.urgency_differs
    html = response.content.decode()
    assert '<p class="criteria-differs">Urgency: <strong>Emergency</strong></p>' in html


def test_the_try_it_result_is_bounded(editor_client, monkeypatch):
    monkeypatch.setattr(services.try_it, "TRY_IT_TRACE_LIMIT", 3)
    case = ReferenceCase.objects.first()
    response = editor_client.post(try_url(published()), {"reference_case": str(case.pk)})
    side = response.context["outcome"].tried
    shown = side.red_flags + side.pathways + side.caveats + side.unmatched
    assert len(shown) == 3 and side.not_shown == len(side.result.trace) - 3
    assert f"{side.not_shown} more criteria are not shown" in response.content.decode()


# -- reference cases in one click ---------------------------------------------------------------


def test_a_try_it_run_becomes_a_reference_case(editor_client, carol):
    past = screened("V06")
    draft = new_draft(editor_client)
    tried = editor_client.post(
        try_url(draft), {"source": "case", "case-case_number": str(past.intake_id)}
    )
    values = form_values(tried.content.decode(), "save-case-form")
    values.update(name="Stiffness 15 minutes", description="Just under the old threshold.")
    response = editor_client.post(save_case_url(draft), values)
    case = ReferenceCase.objects.get(name="Stiffness 15 minutes")
    assert response.status_code == 302
    assert response.url == reverse("admin:intake_referencecase_change", args=[case.pk])
    assert (case.expected_outcome, case.description, case.created_by) == (
        "consider_amps",
        "Just under the old threshold.",
        carol,
    )
    assert case.intake["morning_stiffness_minutes"] == 15
    assert set(case.intake) <= set(past.facts)  # facts only
    assert case.history.first().history_user == carol


def test_a_reference_case_keeps_facts_only_whatever_is_posted(editor_client):
    draft = new_draft(editor_client)
    intake = {**example("V01"), "mrn": "MRN-1", "clinical_notes": "Ada Lovelace"}
    values = {
        "name": "Posted",
        "expected_outcome": "consider_amps",
        "intake_json": json.dumps(intake),
    }
    # Tried under the published set, saved to the open draft (the published set's are fixed).
    editor_client.post(save_case_url(published()), values)
    posted = ReferenceCase.objects.get(name="Posted")
    assert posted.criteria_set == draft
    stored = posted.intake
    assert "clinical_notes" not in stored and "mrn" not in stored and "id" not in stored


def test_a_reference_case_name_already_used_is_refused_beside_the_name(editor_client):
    draft = new_draft(editor_client)
    taken = draft.reference_cases.first().name
    values = {
        "name": taken,
        "expected_outcome": "refer",
        "intake_json": json.dumps(example("V16")),
    }
    response = editor_client.post(save_case_url(draft), values)
    assert response.status_code == 200
    assert response.context["save_form"].errors["name"] == [
        f"Version {draft.version} already has a reference case called {taken!r}."
    ]
    assert response.context["outcome"].tried.result.outcome == "refer"  # the run is still shown
    assert draft.reference_cases.filter(name=taken).count() == 1


def test_without_a_draft_a_reference_case_is_refused_with_the_reason(editor_client):
    values = {"name": "New", "expected_outcome": "refer", "intake_json": json.dumps(example("V16"))}
    response = editor_client.post(save_case_url(published()), values)
    assert response.status_code == 200
    assert "Start a new draft to add one." in response.context["save_form"].errors["name"][0]
    assert not ReferenceCase.objects.filter(name="New").exists()


def test_a_bad_intake_is_not_saved_as_a_reference_case(editor_client):
    values = {"name": "Bad", "expected_outcome": "refer", "intake_json": "{oops"}
    response = editor_client.post(save_case_url(published()), values)
    assert response.status_code == 200
    assert "This is not valid JSON" in response.content.decode()
    assert not ReferenceCase.objects.filter(name="Bad").exists()


def test_saving_a_reference_case_is_a_post_and_needs_the_permission(client, editor_client):
    assert editor_client.get(save_case_url(published())).status_code == 405
    viewer = UserFactory(username="vic", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_criteriaset", "change_criteriaset"])
    )
    client.force_login(viewer)
    values = {"name": "X", "expected_outcome": "refer", "intake_json": json.dumps(example())}
    assert client.post(save_case_url(published()), values).status_code == 403
    assert not ReferenceCase.objects.filter(name="X").exists()


def test_the_reference_cases_have_meaningful_names_and_descriptions():
    cases = list(ReferenceCase.objects.all())
    assert len(cases) >= 6
    for case in cases:
        assert not case.name.startswith("Example "), case.name
        assert case.description


# -- impact cases ---------------------------------------------------------------------------------


def test_an_impact_case_shows_facts_and_both_explanations_without_identity(editor_client, carol):
    past = screened("V06")
    patient = past.intake.patient
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    response = editor_client.get(case_url(draft, past.intake))
    assert response.status_code == 200
    html = response.content.decode()
    for identity in (patient.mrn, patient.given_name, patient.family_name):
        assert identity not in html
    assert str(patient.date_of_birth) not in html
    assert patient.date_of_birth.strftime("%-d %b %Y") not in html
    assert f"{past.facts['age_years']} years old" in html
    assert f"intake in {past.intake.intake_date:%B %Y}" in html
    outcome = response.context["outcome"]
    assert (outcome.tried.label, outcome.published.label) == (
        "Refer for inflammatory work-up",
        "Consider AMPS",
    )
    assert "morning_stiffness_minutes" in html
    event = AccessEvent.objects.get()
    assert (event.user, event.intake, event.patient, event.action, event.detail) == (
        carol,
        past.intake,
        patient,
        "view",
        {"view": "impact_case"},
    )


def test_an_impact_case_needs_login_and_the_publish_permission(client, alice, carol):
    past = screened("V06")
    draft = services.new_draft(user=carol)
    url = case_url(draft, past.intake)
    response = client.get(url)
    assert response.status_code == 302 and "login" in response.url
    alice.is_staff = True
    alice.save()
    client.force_login(alice)
    assert client.get(url).status_code == 403
    viewer = UserFactory(username="vic", is_staff=True)
    viewer.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_criteriaset", "change_criteriaset"])
    )
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    assert not AccessEvent.objects.exists()


def test_an_unknown_impact_case_is_404(editor_client, carol):
    draft = services.new_draft(user=carol)
    unscreened = IntakeFactory(patient=PatientFactory(), status="draft")
    assert editor_client.get(case_url(draft, unscreened)).status_code == 404
    url = reverse(
        "admin:intake_criteriaset_impact_case",
        args=[draft.pk, "00000000-0000-0000-0000-000000000000"],
    )
    assert editor_client.get(url).status_code == 404
    bad_set = reverse(
        "admin:intake_criteriaset_impact_case", args=[999, screened("V01").intake.uuid]
    )
    assert editor_client.get(bad_set).status_code == 404
    assert not AccessEvent.objects.exists()


# -- two versions compared --------------------------------------------------------------------


def test_any_two_versions_are_compared_side_by_side(editor_client, carol):
    draft = services.new_draft(user=carol)
    draft.criteria.filter(code="rf_morning_stiffness").update(expression=STIFFNESS_15)
    draft.criteria.filter(code="rf_fever").update(name="Fever (any)", active=False)
    draft.criteria.filter(code="rf_bone").update(urgency="emergency")
    draft.criteria.filter(code="rf_gi").delete()
    Criterion.objects.create(
        criteria_set=draft,
        code="rf_new",
        name="New",
        kind="red_flag",
        urgency="urgent",
        expression="fever",
    )
    old = published().version
    response = editor_client.get(COMPARE, {"old": str(old), "new": str(draft.version)})
    assert response.status_code == 200
    changes = {c.code: c for c in response.context["changes"]}
    assert changes["rf_morning_stiffness"].fields == (
        ("expression", "morning_stiffness_minutes >= 30", STIFFNESS_15),
    )
    assert dict((f, (a, b)) for f, a, b in changes["rf_fever"].fields) == {
        "name": ("Fever", "Fever (any)"),
        "active": ("yes", "no"),
    }
    assert [f for f in changes["rf_bone"].fields if f[0] == "urgency"] == [
        ("urgency", published().criteria.get(code="rf_bone").urgency, "emergency")
    ]
    assert (changes["rf_gi"].change, changes["rf_new"].change) == ("removed", "added")
    html = response.content.decode()
    assert '<code class="criteria-old">morning_stiffness_minutes &gt;= 30</code>' in html
    assert f'<code class="criteria-new">{STIFFNESS_15.replace(">", "&gt;")}</code>' in html
    # Either way round.
    back = editor_client.get(COMPARE, {"old": str(draft.version), "new": str(old)})
    assert {c.code: c.change for c in back.context["changes"]}["rf_gi"] == "added"


def test_compare_from_a_version_alone_picks_the_published_one(editor_client, carol):
    draft = services.new_draft(user=carol)
    response = editor_client.get(COMPARE, {"new": str(draft.version)})
    assert (response.context["old"], response.context["new"]) == (published(), draft)
    assert response.context["changes"] == []
    assert "The two versions have the same criteria." in response.content.decode()
    # Without any version: the published one and the open draft.
    assert editor_client.get(COMPARE).context["new"] == draft


@pytest.mark.parametrize("query", [{"old": "1", "new": "99"}, {"old": "x", "new": "1"}])
def test_compare_with_an_unknown_version_is_a_form_error(editor_client, query):
    response = editor_client.get(COMPARE, query)
    assert response.status_code == 200
    assert response.context["form"].errors and response.context["changes"] is None


@pytest.mark.parametrize("new", ["²", "9" * 5000])
def test_compare_with_an_odd_version_and_nothing_published_is_a_form_error(editor_client, new):
    CriteriaSet.objects.filter(status="published").update(status="retired")
    response = editor_client.get(COMPARE, {"new": new})
    assert response.status_code == 200
    assert response.context["form"].errors and response.context["changes"] is None


def test_compare_needs_login_and_a_criteria_permission(client, alice):
    response = client.get(COMPARE)
    assert response.status_code == 302 and "login" in response.url
    alice.is_staff = True
    alice.save()
    client.force_login(alice)
    assert client.get(COMPARE).status_code == 403


# -- history that reads well --------------------------------------------------------------------


def test_the_history_names_the_publisher_and_shows_no_deleted_user(editor_client, carol):
    draft = services.new_draft(user=carol)
    services.publish_criteria_set(criteria_set=draft, user=carol, note="Same criteria.")
    html = editor_client.get(history_url(draft)).content.decode()
    assert "Deleted user" not in html and "pk=None" not in html
    assert "<strong>Published by:</strong>\n                    —" in html
    assert "carol" in html
    # Times in the clinic's time zone, with its name.
    assert " GMT</td>" in html or " BST</td>" in html
    assert 'id="history-compare-form"' in html


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0.0, "under a second"),
        (0.04, "under a second"),
        (0.96, "under a second"),
        (1.26, "1.3 seconds"),
        (12.0, "12.0 seconds"),
    ],
)
def test_durations_are_honest(seconds, words):
    assert duration(seconds) == words


def test_the_set_list_shows_a_dash_for_nobody(editor_client):
    html = editor_client.get(reverse("admin:intake_criteriaset_changelist")).content.decode()
    assert "None" not in html.split('id="result_list"', 1)[1].split("</table>")[0]
