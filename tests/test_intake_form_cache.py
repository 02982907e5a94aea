"""The blank intake form's skeleton is drawn once and served from Django's (shared) cache;
a form with anything in it (typed values, errors, a stored intake) is always drawn anew."""

import inspect
import re
from datetime import date
from pathlib import Path
from unittest import mock

from django.core.cache import cache
from django.core.cache.utils import make_template_fragment_key
from django.urls import reverse

from intake.forms import blank_form_cache_key
from intake.forms.intake import skeleton_version
from tests.factories import IntakeFactory, example, form_data

MARKER = "<p>from-the-fragment-cache</p>"


def fragment_key() -> str:
    return make_template_fragment_key("intake_form_blank", [blank_form_cache_key()])


def test_the_blank_form_is_drawn_once_then_served_from_the_cache(staff_client):
    cache.delete(fragment_key())
    first = staff_client.get(reverse("intake:intake_create")).content.decode()
    assert 'name="morning_stiffness_minutes"' in first
    assert cache.get(fragment_key()) is not None
    cache.set(fragment_key(), MARKER)
    second = staff_client.get(reverse("intake:intake_create")).content.decode()
    assert MARKER in second
    assert 'name="csrfmiddlewaretoken"' in second  # outside the cached part, per request


def test_a_form_with_errors_is_drawn_with_what_was_typed(staff_client):
    cache.set(fragment_key(), MARKER)
    data = form_data(example("V01"), mrn="MRN-4242")
    data["morning_stiffness_minutes"] = "many"
    page = staff_client.post(reverse("intake:intake_create"), data).content.decode()
    assert MARKER not in page
    assert 'value="MRN-4242"' in page


def test_a_stored_intake_is_drawn_with_its_values(staff_client, alice):
    cache.set(fragment_key(), MARKER)
    intake = IntakeFactory(created_by=alice, status="draft")
    page = staff_client.get(reverse("intake:intake_edit", args=[intake.uuid])).content.decode()
    assert MARKER not in page
    assert f'value="{intake.patient.mrn}"' in page


def test_the_key_follows_the_day_and_the_form_sources():
    with mock.patch("django.utils.timezone.localdate", return_value=date(2026, 1, 2)):
        assert blank_form_cache_key() == f"{skeleton_version()}:2026-01-02"
    assert len(skeleton_version()) == 16


def test_each_blank_form_gets_its_own_token_although_the_skeleton_is_cached(staff_client):
    import re

    pages = [staff_client.get(reverse("intake:intake_create")).content.decode() for _ in range(2)]
    tokens = [re.search(r'name="form_token" value="([0-9a-f-]{36})"', page) for page in pages]
    assert all(tokens)
    assert tokens[0].group(1) != tokens[1].group(1)
    assert cache.get(fragment_key()) is not None
    assert "form_token" not in cache.get(fragment_key())


def test_the_skeleton_version_follows_every_fact_field_and_the_included_partials(monkeypatch):
    """A deployment that changes a fact's range or a partial the layout includes (the red
    flags' Yes/No pairs) must not be served the old form from the shared cache."""
    import dataclasses

    from intake.forms import intake as intake_forms
    from intake.rules import facts

    layout_templates = set(re.findall(r"intake/_\w+\.html", inspect.getsource(intake_forms)))
    assert "intake/_red_flags.html" in layout_templates
    hashed = {
        path.relative_to(path.parents[1]).as_posix()
        for pattern in intake_forms._SKELETON_SOURCES[1:]
        for path in Path(intake_forms.__file__).resolve().parents[2].glob(pattern)
    }
    assert layout_templates <= hashed

    before = skeleton_version()
    widened = dict(facts.FACTS)
    widened["pain_duration_weeks"] = dataclasses.replace(
        facts.FACTS["pain_duration_weeks"], maximum=2000
    )
    monkeypatch.setattr(facts, "FACTS", widened)
    skeleton_version.cache_clear()
    try:
        assert skeleton_version() != before
    finally:
        monkeypatch.undo()
        skeleton_version.cache_clear()
