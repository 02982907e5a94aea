"""The tiers' timeframes: one definition of the words, shown wherever a tier is shown."""

import pytest
from django.urls import reverse

from intake import services
from intake.models import Screening, Urgency
from intake.rules import engine
from tests.factories import IntakeFactory

WORDS = {
    "emergency": "Emergency — now / same day",
    "urgent": "Urgent — within 48 hours",
    "routine": "Routine — next routine clinic",
}


@pytest.mark.parametrize("tier", list(WORDS))
def test_one_definition_of_the_words(tier):
    assert engine.urgency_text(tier) == WORDS[tier]
    assert Urgency(tier).text == WORDS[tier]
    assert Screening(outcome="refer", urgency=tier).suggestion_text == f"Refer — {WORDS[tier]}"
    assert engine.urgency_text("") == ""


def test_the_patient_page_shows_each_visit_tier_with_its_timeframe(staff_client, alice):
    emergency = IntakeFactory(example_id="V17", non_weight_bearing=True, created_by=alice)
    services.screen_intake(intake=emergency)
    services.screen_intake(intake=IntakeFactory(example_id="V17", patient=emergency.patient))
    url = reverse("intake:patient_detail", args=[emergency.patient.uuid])
    html = staff_client.get(url).content.decode()
    assert ">Emergency — now / same day</span>" in html
    assert ">Urgent — within 48 hours</span>" in html
    assert 'class="badge badge-urgency badge-urgency-emergency"' in html
