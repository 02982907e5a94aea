"""The red-flag details (data dictionary §5a) on the intake form: drawn under their red flag,
required on submit when it is yes, refused beside the field when it is no, null when not asked,
and read by the screening."""

import re
from pathlib import Path

import pytest
from django.urls import reverse

from intake.forms import IntakeForm
from intake.models import Intake, IntakeStatus
from intake.rules import facts
from tests.factories import example, form_data
from tests.html import checked_values, controls

NEW = reverse("intake:intake_create")
STATIC = Path(__file__).resolve().parents[1] / "static" / "intake" / "red_flag_details.js"
pytestmark = pytest.mark.django_db


def post(client, intake_json, **kwargs):
    """Post the intake as given: no red-flag detail filled in for it."""
    data = form_data(intake_json, **kwargs)
    for name in facts.RED_FLAG_DETAIL_FIELDS:
        if intake_json.get(name) is None:
            data.pop(name, None)
    return client.post(NEW, data)


def test_each_detail_is_drawn_directly_under_its_red_flag_and_the_script_is_loaded(staff_client):
    html = staff_client.get(NEW).content.decode()
    positions = {
        name: html.index(f'name="{name}"')
        for name in (*facts.RED_FLAG_FIELDS, *facts.RED_FLAG_DETAIL_FIELDS)
        if f'name="{name}"' in html
    }
    order = sorted(positions, key=positions.get)
    for flag, details in facts.RED_FLAG_DETAILS.items():
        at = order.index(flag)
        assert order[at + 1 : at + 1 + len(details)] == list(details), flag
    assert 'data-asked-when="rash,bruising_pallor_or_bleeding"' in html
    assert 'data-asked-when="fever"' in html
    assert "intake/red_flag_details.js" in html
    # Without JavaScript every detail is visible: nothing hides it in the HTML.
    for match in re.finditer(r'<div class="red-flag-detail[^>]*>', html):
        assert "hidden" not in match.group(0) and "d-none" not in match.group(0)


def test_the_detail_controls_follow_their_types(staff_client):
    html = staff_client.get(NEW).content.decode()
    assert [c["type"] for c in controls(html, "fever_days")] == ["number"]
    (temperature,) = controls(html, "highest_temperature_c")
    assert (temperature["min"], temperature["max"], temperature["step"]) == ("38.0", "43.0", "0.1")
    assert [c["value"] for c in controls(html, "kawasaki_features")] == list(
        facts.CODE_LABELS["kawasaki_features"]
    )
    assert [c["value"] for c in controls(html, "dark_urine")] == ["yes", "no"]
    assert checked_values(html, "dark_urine") == set()


def test_the_script_hides_and_disables_details_and_uses_no_inline_code():
    script = STATIC.read_text(encoding="utf-8")
    assert "data-asked-when" in script or "askedWhen" in script
    assert "disabled" in script and "hidden" in script


def test_a_red_flag_answered_yes_needs_its_details_to_submit(staff_client):
    response = post(staff_client, example("V01", fever=True, non_weight_bearing=True))
    assert response.status_code == 200
    errors = response.context["form"].errors
    for name, flag in (
        ("fever_days", "Fever"),
        ("kawasaki_features", "Fever"),
        ("non_weight_bearing_days", "Non-weight-bearing"),
    ):
        assert errors[name] == [f"Required when “{flag}” is yes."], name
    assert "highest_temperature_c" not in errors  # not measured is an answer
    assert not Intake.objects.exists()


def test_a_draft_may_leave_the_details_empty(staff_client):
    response = post(staff_client, example("V01", fever=True), action="draft")
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.status == IntakeStatus.DRAFT
    assert intake.fever_days is None


def test_a_detail_posted_while_its_red_flag_is_no_is_refused_beside_it(staff_client):
    for action in ("submit", "draft"):
        response = post(
            staff_client,
            example("V01", fever=False, fever_days=3, dark_urine=True),
            action=action,
        )
        assert response.status_code == 200
        errors = response.context["form"].errors
        assert "Asked only when “Fever” is yes" in errors["fever_days"][0]
        assert (
            "Asked only when “Proximal weakness or dark urine” is yes" in (errors["dark_urine"][0])
        )
        # What was typed is kept for correction.
        assert response.context["form"].data["fever_days"] == "3"
    assert not Intake.objects.exists()


def test_an_out_of_range_detail_or_none_with_a_feature_is_an_error_beside_it(staff_client):
    response = post(
        staff_client,
        example(
            "V01",
            fever=True,
            fever_days=0,
            highest_temperature_c=44,
            kawasaki_features=["none", "oral_changes"],
        ),
    )
    errors = response.context["form"].errors
    assert set(errors) >= {"fever_days", "highest_temperature_c", "kawasaki_features"}
    assert "'none' cannot be combined" in errors["kawasaki_features"][0]


def test_submitted_details_are_stored_and_decide_the_tier(staff_client):
    response = post(
        staff_client,
        example(
            "V01",
            neurological_deficit=True,
            sphincter_or_saddle_signs=True,
            pain_sites=["lower_back"],
        ),
    )
    assert response.status_code == 302
    intake = Intake.objects.get()
    assert intake.sphincter_or_saddle_signs is True
    assert intake.fever_days is None and intake.kawasaki_features is None  # not asked
    screening = intake.screenings.get()
    assert "rf_cauda_equina" in screening.red_flags
    assert screening.urgency == "emergency"


def test_petechiae_is_asked_by_either_red_flag(staff_client):
    response = post(
        staff_client,
        example("V01", rash=False, bruising_pallor_or_bleeding=True, petechiae_or_purpura=True),
    )
    assert response.status_code == 302
    assert Intake.objects.get().petechiae_or_purpura is True


def test_a_stored_intake_shows_its_details_again():
    from tests.factories import IntakeFactory

    intake = IntakeFactory(
        example_id="V17", fever_days=6, kawasaki_features=["oral_changes"], dark_urine=None
    )
    form = IntakeForm.for_intake(intake)
    assert form.initial["fever_days"] == 6
    assert form.initial["kawasaki_features"] == ["oral_changes"]
    assert form.initial["dark_urine"] is None
