"""The criteria admin, as a browser uses it: who reaches it, read-only published sets, new
drafts, expression errors on the field, try it, the publish page, history, and the whole
journey from a lowered threshold to version 2."""

import json
import re
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils.html import escape

from intake import services
from intake.models import (
    CriteriaSet,
    CriteriaSetStatus,
    Criterion,
    Intake,
    ReferenceCase,
    Screening,
)
from tests.factories import (
    V06_CASE,
    V16_CASE,
    IntakeFactory,
    PatientFactory,
    UserFactory,
    example,
)

pytestmark = pytest.mark.django_db

STIFFNESS_15 = "morning_stiffness_minutes >= 15"
CHANGELIST = reverse("admin:intake_criteriaset_changelist")
NEW_DRAFT = reverse("admin:intake_criteriaset_new_draft")
CASES = reverse("admin:intake_referencecase_changelist")


def change_url(criteria_set) -> str:
    return reverse("admin:intake_criteriaset_change", args=[criteria_set.pk])


def try_url(criteria_set) -> str:
    return reverse("admin:intake_criteriaset_try", args=[criteria_set.pk])


def publish_url(criteria_set) -> str:
    return reverse("admin:intake_criteriaset_publish", args=[criteria_set.pk])


def post_publish(client, criteria_set, data: dict):
    """Publish as the page does: open it (its impact preview runs), then confirm what it showed."""
    shown = client.get(publish_url(criteria_set)).context["impact_key"]
    return client.post(publish_url(criteria_set), {"impact_key": shown, **data})


def history_url(criteria_set) -> str:
    return reverse("admin:intake_criteriaset_history", args=[criteria_set.pk])


def published() -> CriteriaSet:
    return CriteriaSet.objects.published()


def screened(example_id: str, **fields) -> Screening:
    intake = IntakeFactory(example_id=example_id, patient=PatientFactory(), **fields)
    return services.screen_intake(intake=intake)


class _FormValues(HTMLParser):
    """What a browser would submit from one form: inputs, checked boxes, textareas, selects."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside = form_id, False
        self.values: dict[str, list[str]] = {}
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._options: list[tuple[str, bool]] = []

    def _add(self, name: str, value: str) -> None:
        self.values.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form" and attributes.get("id") == self.form_id:
            self.inside = True
        if not self.inside:
            return
        name = attributes.get("name")
        kind = attributes.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "image", "file"):
            if kind in ("checkbox", "radio"):
                if "checked" in attributes:
                    self._add(name, attributes.get("value") or "on")
            else:
                self._add(name, attributes.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select, self._options = name, []
        elif tag == "option" and self._select:
            self._options.append((attributes.get("value") or "", "selected" in attributes))

    def handle_data(self, data):
        if self._textarea:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self._textarea:
            text = "".join(self._text)
            self._add(self._textarea, text[1:] if text.startswith("\n") else text)
            self._textarea = None
        elif tag == "select" and self._select:
            chosen = [value for value, selected in self._options if selected]
            self._add(self._select, chosen[0] if chosen else self._options[0][0])
            self._select = None


def form_values(html: str, form_id: str) -> dict:
    parser = _FormValues(form_id)
    parser.feed(html)
    assert parser.values, f"no form #{form_id} on the page"
    return {
        name: values if len(values) > 1 else values[0] for name, values in parser.values.items()
    }


def inline_prefix(values: dict, code: str) -> str:
    """The inline form prefix ("criteria-3") of the criterion with this code."""
    for name, value in values.items():
        if name.startswith("criteria-") and name.endswith("-code") and value == code:
            return name.removesuffix("-code")
    raise AssertionError(f"criterion {code} is not on the page")


def edit_criterion(client, criteria_set, code: str, **changes):
    """Change one criterion through the set's admin page, as a browser would."""
    page = client.get(change_url(criteria_set))
    values = form_values(page.content.decode(), "criteriaset_form")
    prefix = inline_prefix(values, code)
    for field, value in changes.items():
        values[f"{prefix}-{field}"] = value
    values["_continue"] = "Save and continue editing"
    return client.post(change_url(criteria_set), values)


def new_draft(client) -> CriteriaSet:
    response = client.post(NEW_DRAFT)
    draft = CriteriaSet.objects.get(status=CriteriaSetStatus.DRAFT)
    assert response.status_code == 302 and response.url == change_url(draft)
    return draft


# -- who reaches the criteria pages ---------------------------------------------------------------


