"""The intake form's error summary lists the problems in the order the page shows them."""

import re

import pytest
from django.urls import reverse

from intake.forms import IntakeForm
from tests.factories import example, form_data

pytestmark = pytest.mark.django_db


def _anchors_in_summary(html: str) -> list[str]:
    summary = html.split('id="form-errors"')[1].split("</ul>")[0]
    return re.findall(r'href="#([^"]+)"', summary)


def test_the_summary_follows_the_page_order(staff_client):
    # Problems in every section: an empty pain site list, a bad pain score, unanswered red
    # flags, an impossible lab value and a future intake date.
    data = form_data(example("V01"))
    for name in ("pain_sites", "fever", "night_pain", "triggers"):
        data.pop(name, None)
    data.update(pain_now="11", haemoglobin_g_dl="-1", intake_date="2999-01-01", action="submit")
    html = staff_client.post(reverse("intake:intake_create"), data).content.decode()
    anchors = _anchors_in_summary(html)
    assert len(anchors) >= 6, anchors
    form_html = html.split('id="intake-form"')[1]
    positions = [form_html.index(f'id="{anchor}"') for anchor in anchors]
    assert positions == sorted(positions), anchors


def test_every_field_of_the_form_has_a_place_in_the_page_order():
    form = IntakeForm()
    order = form.fields_in_page_order()
    assert len(order) == len(set(order))
    missing = set(form.fields) - set(order) - {"form_token"}
    assert missing == set()
