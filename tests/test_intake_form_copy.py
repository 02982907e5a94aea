"""Each intake form gets its own copy of every field, exactly as Django's deepcopy makes it:
drawing or changing one form never shows in another (the fields copy themselves, faster)."""

import copy

import pytest
from django import forms
from django.urls import reverse

from intake.forms import IntakeForm
from tests.factories import example, form_data
from tests.html import controls


@pytest.mark.parametrize("name", list(IntakeForm.base_fields))
def test_each_field_is_copied_as_django_copies_it(name):
    original = IntakeForm.base_fields[name]
    ours = IntakeForm().fields[name]
    django = type(original).__deepcopy__(original, {})  # Django's own copy
    assert type(ours) is type(django) is type(original)
    assert vars(ours).keys() == vars(django).keys()
    for attribute, value in vars(django).items():
        if attribute == "widget":
            continue
        assert getattr(ours, attribute) == value, attribute
    assert vars(ours.widget) == vars(django.widget)
    # What Django copies is a copy, not the original, in ours too.
    for mutable in ("error_messages", "validators"):
        assert getattr(ours, mutable) is not getattr(original, mutable)
    assert ours is not original
    assert ours.widget is not original.widget
    assert ours.widget.attrs is not original.widget.attrs
    if isinstance(original, forms.ChoiceField):
        assert ours.choices is not original.choices
        assert ours.widget.choices is not original.widget.choices
        assert all(isinstance(choice, tuple) for choice in original.choices)
        assert not any(isinstance(label, list | tuple) for _, label in original.choices)


def test_the_base_fields_are_deep_copied_through_their_own_copy():
    fields = copy.deepcopy(IntakeForm.base_fields)
    assert type(fields) is dict
    assert list(fields) == list(IntakeForm.base_fields)


def test_changing_one_form_s_fields_leaves_the_next_form_as_it_was():
    changed = IntakeForm(form_data(example("V01")))
    changed.fields["pain_now"].widget.attrs["class"] = "is-invalid"  # as crispy does when drawn
    changed.fields["fever"].widget.choices.append(("maybe", "Maybe"))
    changed.fields["sex"].choices = [("x", "X")]
    changed.fields["fever"].error_messages["required"] = "changed"
    changed.fields["pain_now"].validators.append(lambda value: None)
    fresh = IntakeForm()
    assert "class" not in fresh.fields["pain_now"].widget.attrs
    assert ("maybe", "Maybe") not in fresh.fields["fever"].widget.choices
    assert ("x", "X") not in fresh.fields["sex"].choices
    assert fresh.fields["fever"].error_messages["required"] != "changed"
    assert len(fresh.fields["pain_now"].validators) == len(
        IntakeForm.base_fields["pain_now"].validators
    )


def test_a_form_drawn_with_errors_leaves_the_next_empty_form_without_them(staff_client):
    new = reverse("intake:intake_create")
    data = form_data(example("V01"), mrn="bad mrn!")
    del data["fever"]
    drawn = staff_client.post(new, data).content.decode()
    assert "is-invalid" in drawn
    for control in controls(drawn, "mrn"):
        assert "is-invalid" in control["class"]
    empty = staff_client.get(new).content.decode()
    assert "is-invalid" not in empty
    assert "bad mrn!" not in empty