def criteria_pages() -> list[tuple[str, str]]:
    v1 = published()
    case = ReferenceCase.objects.first()
    return [
        ("get", CHANGELIST),
        ("get", change_url(v1)),
        ("get", history_url(v1)),
        ("get", try_url(v1)),
        ("post", try_url(v1)),
        ("get", publish_url(v1)),
        ("post", NEW_DRAFT),
        ("get", CASES),
        ("get", reverse("admin:intake_referencecase_change", args=[case.pk])),
        ("get", reverse("admin:intake_referencecase_history", args=[case.pk])),
    ]


@pytest.mark.parametrize("persona", ["alice", "bob", "dave"])
def test_clinic_staff_and_rheumatologists_are_sent_to_the_admin_login(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    for method, url in criteria_pages():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("admin:login")), url


def test_signed_out_visitors_are_sent_to_a_login_page(client):
    for method, url in criteria_pages():
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "login" in response.url


@pytest.mark.parametrize("persona", ["alice", "bob"])
def test_staff_status_without_criteria_permissions_is_forbidden(client, request, persona):
    user = request.getfixturevalue(persona)
    user.is_staff = True
    user.save()
    client.force_login(user)
    for method, url in criteria_pages():
        assert getattr(client, method)(url).status_code == 403, url
    assert not CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).exists()


def test_the_editor_reaches_every_criteria_page(editor_client):
    for method, url in criteria_pages():
        if method == "get":
            assert editor_client.get(url).status_code in (200, 302), url
    assert editor_client.get(CHANGELIST).status_code == 200
    assert editor_client.get(CASES).status_code == 200


def test_the_admin_index_shows_the_editor_only_criteria_models(editor_client):
    page = editor_client.get(reverse("admin:index")).content.decode()
    assert "Criteria sets" in page and "Reference cases" in page
    for hidden in ("Patients", "Intakes", "Screenings", "Reviews"):
        assert f">{hidden}<" not in page


def test_patients_intakes_and_screenings_are_not_in_the_admin(admin_client):
    for model in ("patient", "intake", "screening"):
        assert admin_client.get(f"/admin/intake/{model}/").status_code == 404


def test_a_superuser_reaches_the_criteria_pages(admin_client):
    assert admin_client.get(change_url(published())).status_code == 200
    assert admin_client.get(publish_url(published())).status_code == 302  # not a draft


def test_publishing_needs_the_publish_permission(client, carol):
    editor = UserFactory(username="erin", is_staff=True)
    editor.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["view_criteriaset", "change_criteriaset", "view_criterion"]
        )
    )
    client.force_login(editor)
    draft = services.new_draft(user=carol)
    assert client.get(try_url(draft)).status_code == 200
    assert client.get(publish_url(draft)).status_code == 403
    assert client.post(publish_url(draft), {"note": "x"}).status_code == 403
    assert publish_url(draft) not in client.get(change_url(draft)).content.decode()


def test_try_it_and_new_draft_need_the_change_permission(client):
    viewer = UserFactory(username="vic", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename="view_criteriaset"))
    client.force_login(viewer)
    assert client.get(change_url(published())).status_code == 200
    assert client.get(try_url(published())).status_code == 403
    assert client.post(NEW_DRAFT).status_code == 403


def test_a_missing_criteria_set_is_404(editor_client):
    for url in ("/admin/intake/criteriaset/999/try/", "/admin/intake/criteriaset/999/publish/"):
        assert editor_client.get(url).status_code == 404
    assert editor_client.get("/admin/intake/criteriaset/abc/try/").status_code == 404


# -- read-only published and retired sets ---------------------------------------------------------


def test_the_published_set_is_viewable_but_not_editable(editor_client):
    v1 = published()
    page = editor_client.get(change_url(v1))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Published: read-only." in html
    assert 'name="criteria-0-expression"' not in html  # the inline is read-only
    assert 'name="notes"' not in html
    assert "morning_stiffness_minutes &gt;= 30" in html
    assert "New draft from this version" in html


