"""Issue 13 §6: input that costs too much or crashes is refused with a clear message.

Every JSON intake has a size limit wherever it enters (reference cases, try it,
evaluate_intakes); the criteria language reads ASCII digits only, caps the length of an
expression and of a number; and each probe's input that gave a 500 in the admin is a 4xx or
a form error.
"""

import io
import json
from urllib.parse import unquote

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from intake.models import CriteriaSet, ReferenceCase
from intake.rules import facts, validation
from intake.rules.language import check_expression
from intake.rules.syntax import MAX_EXPRESSION_LENGTH, MAX_NUMBER_LENGTH
from tests.factories import UserFactory, example

needs_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the database's own refusal needs PostgreSQL"
)
needs_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite has no JSON containment lookup"
)

NECKS = ["neck"] * 40_000
LIMIT_WORDS = f"{validation.MAX_INTAKE_CHARS:,} characters"


def published() -> CriteriaSet:
    return CriteriaSet.objects.published()


def try_url(criteria_set) -> str:
    return reverse("admin:intake_criteriaset_try", args=[criteria_set.pk])


def try_it(client, criteria_set, **data):
    return client.post(try_url(criteria_set), {"reference_case": "", "intake_json": "", **data})


def add_case(client, intake_text: str):
    return client.post(
        reverse("admin:intake_referencecase_add"),
        {"name": "Probe", "expected_outcome": "refer", "active": "on", "intake": intake_text},
    )


# -- the JSON intake: size limit, linear repeated-code check --------------------------------------


def test_a_repeated_code_is_found_once_however_often_it_is_repeated():
    fact = facts.INPUT_FACTS["pain_sites"]
    _, error = validation.check_value(fact, [*NECKS, "knee_left", "knee_left"])
    assert error is not None and error.code == "duplicate"
    assert error.message == "lists 'knee_left', 'neck' more than once"


def test_an_intake_over_the_size_limit_is_one_error_naming_the_limit():
    _, errors = validation.validate_intake(example("V01", pain_sites=NECKS))
    assert [(e.field, e.code) for e in errors] == [("", "too_large")]
    assert LIMIT_WORDS in errors[0].message


def test_an_intake_nested_too_deeply_is_refused():
    deep: list = []
    for _ in range(50):
        deep = [deep]
    _, errors = validation.validate_intake(example("V01", clinical_notes=deep))
    assert [(e.field, e.code) for e in errors] == [("clinical_notes", "too_deep")]


@pytest.mark.parametrize(
    ("value", "code"),
    [(10**5000, "range"), (10**100_000, "too_large"), (-(10**5000), "range")],
    ids=["5000-digits", "100000-digits", "minus-5000-digits"],
)
def test_a_huge_number_is_refused_without_being_written_out(value, code):
    _, errors = validation.validate_intake(example("V01", esr_mm_hr=value))
    assert [e.code for e in errors] == [code]
    for error in errors:
        assert len(str(error)) < 500


def test_a_real_intake_is_well_under_the_limit():
    assert len(json.dumps(example("V17"), indent=2)) * 10 < validation.MAX_INTAKE_CHARS


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id": "\ud800"}, "id"),
        ({"clinical_notes": "pain\u0000"}, "clinical_notes"),
        ({"clinical_notes": "a \udfff b"}, "clinical_notes"),
        ({"pain_sites": ["neck", "\ud800"]}, "pain_sites"),
    ],
)
def test_text_the_database_cannot_store_is_refused_naming_the_field(overrides, field):
    _, errors = validation.validate_intake(example("V01", **overrides))
    assert field in [e.field for e in errors]
    for error in errors:
        str(error).encode("utf-8")  # every message is printable text


def test_a_key_with_a_lone_surrogate_is_named_printably():
    _, errors = validation.validate_intake({**example("V01"), "\ud800x": 1})
    assert errors
    for error in errors:
        str(error).encode("utf-8")


def test_a_reference_case_of_forty_thousand_necks_is_refused_naming_the_limit(editor_client):
    response = add_case(editor_client, json.dumps(example("V01", pain_sites=NECKS)))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["intake"]
    assert LIMIT_WORDS in " ".join(errors)
    assert not ReferenceCase.objects.filter(name="Probe").exists()
    # The page does not echo the megabyte back.
    assert len(response.content) < 3 * validation.MAX_INTAKE_CHARS


