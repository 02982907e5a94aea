"""The emergency pathway: with any red flag answered yes, staff may submit with only the
identity, intake date, visit type, pain sites, pain duration and the red flags; the rest may be
left blank, the page says which sections were, and the screening still runs. Without a red
flag yes every rule stays; the JSON intake format stays strict."""

import pytest
from django.urls import reverse
from django.utils import timezone

from intake.forms.intake import YES_NO_FIELDS
from intake.models import CriteriaSet, Intake
from intake.rules import facts, validate_intake
from tests.factories import birth_date_for
from tests.red_flag_details import DETAIL_FIELDS, as_form_value, details_for

pytestmark = pytest.mark.django_db
RED_FLAGS = [name for name in YES_NO_FIELDS if name not in DETAIL_FIELDS]
NEW = reverse("intake:intake_create")


def required_only(**red_flags_yes) -> dict:
    """What staff type on the emergency pathway: the required sections and nothing else."""
    data = {
        "mrn": "MRN-9001",
        "given_name": "Noor",
        "family_name": "Haddad",
        "date_of_birth": birth_date_for(7).isoformat(),
        "sex": "female",
        "intake_date": timezone.localdate().isoformat(),
        "visit_type": "initial",
        "pain_sites": ["hip_right", "knee_right"],
        "pain_duration_weeks": "0",
        "morning_stiffness_minutes": "0",
        "inflammatory_disease": "none",
        "action": "submit",
    }
    for name in RED_FLAGS:
        data[name] = "yes" if red_flags_yes.get(name) else "no"
    yes = [name for name, answer in red_flags_yes.items() if answer]
    data |= {name: as_form_value(value) for name, value in details_for(yes).items()}
    return data


def test_an_emergency_is_submitted_with_only_the_required_sections(staff_client):
    data = required_only(fever=True, non_weight_bearing=True) | {"crp_mg_l": "86"}
    response = staff_client.post(NEW, data, follow=True)
    html = response.content.decode()
    intake = Intake.objects.get(patient__mrn="MRN-9001")
    screening = intake.current_screening
    assert intake.status == "submitted"
    assert (screening.outcome, screening.urgency) == ("refer", "emergency")
    assert screening.pathways == []  # nothing matches on blank values
    assert intake.fatigue is None and intake.pain_scale == "" and intake.triggers == []
    assert "Submitted on the emergency pathway" in html
    notice = html[html.index("Submitted on the emergency pathway") :][:600]
    for section in facts.EMERGENCY_OPTIONAL_SECTIONS:
        # Every section was left blank but the labs (a CRP was given).
        assert (section in notice) is (section != "Laboratory results")


def test_only_the_blank_sections_are_named(staff_client):
    data = required_only(fever=True) | {
        "fatigue": "1",
        "waking_unrefreshed": "0",
        "cognitive_symptoms": "0",
        "crp_mg_l": "86",
    }
    staff_client.post(NEW, data)
    intake = Intake.objects.get()
    html = staff_client.get(reverse("intake:intake_detail", args=[intake.uuid])).content.decode()
    notice = html[html.index("Submitted on the emergency pathway") :][:600]
    assert "Symptom severity" not in notice and "Laboratory results" not in notice
    assert "Pain pattern, scores and triggers" in notice and "Function" in notice


def test_without_a_red_flag_yes_every_rule_stays_and_nothing_typed_is_lost(staff_client):
    response = staff_client.post(NEW, required_only())
    assert response.status_code == 200
    errors = response.context["form"].errors
    for name in ("pain_pattern", "pain_scale", "triggers", "fatigue", "school_days_missed_4wk"):
        assert name in errors
    assert not Intake.objects.exists()
    html = response.content.decode()
    assert 'value="MRN-9001"' in html and 'value="Noor"' in html


def test_a_safeguarding_concern_alone_does_not_open_the_pathway(staff_client):
    # A caveat, not a referral: skipping the sections would store an unscreenable case.
    response = staff_client.post(NEW, required_only(safeguarding_concern=True))
    assert response.status_code == 200
    assert "fatigue" in response.context["form"].errors
    assert not Intake.objects.exists()


def test_a_bad_value_in_a_skippable_section_is_still_an_error_beside_it(staff_client):
    data = required_only(fever=True) | {"fatigue": "7", "pain_now": "8", "pain_worst": "3"}
    response = staff_client.post(NEW, data)
    errors = response.context["form"].errors
    assert "fatigue" in errors
    assert "pain_worst" in errors or "__all__" in errors or "pain_scale" in errors
    assert not Intake.objects.exists()
    assert 'value="7"' in response.content.decode()


def test_a_red_flag_answered_no_everywhere_but_one_unanswered_is_not_the_pathway(staff_client):
    data = required_only(fever=True)
    del data["rash"]  # a red flag not asked is not a no: still required
    response = staff_client.post(NEW, data)
    assert "rash" in response.context["form"].errors
    assert not Intake.objects.exists()


def test_the_json_intake_format_stays_strict():
    intake = {"age_years": 7, "sex": "female", "pain_sites": ["hip_right"]}
    intake |= {"pain_duration_weeks": 0, "morning_stiffness_minutes": 0}
    intake |= {"inflammatory_disease": "none", "crp_mg_l": 86.0}
    intake |= {name: name in ("fever", "non_weight_bearing") for name in RED_FLAGS}
    intake |= details_for(["fever", "non_weight_bearing"])
    _, errors = validate_intake(intake)
    assert {"fatigue", "pain_pattern", "triggers"} <= {e.field for e in errors}


def test_the_engine_reads_blank_sections_as_null_and_no_pathway_matches():
    inputs = {name: None for name in facts.INPUT_FACTS}
    inputs |= {name: False for name in facts.INPUT_FACTS if facts.INPUT_FACTS[name].type == "bool"}
    inputs |= {"age_years": 7, "sex": "female", "visit_type": "initial", "triggers": None}
    inputs |= {"pain_sites": ["hip_right"], "pain_duration_weeks": 20}
    inputs |= {"fever": True, "non_weight_bearing": True, "inflammatory_disease": "none"}
    inputs |= {"morning_stiffness_minutes": 0, "crp_mg_l": 86.0}
    result = CriteriaSet.objects.published().compiled().evaluate(facts.derive(inputs))
    assert result.outcome == "refer" and result.urgency == "emergency"
    assert result.pathways == []


def test_a_stored_empty_trigger_list_is_read_as_not_recorded(staff_client):
    staff_client.post(NEW, required_only(fever=True, non_weight_bearing=True))
    intake = Intake.objects.get()
    assert intake.input_facts()["triggers"] is None
    assert intake.current_screening.facts["triggers"] is None


def test_fhir_reads_an_intake_submitted_on_the_pathway(staff_client):
    staff_client.post(NEW, required_only(fever=True, non_weight_bearing=True))
    intake = Intake.objects.get()
    response = staff_client.get(reverse("interop:questionnaire_response", args=[intake.uuid]))
    assert response.status_code == 200