def test_posting_to_a_published_set_is_refused_and_changes_nothing(editor_client):
    v1 = published()
    before = list(v1.criteria.values_list("code", "expression"))
    response = editor_client.post(
        change_url(v1),
        {
            "notes": "hacked",
            "criteria-TOTAL_FORMS": "0",
            "criteria-INITIAL_FORMS": "0",
            "criteria-MIN_NUM_FORMS": "0",
            "criteria-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 403
    v1.refresh_from_db()
    assert v1.notes != "hacked"
    assert list(v1.criteria.values_list("code", "expression")) == before


def test_a_published_set_cannot_be_deleted_or_reverted_from_history(admin_client, carol):
    v2 = services.new_draft(user=carol)
    services.publish_criteria_set(criteria_set=v2, user=carol, note="v2")
    delete = reverse("admin:intake_criteriaset_delete", args=[v2.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    first = v2.history.last()  # when it was a draft
    revert = reverse("admin:intake_criteriaset_simple_history", args=[v2.pk, first.history_id])
    assert admin_client.get(revert).status_code == 200
    assert admin_client.post(revert, {"notes": "reverted"}).status_code == 403
    v2.refresh_from_db()
    assert (v2.status, v2.notes) == (CriteriaSetStatus.PUBLISHED, first.notes)


def test_a_retired_set_is_read_only_too(editor_client, carol):
    draft = services.new_draft(user=carol)
    services.publish_criteria_set(criteria_set=draft, user=carol, note="v2")
    retired = CriteriaSet.objects.get(version=3)
    html = editor_client.get(change_url(retired)).content.decode()
    assert "Retired: read-only." in html
    assert 'name="criteria-0-expression"' not in html
    assert editor_client.post(change_url(retired), {"notes": "x"}).status_code == 403


def test_new_criteria_sets_come_only_from_new_draft(editor_client):
    assert editor_client.get(reverse("admin:intake_criteriaset_add")).status_code == 403
    assert "New draft from the published version" in editor_client.get(CHANGELIST).content.decode()


# -- new draft ------------------------------------------------------------------------------------


def test_new_draft_copies_the_published_set_and_opens_it(editor_client, carol):
    response = editor_client.post(NEW_DRAFT, follow=True)
    draft = CriteriaSet.objects.get(status=CriteriaSetStatus.DRAFT)
    assert (draft.version, draft.created_by) == (4, carol)
    assert draft.criteria.count() == published().criteria.count()
    html = response.content.decode()
    assert "Version 4 is a new draft" in html
    assert "Draft: not in use." in html
    assert 'name="criteria-0-expression"' in html  # editable
    assert 'class="criteria-expression"' in html  # the monospace expression field


def test_a_second_new_draft_opens_the_existing_one(editor_client):
    draft = new_draft(editor_client)
    response = editor_client.post(NEW_DRAFT, follow=True)
    assert response.redirect_chain[-1][0] == change_url(draft)
    assert "Version 4 is already an open draft" in response.content.decode()
    assert CriteriaSet.objects.count() == 4


def test_new_draft_is_a_post(editor_client):
    assert editor_client.get(NEW_DRAFT).status_code == 405
    assert not CriteriaSet.objects.filter(status=CriteriaSetStatus.DRAFT).exists()


# -- editing a draft ------------------------------------------------------------------------------


def test_editing_a_draft_saves_the_criterion_and_its_content_hash(editor_client):
    draft = new_draft(editor_client)
    response = edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.criteria.get(code="rf_morning_stiffness").expression == STIFFNESS_15
    assert draft.content_hash == draft.compiled().hash != published().content_hash


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("wpii >= 7", "Unknown name &#x27;wpii&#x27; at column 1: did you mean &#x27;wpi&#x27;?"),
        ('wpi >= "seven"', "at column 8: wpi is a number"),
        ("morning_stiffness_minutes >=", "The expression ends too early at column 29"),
        ('__import__("os")', "the criteria language has no functions"),
    ],
)
def test_an_expression_error_is_shown_on_the_expression_field(editor_client, expression, message):
    draft = new_draft(editor_client)
    response = edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=expression)
    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    (form,) = [f for f in formset.forms if f.instance.code == "rf_morning_stiffness"]
    assert list(form.errors) == ["expression"]
    # Beside the field: the check under that criterion's expression, which describes it.
    html = response.content.decode()
    assert f'aria-describedby="{form.prefix}-check"' in html
    check = html.split(f'id="{form.prefix}-check">', 1)[1].split("</ul>")[0]
    assert message in check
    assert "Please correct the error below." in html
    # And listed at the top, naming the criterion and linked to its row.
    summary = html.split('class="criteria-problems"', 1)[1].split("</div>", 1)[0]
    name = Criterion.objects.get(criteria_set=draft, code="rf_morning_stiffness").name
    assert f'<a href="#{form.prefix}">rf_morning_stiffness ({name}): ' in summary
    assert message in summary
    assert f'<tr id="{form.prefix}" class="criteria-row' in html
    assert Criterion.objects.get(criteria_set=draft, code="rf_morning_stiffness").expression == (
        "morning_stiffness_minutes >= 30"
    )


def test_the_reference_panel_lists_every_fact_with_its_codes_and_examples(editor_client):
    from intake.rules import facts

    html = editor_client.get(change_url(published())).content.decode()
    assert "Criteria language: facts and examples" in html
    for name in facts.FACTS:
        assert f"<code>{name}</code>" in html, name
    assert '<code>"in_remission"</code></li>' in html  # the label would repeat the code
    assert '<code>"fps_r"</code> Faces Pain Scale-Revised' in html
    assert "0 to 1440 minutes" in html
    assert "<code>4 &lt;= wpi &lt;= 6 and sss &gt;= 9</code>" in html
    assert "<code>fdi_score is null</code>" in html


def test_the_criteria_pages_carry_no_inline_script_or_style(editor_client, carol):
    draft = services.new_draft(user=carol)
    for url in (change_url(draft), try_url(draft), publish_url(draft), CHANGELIST):
        html = editor_client.get(url).content.decode()
        assert "<style" not in html, url
        assert ' style="' not in html.split('id="content"', 1)[1].split("footer", 1)[0], url
        assert "admin_criteria.css" in html, url


# -- try it ---------------------------------------------------------------------------------------


def try_it(client, criteria_set, **data):
    return client.post(try_url(criteria_set), {"reference_case": "", "intake_json": "", **data})


def test_try_it_shows_the_outcome_matched_criteria_and_trace(editor_client):
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    counts = (Intake.objects.count(), Screening.objects.count(), CriteriaSet.objects.count())
    history = Criterion.history.count()

    response = try_it(editor_client, draft, intake_json=json.dumps(example("V06")))
    assert response.status_code == 200
    html = response.content.decode()
    assert (
        '<p class="criteria-result-label" id="result-heading"><strong>Refer for inflammatory '
        "work-up</strong></p>"
    ) in html
    assert "<code>rf_morning_stiffness</code>" in html
    assert "morning_stiffness_minutes ≥ 15</code> — morning_stiffness_minutes is <strong>15" in html
    outcome = response.context["outcome"]
    assert outcome.published.label == "Consider AMPS" and outcome.outcome_differs
    assert "<strong>Consider AMPS</strong>" in html and "The suggestion differs" in html
    assert outcome.tried.result.red_flags == ["rf_morning_stiffness"]
    assert len(outcome.tried.result.trace) == draft.criteria.filter(active=True).count()
    assert outcome.differing == {"rf_morning_stiffness"}
    # Nothing saved.
    assert counts == (
        Intake.objects.count(),
        Screening.objects.count(),
        CriteriaSet.objects.count(),
    )
    assert history == Criterion.history.count()


def test_try_it_with_a_reference_case_then_shows_its_json_to_edit(editor_client):
    case = published().reference_cases.get(name=V16_CASE)
    response = try_it(editor_client, published(), reference_case=str(case.pk))
    assert response.context["outcome"].tried.result.outcome == "refer"
    assert json.loads(response.context["form"].initial["intake_json"]) == case.intake


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("{not json", "This is not valid JSON: expecting property name enclosed in double quotes"),
        ("[1, 2]", "An intake must be a JSON object"),
        ('"text"', "An intake must be a JSON object"),
        ("", "Paste an intake in JSON, or choose a reference case."),
        ("[" * 10_000, "This is not valid JSON"),
        ("[" * 100_000, "larger than the limit of 64,000 characters"),
        ('{"age_years": ' + "9" * 5000 + "}", "a number is too long"),
    ],
)
def test_try_it_reports_bad_input_without_failing(editor_client, text, words):
    response = try_it(editor_client, published(), intake_json=text)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert response.context["outcome"] is None