def test_try_it_with_forty_thousand_necks_is_refused_naming_the_limit(editor_client):
    response = try_it(
        editor_client, published(), intake_json=json.dumps(example("V01", pain_sites=NECKS))
    )
    assert response.status_code == 200
    assert LIMIT_WORDS in " ".join(response.context["form"].errors["intake_json"])
    assert response.context["outcome"] is None
    # The page does not echo the whole input back (at most a part of the limit's size over the
    # page refusing a small intake, which itself lists the published set's criteria and facts).
    small = try_it(
        editor_client, published(), intake_json=json.dumps(example("V01", pain_sites=["x"]))
    )
    assert len(response.content) < len(small.content) + 3 * validation.MAX_INTAKE_CHARS


def test_try_it_with_a_lone_surrogate_is_a_form_error(editor_client):
    text = json.dumps(example("V01", id="\ud800"))  # json.dumps escapes it: \\ud800
    response = try_it(editor_client, published(), intake_json=text)
    assert response.status_code == 200
    assert response.context["form"].errors["intake_json"]


@pytest.mark.parametrize("text", ["\ud800", "\u0000", "ok\ud800\udc00\ud800"])
def test_a_reference_case_with_text_the_database_refuses_is_a_form_error(editor_client, text):
    response = add_case(editor_client, json.dumps(example("V01", clinical_notes=text)))
    assert response.status_code == 200
    assert "clinical_notes" in " ".join(response.context["adminform"].form.errors["intake"])
    assert not ReferenceCase.objects.filter(name="Probe").exists()


@needs_postgresql
@pytest.mark.parametrize("text", ["\ud800", "\u0000"])
def test_a_reference_case_with_text_postgresql_refuses_is_a_form_error_there(editor_client, text):
    response = add_case(editor_client, json.dumps(example("V01", id=text)))
    assert response.status_code == 200
    assert "id" in " ".join(response.context["adminform"].form.errors["intake"])


# -- evaluate_intakes: invalid input exits 2, errors named, nothing on stdout ---------------------


def run(path):
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("evaluate_intakes", str(path), stdout=out, stderr=err)
    except SystemExit as exit_:
        code = exit_.code
    return code, out.getvalue(), err.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('[{"id": "big", "age_years": ' + "9" * 5000 + "}]", "number is too long"),
    ],
)
def test_evaluate_intakes_refuses_unreadable_json_with_exit_2(tmp_path, text, words):
    path = tmp_path / "probe.json"
    path.write_text(text)
    code, out, err = run(path)
    assert (code, out) == (2, "")
    assert words in err
    assert "Traceback" not in err


@pytest.mark.django_db
def test_evaluate_intakes_names_the_intake_and_field_of_a_lone_surrogate(tmp_path):
    path = tmp_path / "probe.json"
    items = [example("V01"), example("V02", clinical_notes="\ud800")]
    path.write_text(json.dumps(items))  # written escaped, read back as a lone surrogate
    code, out, err = run(path)
    assert (code, out) == (2, "")
    assert "intake V02 (#2): clinical_notes:" in err


@pytest.mark.django_db
def test_evaluate_intakes_names_an_intake_whose_id_is_a_lone_surrogate(tmp_path):
    path = tmp_path / "probe.json"
    path.write_text(json.dumps([example("V02", id="\ud800")]))
    code, out, err = run(path)
    assert (code, out) == (2, "")
    assert "(#1): id:" in err
    err.encode("utf-8")


@pytest.mark.django_db
def test_evaluate_intakes_refuses_an_intake_over_the_size_limit_by_its_number(tmp_path):
    path = tmp_path / "probe.json"
    path.write_text(json.dumps([example("V01"), example("V02", pain_sites=NECKS)]))
    code, out, err = run(path)
    assert (code, out) == (2, "")
    assert "intake V02 (#2):" in err
    assert LIMIT_WORDS in err