@pytest.mark.parametrize(
    ("overrides", "words"),
    [
        ({"age_years": 1e300}, "age_years: must be a whole number from 0 to 21 years"),
        ({"esr_mm_hr": 10**30}, "esr_mm_hr: must be a whole number from 0 to 200 mm/h"),
        ({"fever": "yes"}, "fever: must be true or false"),
        ({"pain_sites": []}, "pain_sites: must list at least one code"),
        ({"wpi": 3}, "wpi"),
    ],
)
def test_try_it_names_the_field_of_every_validation_error(editor_client, overrides, words):
    text = json.dumps(example("V01", **overrides))
    response = try_it(editor_client, published(), intake_json=text)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert response.context["form"].errors["intake_json"]


def test_try_it_lists_every_error(editor_client):
    text = json.dumps(example("V01", fever="yes", rash="no", age_years=-1))
    errors = try_it(editor_client, published(), intake_json=text).context["form"].errors
    assert sum(field in " ".join(errors["intake_json"]) for field in ("fever", "rash", "age_years"))
    assert len(errors["intake_json"]) >= 3


def test_try_it_on_an_unknown_reference_case_is_a_form_error(editor_client):
    response = try_it(editor_client, published(), reference_case="99999")
    assert response.status_code == 200
    assert response.context["form"].errors["reference_case"]


# -- the publish page -----------------------------------------------------------------------------


def test_the_publish_page_shows_checks_changes_and_impact(editor_client):
    stiff = screened("V06")
    screened("V01")
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    ReferenceCase.objects.filter(name=V06_CASE).update(expected_outcome="refer")

    html = editor_client.get(publish_url(draft)).content.decode()
    assert f"all {draft.criteria.filter(active=True).count()} active criteria check" in html
    assert "active reference cases give their expected outcome" in html
    assert "morning_stiffness_minutes &gt;= 30</code> &rarr;" in html
    assert "<strong>1</strong> would get a different suggestion, 1 the same" in html
    case_url = reverse("admin:intake_criteriaset_impact_case", args=[draft.pk, stiff.intake.uuid])
    assert f'<td><a href="{case_url}">#{stiff.intake_id}</a></td>' in html
    assert "worked out in under a second" in html
    assert stiff.intake.patient.family_name not in html
    assert stiff.intake.patient.mrn not in html
    assert 'id="publish-form"' in html
    assert "red-flag-warning" not in html


def test_saving_a_draft_warns_when_a_name_quotes_a_number_the_expression_no_longer_uses(
    editor_client,
):
    draft = new_draft(editor_client)
    response = edit_criterion(
        editor_client, draft, "rf_morning_stiffness", expression="morning_stiffness_minutes >= 60"
    )
    assert response.status_code == 302  # a warning, not an error: the draft is saved
    criterion = draft.criteria.get(code="rf_morning_stiffness")
    assert criterion.expression == "morning_stiffness_minutes >= 60"
    page = editor_client.get(response.url)
    shown = [(m.level_tag, str(m)) for m in page.context["messages"]]
    assert (
        "warning",
        f"The name or rationale of rf_morning_stiffness ({criterion.name}) says 30 but the "
        "expression uses 60. Update the wording if the threshold changed: every explanation "
        "shows it.",
    ) in shown

    fixed = edit_criterion(
        editor_client, draft, "rf_morning_stiffness", name="Morning stiffness 60 minutes or more"
    )
    shown = [m.level_tag for m in editor_client.get(fixed.url).context["messages"]]
    assert "warning" not in shown


def test_the_publish_note_is_shown_on_the_set_in_the_list_and_in_compare(editor_client):
    draft = new_draft(editor_client)
    CriteriaSet.objects.filter(pk=draft.pk).update(notes="Working on stiffness.")
    response = post_publish(editor_client, draft, {"note": "Stiffness wording clarified."})
    assert response.status_code == 302

    page = editor_client.get(change_url(draft))
    html = page.content.decode()
    assert "Stiffness wording clarified." in html
    fieldsets = [fieldset.name for fieldset in page.context["adminform"]]
    first = list(page.context["adminform"])[0]
    assert fieldsets[0] is None
    assert "publish_note" in str(first.fields)
    assert "<label>Draft notes:</label>" in html  # the draft's notes, labelled as such

    listing = editor_client.get(CHANGELIST).content.decode()
    assert "Publish note</a>" in listing or ">Publish note<" in listing
    assert "Stiffness wording clarified." in listing

    compare = editor_client.get(
        reverse("admin:intake_criteriaset_compare") + f"?old=2&new={draft.version}"
    ).content.decode()
    compare = " ".join(compare.split())
    assert f"Version {draft.version} (published): publish note</dt>" in compare
    assert "Stiffness wording clarified." in compare
    assert "Version 2 (retired): publish note</dt>" in compare


def test_a_draft_labels_its_notes_as_draft_notes(editor_client):
    draft = new_draft(editor_client)
    html = editor_client.get(change_url(draft)).content.decode()
    assert '<label for="id_notes">Draft notes:</label>' in html
    compare = editor_client.get(
        reverse("admin:intake_criteriaset_compare") + f"?old=2&new={draft.version}"
    ).content.decode()
    assert f"Version {draft.version} (draft): draft notes</dt>" in " ".join(compare.split())


def test_every_expression_is_shown_in_full_in_the_draft_table(editor_client):
    draft = new_draft(editor_client)
    html = editor_client.get(change_url(draft)).content.decode()
    labs = draft.criteria.get(code="rf_labs").expression
    assert len(labs) > 6 * 36  # longer than the six lines the box used to stop at
    rows = re.search(
        r'<textarea[^>]*name="(criteria-\d+)-expression"[^>]*>\n?' + re.escape(escape(labs)), html
    )
    assert rows is not None
    box = re.search(r'<textarea[^>]*name="' + rows.group(1) + r'-expression"[^>]*>', html).group(0)
    assert f'rows="{-(-len(labs) // 36)}"' in box