@pytest.mark.django_db
def test_evaluate_intakes_in_a_process_of_its_own_shows_no_traceback(tmp_path):
    import os
    import subprocess
    import sys

    from django.conf import settings

    path = tmp_path / "probe.json"
    path.write_text('[{"id": "\\ud800", "age_years": ' + "9" * 5000 + "}]")
    env = {**os.environ, "DJANGO_DEBUG": "1", "PYTHONIOENCODING": "utf-8"}
    if connection.vendor == "sqlite":
        env["DATABASE_URL"] = ""
    done = subprocess.run(  # noqa: S603 -- our own manage.py
        [sys.executable, "manage.py", "evaluate_intakes", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr


# -- the criteria language ------------------------------------------------------------------------


def only_problem(text: str):
    errors = check_expression(text)
    assert len(errors) == 1, [str(e) for e in errors]
    return errors[0]


@pytest.mark.parametrize(
    ("text", "column"),
    [("wpi >= ৪0", 8), ("wpi >= 1٣", 9), ("esr_mm_hr > ２0", 13), ("wpi >= 7.৫", 10)],
)
def test_only_ascii_digits_are_numbers(text, column):
    error = only_problem(text)
    assert error.position == column
    assert "0-9" in str(error)


def test_an_expression_over_the_length_limit_says_the_limit():
    text = " or ".join(["fever"] * 200)
    error = only_problem(text)
    assert error.code == "too_long"
    assert f"{MAX_EXPRESSION_LENGTH}" in str(error)


def test_an_expression_at_the_length_limit_is_read():
    text = "fever" + " " * (MAX_EXPRESSION_LENGTH - 5)
    assert check_expression(text) == []


@pytest.mark.parametrize("digits", [400, MAX_NUMBER_LENGTH + 1])
def test_a_number_over_the_length_limit_says_the_limit(digits):
    error = only_problem("wpi >= " + "9" * digits)
    assert error.code == "too_long"
    assert error.position == 8
    assert f"{MAX_NUMBER_LENGTH}" in str(error)


def test_a_decimal_within_the_number_limit_is_read():
    assert check_expression("crp_mg_l > 12.5") == []


def criterion_form(criteria_set, expression: str) -> dict:
    """The set's change form, with its first criterion's expression replaced."""
    criteria = list(criteria_set.criteria.all())
    data = {
        "version": criteria_set.version,
        "notes": criteria_set.notes,
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": str(len(criteria)),
        "criteria-MIN_NUM_FORMS": "0",
        "criteria-MAX_NUM_FORMS": "1000",
        "_continue": "1",
    }
    for index, criterion in enumerate(criteria):
        prefix = f"criteria-{index}"
        data.update(
            {
                f"{prefix}-id": criterion.pk,
                f"{prefix}-criteria_set": criteria_set.pk,
                f"{prefix}-code": criterion.code,
                f"{prefix}-name": criterion.name,
                f"{prefix}-kind": criterion.kind,
                f"{prefix}-expression": expression if index == 0 else criterion.expression,
                f"{prefix}-message": criterion.message,
                f"{prefix}-rationale": criterion.rationale,
                f"{prefix}-source": criterion.source,
                f"{prefix}-order": criterion.order,
            }
        )
        if criterion.active:
            data[f"{prefix}-active"] = "on"
    return data


@pytest.mark.parametrize(
    ("expression", "words"),
    [
        ("wpi >= " + "9" * 5000, f"at most {MAX_EXPRESSION_LENGTH}"),
        ("wpi >= " + "9" * 400, f"at most {MAX_NUMBER_LENGTH}"),
        ("fever or " * 100_000 + "fever", f"at most {MAX_EXPRESSION_LENGTH}"),
        ("wpi >= ৪0", "0-9"),
    ],
)
def test_a_criterion_the_language_refuses_is_an_error_on_its_field_not_a_500(
    editor_client, expression, words
):
    editor_client.post(reverse("admin:intake_criteriaset_new_draft"))
    draft = CriteriaSet.objects.get(status="draft")
    url = reverse("admin:intake_criteriaset_change", args=[draft.pk])
    response = editor_client.post(url, criterion_form(draft, expression))
    assert response.status_code == 200
    assert words in response.content.decode()
    # The megabyte expression is not echoed back in full.
    assert len(response.content) < 1_500_000


def test_try_it_on_a_set_with_a_too_long_stored_expression_stays_small(editor_client):
    editor_client.post(reverse("admin:intake_criteriaset_new_draft"))
    draft = CriteriaSet.objects.get(status="draft")
    draft.criteria.filter(code="rf_fever").update(expression="fever or " * 100_000 + "fever")
    response = try_it(editor_client, draft, intake_json=json.dumps(example("V01")))
    assert response.status_code == 200
    assert len(response.content) < 200_000


# -- the admin's lookups, dates and history ids ---------------------------------------------------


@pytest.fixture
def auditor_client(client, db):
    auditor = UserFactory(username="audrey", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditor"))
    client.force_login(auditor)
    return client


def access_log_url() -> str:
    from audit.models import AccessEvent

    meta = AccessEvent._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")


@pytest.mark.parametrize(
    "params",
    [
        {"created_at__year": "99999999999999999999"},
        {"created_at__year": "2026", "created_at__month": "99999999999999999999"},
        {"created_at__year": "2026", "created_at__month": "1", "created_at__day": "9" * 20},
        {"created_at__year": "99999"},
        {"created_at__year": "9999"},
        {"created_at__year": "9999", "created_at__month": "12"},
    ],
)
def test_an_absurd_date_in_the_access_log_filter_is_a_400(auditor_client, params):
    response = auditor_client.get(access_log_url(), params)
    assert response.status_code == 400


def test_a_sane_date_in_the_access_log_filter_still_works(auditor_client):
    assert auditor_client.get(access_log_url(), {"created_at__year": "2026"}).status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        lambda case: reverse("admin:intake_referencecase_history", args=["abc"]),
        lambda case: reverse("admin:intake_referencecase_simple_history", args=[case.pk, "abc"]),
        lambda case: reverse("admin:intake_referencecase_simple_history", args=["abc", "1"]),
        lambda case: reverse("admin:intake_criteriaset_history", args=["abc"]),
        lambda case: reverse("admin:intake_criteriaset_simple_history", args=["1", "abc"]),
        lambda case: reverse("admin:intake_referencecase_simple_history", args=[case.pk, "9" * 30]),
    ],
)
def test_a_history_url_with_a_non_number_is_a_404(editor_client, url):
    case = ReferenceCase.objects.first()
    assert editor_client.get(url(case)).status_code == 404


@pytest.mark.parametrize(
    "params",
    [
        {"intake__contains": "x"},
        {"intake__has_key": "x"},
        {"notes__regex": "("},
        {"name__iregex": "(("},
        {"created_at__year": "x"},
    ],
)
def test_a_lookup_that_is_not_a_filter_of_the_page_is_a_400(editor_client, params):
    response = editor_client.get(reverse("admin:intake_referencecase_changelist"), params)
    assert response.status_code == 400


@needs_sqlite
def test_the_probe_s_json_containment_filter_on_sqlite_is_a_400(editor_client):
    response = editor_client.get(
        reverse("admin:intake_referencecase_changelist"), {"intake__contains": "x"}
    )
    assert response.status_code == 400


def test_the_filters_the_pages_offer_still_work(editor_client, auditor_client):
    cases = reverse("admin:intake_referencecase_changelist")
    assert editor_client.get(cases, {"expected_outcome__exact": "refer"}).status_code == 200
    assert editor_client.get(cases, {"active__exact": "1", "q": "V0"}).status_code == 200
    sets = reverse("admin:intake_criteriaset_changelist")
    assert editor_client.get(sets, {"status__exact": "published"}).status_code == 200
    assert auditor_client.get(access_log_url(), {"action__exact": "view"}).status_code == 200


@pytest.mark.parametrize("term", ["%00", "%ED%A0%80", "a" * 10_000])
def test_an_unreadable_search_term_in_the_admin_is_not_a_500(editor_client, auditor_client, term):
    cases = editor_client.get(f"{reverse('admin:intake_referencecase_changelist')}?q={term}")
    assert cases.status_code in (200, 400)
    # The access log is searched by POST only: a term in its URL is dropped, never read.
    log = auditor_client.get(f"{access_log_url()}?q={term}")
    if term == "%00":  # a NUL in any query string is refused before any view (issue 26)
        assert log.status_code == 400
    else:
        assert (log.status_code, log["Location"]) == (302, access_log_url())
    posted = auditor_client.post(
        access_log_url(), {"q": unquote(term), "posted_search": "search"}, follow=True
    )
    assert posted.status_code == 200