def test_compare_shows_an_added_criterions_whole_expression_as_wrapping_code(editor_client):
    draft = new_draft(editor_client)
    labs = draft.criteria.get(code="rf_labs")
    labs.pk, labs.code = None, "rf_labs_again"
    labs.save()
    compare = editor_client.get(
        reverse("admin:intake_criteriaset_compare") + f"?old=2&new={draft.version}"
    ).content.decode()
    assert f'<code class="criteria-expression-text">{escape(labs.expression)}</code>' in compare


def test_the_impact_preview_shows_what_reviewers_signed_on_the_changed_cases(editor_client, bob):
    agreed, overridden, unsigned = screened("V06"), screened("V06"), screened("V06")
    services.record_review(
        screening=agreed, reviewer=bob, decision="agree", disposition="amps_programme"
    )
    services.record_review(
        screening=overridden,
        reviewer=bob,
        decision="override",
        disposition="inflammatory_workup",
        override_reason="missing_information",
        comment="Stiffness underestimated on the form.",
    )
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)

    html = " ".join(editor_client.get(publish_url(draft)).content.decode().split())
    assert (
        "Reviewers disagreed with the old outcome in <strong>1 of 2</strong> changed cases" in html
    )
    assert "1 of the 3 changed cases is not signed" in html
    assert '<th scope="col">Signed review</th>' in html
    assert (
        "Overrode the suggestion</span>; disposition: Inflammatory work-up; "
        "reason: Missing information" in html
    )
    assert "Agreed with the suggestion</span>; disposition: AMPS programme" in html
    assert "Not signed" in html

    case_url = reverse(
        "admin:intake_criteriaset_impact_case", args=[draft.pk, overridden.intake.uuid]
    )
    case_html = " ".join(editor_client.get(case_url).content.decode().split())
    assert "The reviewer signed: " in case_html
    assert "disposition: Inflammatory work-up; reason: Missing information" in case_html
    unsigned_url = reverse(
        "admin:intake_criteriaset_impact_case", args=[draft.pk, unsigned.intake.uuid]
    )
    assert "Not signed: no reviewer" in editor_client.get(unsigned_url).content.decode()


def test_the_publish_page_refuses_and_lists_a_failing_reference_case(editor_client):
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    page = editor_client.get(publish_url(draft)).content.decode()
    assert "Publishing is blocked" in page
    assert 'id="publish-form"' not in page
    assert f"<td>{V06_CASE}</td>" in page

    response = post_publish(editor_client, draft, {"note": "Stiffness 15."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not published." in html
    assert f"Reference case &#x27;{V06_CASE}&#x27; expects Consider AMPS" in html
    assert f"<td>{V06_CASE}</td><td>Consider AMPS</td>" in html.replace("\n        ", "")
    draft.refresh_from_db()
    assert draft.status == CriteriaSetStatus.DRAFT
    assert published().version == 3


def test_the_publish_page_works_out_the_impact_key_once_a_request(editor_client, monkeypatch):
    from intake import services

    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    shown = editor_client.get(publish_url(draft)).context["impact_key"]
    calls = []
    impact_key = services.impact_key
    monkeypatch.setattr(
        services, "impact_key", lambda **kwargs: calls.append(1) or impact_key(**kwargs)
    )
    response = editor_client.post(publish_url(draft), {"impact_key": shown, "note": "Refused."})
    assert "Not published." in response.content.decode()  # refused, and the page shown again
    assert len(calls) == 1


def test_the_publish_page_needs_a_note(editor_client):
    draft = new_draft(editor_client)
    response = post_publish(editor_client, draft, {"note": "  "})
    assert response.status_code == 200
    assert response.context["form"].errors["note"] == [
        "Write a publication note: what changed and why."
    ]
    assert published().version == 3


def test_a_draft_without_red_flags_shows_the_warning_and_needs_the_confirmation(editor_client):
    draft = new_draft(editor_client)
    Criterion.objects.filter(criteria_set=draft, kind="red_flag").update(active=False)
    ReferenceCase.objects.filter(expected_outcome="refer").update(active=False)

    page = editor_client.get(publish_url(draft)).content.decode()
    assert 'class="criteria-alert criteria-alert-danger criteria-safety"' in page
    assert "no active red-flag criterion" in page
    assert 'name="confirm_no_red_flags"' in page

    refused = post_publish(editor_client, draft, {"note": "No red flags."})
    assert refused.context["form"].errors["confirm_no_red_flags"]
    assert published().version == 3

    done = post_publish(
        editor_client, draft, {"note": "No red flags.", "confirm_no_red_flags": "on"}
    )
    assert done.status_code == 302
    assert published() == draft


def test_publishing_from_the_page_retires_the_old_set(editor_client, carol):
    draft = new_draft(editor_client)
    response = post_publish(editor_client, draft, {"note": "Same criteria, new version."})
    assert response.status_code == 302 and response.url == change_url(draft)
    draft.refresh_from_db()
    assert (draft.status, draft.published_by, draft.publish_note) == (
        "published",
        carol,
        "Same criteria, new version.",
    )
    assert CriteriaSet.objects.get(version=3).status == CriteriaSetStatus.RETIRED
    assert editor_client.get(publish_url(draft)).status_code == 302  # no longer a draft


# -- history --------------------------------------------------------------------------------------


def test_a_criterion_change_is_in_the_history_with_the_editor_and_the_diff(editor_client, carol):
    draft = new_draft(editor_client)
    edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    record = Criterion.history.filter(criteria_set_id=draft.pk, code="rf_morning_stiffness").first()
    assert (record.history_type, record.history_user) == ("~", carol)
    assert record.expression == STIFFNESS_15
    assert draft.history.count() == 1  # the set itself did not change: no empty row
    html = editor_client.get(history_url(draft)).content.decode()
    assert "Changes to the criteria of this version" in html
    assert (
        '<strong>Expression:</strong> <span class="criteria-old">morning_stiffness_minutes &gt;= 30'
        '</span> &rarr; <span class="criteria-new">morning_stiffness_minutes &gt;= 15</span>'
    ) in html


def test_a_set_change_is_in_its_history_with_the_editor_and_the_diff(editor_client, carol):
    draft = new_draft(editor_client)
    page = editor_client.get(change_url(draft))
    values = form_values(page.content.decode(), "criteriaset_form")
    values.update(notes="Lower the morning-stiffness threshold.", _continue="1")
    assert editor_client.post(change_url(draft), values).status_code == 302
    record = draft.history.first()
    assert (record.history_user, record.notes) == (carol, "Lower the morning-stiffness threshold.")
    html = editor_client.get(history_url(draft)).content.decode()
    assert "<strong>Notes:</strong>" in html
    assert "Lower the morning-stiffness threshold." in html


def test_a_reference_case_change_is_in_its_history(editor_client, carol):
    case = new_draft(editor_client).reference_cases.get(name=V06_CASE)
    url = reverse("admin:intake_referencecase_change", args=[case.pk])
    for outcome in ("refer", "indeterminate"):
        values = form_values(editor_client.get(url).content.decode(), "referencecase_form")
        values.update(expected_outcome=outcome, _save="Save")
        assert editor_client.post(url, values).status_code == 302
    record = case.history.first()
    assert (record.history_user, record.expected_outcome) == (carol, "indeterminate")
    html = editor_client.get(reverse("admin:intake_referencecase_history", args=[case.pk]))
    assert "<strong>Expected outcome:</strong>\n                    refer" in html.content.decode()


# -- reference cases ------------------------------------------------------------------------------


def test_a_reference_case_shows_its_intake_as_indented_json_in_a_code_field(editor_client):
    case = new_draft(editor_client).reference_cases.get(name=V06_CASE)
    html = editor_client.get(
        reverse("admin:intake_referencecase_change", args=[case.pk])
    ).content.decode()
    assert 'class="json-input"' in html
    assert "\n  &quot;age_years&quot;: " in html


@pytest.mark.parametrize(
    ("intake", "words"),
    [
        (
            "{oops",
            "This is not valid JSON: expecting property name enclosed in double quotes at "
            "line 1, column 2.",
        ),
        ('{"age_years": ' + "9" * 5000 + "}", "a number is too long"),
        (json.dumps(example("V01", fever="yes")), "fever: must be true or false"),
        (json.dumps(example("V01", pain_sites=[])), "pain_sites: must list at least one code"),
        # A missing answer keeps its own words (not Django's "This field is required.").
        (
            json.dumps({k: v for k, v in example("V01").items() if k != "age_years"}),
            "age_years: is required",
        ),
    ],
)
def test_a_reference_case_with_a_bad_intake_is_refused_naming_the_field(
    editor_client, intake, words
):
    response = editor_client.post(
        reverse("admin:intake_referencecase_add"),
        {"name": "New case", "expected_outcome": "refer", "active": "on", "intake": intake},
    )
    assert response.status_code == 200
    assert words in response.content.decode()
    assert len(response.context["adminform"].form.errors["intake"]) == 1
    assert not ReferenceCase.objects.filter(name="New case").exists()


def test_a_valid_reference_case_is_added(editor_client):
    draft = new_draft(editor_client)
    response = editor_client.post(
        reverse("admin:intake_referencecase_add"),
        {
            "criteria_set": str(draft.pk),
            "name": "Stiff 40 minutes",
            "expected_outcome": "refer",
            "active": "on",
            "intake": json.dumps(example("V01", morning_stiffness_minutes=40)),
        },
    )
    assert response.status_code == 302
    case = ReferenceCase.objects.get(name="Stiff 40 minutes")
    assert case.intake["morning_stiffness_minutes"] == 40
    assert case.criteria_set == draft


def test_a_reference_case_is_added_to_a_draft_only(editor_client):
    response = editor_client.post(
        reverse("admin:intake_referencecase_add"),
        {
            "criteria_set": str(published().pk),
            "name": "Stiff 40 minutes",
            "expected_outcome": "refer",
            "active": "on",
            "intake": json.dumps(example("V01", morning_stiffness_minutes=40)),
        },
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["criteria_set"]
    assert not ReferenceCase.objects.filter(name="Stiff 40 minutes").exists()


def test_a_published_sets_reference_case_is_read_only_and_a_drafts_copy_is_its_own(
    editor_client,
):
    kept = published().reference_cases.get(name=V06_CASE)
    url = reverse("admin:intake_referencecase_change", args=[kept.pk])
    page = editor_client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    values = {"name": kept.name, "expected_outcome": "refer", "intake": json.dumps(kept.intake)}
    assert editor_client.post(url, values).status_code == 403

    draft = new_draft(editor_client)
    copy = draft.reference_cases.get(name=V06_CASE)
    copy_url = reverse("admin:intake_referencecase_change", args=[copy.pk])
    values = form_values(editor_client.get(copy_url).content.decode(), "referencecase_form")
    values.update(expected_outcome="refer", _save="Save")
    assert editor_client.post(copy_url, values).status_code == 302
    copy.refresh_from_db()
    kept.refresh_from_db()
    assert (copy.expected_outcome, kept.expected_outcome) == ("refer", "consider_amps")

    listing = editor_client.get(CASES + f"?criteria_set__id__exact={draft.pk}")
    names = [case.name for case in listing.context["cl"].result_list]
    assert V06_CASE in names and len(names) == draft.reference_cases.count()
    assert f"{draft.version} (draft)" in listing.content.decode()


# -- the whole journey ----------------------------------------------------------------------------


def test_the_journey_through_the_admin(editor_client):
    """Lower morning stiffness from 30 to 15 minutes, see which past cases change, be stopped
    by a reference case, fix it, publish; the next intake is screened under version 3."""
    earlier = screened("V06")  # 15 minutes of stiffness: consider AMPS under version 1
    unaffected = screened("V01")  # 10 minutes

    draft = new_draft(editor_client)
    saved = edit_criterion(editor_client, draft, "rf_morning_stiffness", expression=STIFFNESS_15)
    assert saved.status_code == 302

    page = editor_client.get(publish_url(draft))
    impact = page.context["impact"]
    assert [c.case_number for c in impact.changed] == [earlier.intake_id]
    assert impact.transitions[("consider_amps", "refer")] == 1
    assert V06_CASE in page.content.decode()
    stopped = post_publish(editor_client, draft, {"note": "Stiffness 15."})
    assert "Not published." in stopped.content.decode()

    case = draft.reference_cases.get(name=V06_CASE)
    case_url = reverse("admin:intake_referencecase_change", args=[case.pk])
    values = form_values(editor_client.get(case_url).content.decode(), "referencecase_form")
    values.update(expected_outcome="refer", _save="Save")
    assert editor_client.post(case_url, values).status_code == 302

    page = editor_client.get(publish_url(draft))
    assert 'id="publish-form"' in page.content.decode()
    done = editor_client.post(
        publish_url(draft),
        {
            "note": "Morning stiffness of 15 minutes now refers.",
            "impact_key": page.context["impact_key"],
        },
        follow=True,
    )
    assert "Version 4 is published" in done.content.decode()
    assert published().version == 4

    following = screened("V06")
    assert (following.criteria_set.version, following.outcome) == (4, "refer")
    for screening in (earlier, unaffected):
        screening.refresh_from_db()
        assert screening.criteria_set.version == 3
    assert earlier.outcome == "consider_amps"
