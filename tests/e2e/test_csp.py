"""The Content Security Policy holds on the main pages and the admin: no violation at all."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from intake import services
from intake.models import CriteriaSet
from tests.factories import IntakeFactory, UserFactory


@pytest.fixture
def violations(page):
    """Console messages about the Content Security Policy, and uncaught page errors."""
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: found.append(f"page error: {error}"))
    return found


def visit_all(page, live_server, paths, violations):
    for path in paths:
        response = page.goto(f"{live_server.url}{path}")
        assert response.status < 400, (path, response.status)
        page.wait_for_load_state("networkidle")
        assert violations == [], (path, violations)


def test_staff_and_rheumatologist_pages_raise_no_csp_violation(
    page, live_server, login, alice, bob, violations
):
    intake = IntakeFactory(created_by=alice)
    screening = services.screen_intake(intake=intake)
    login("alice")
    visit_all(
        page,
        live_server,
        [
            reverse("intake:intake_list"),
            reverse("intake:intake_create"),
            reverse("intake:intake_detail", args=[intake.uuid]),
            reverse("intake:intake_edit", args=[intake.uuid]),
        ],
        violations,
    )
    page.context.clear_cookies()
    login("bob")
    visit_all(
        page,
        live_server,
        [
            reverse("intake:review_queue"),
            reverse("intake:review_create", args=[screening.uuid]),
            reverse("intake:review_agreement"),
        ],
        violations,
    )


def test_admin_pages_raise_no_csp_violation(page, live_server, login, carol, violations):
    published = CriteriaSet.objects.published()
    draft = services.new_draft(user=carol)
    login("carol")
    visit_all(
        page,
        live_server,
        [
            reverse("admin:index"),
            reverse("admin:intake_criteriaset_changelist"),
            reverse("admin:intake_criteriaset_change", args=[published.pk]),
            reverse("admin:intake_criteriaset_change", args=[draft.pk]),
            reverse("admin:intake_criteriaset_history", args=[published.pk]),
            reverse("admin:intake_referencecase_changelist"),
            reverse("admin:intake_referencecase_add"),
        ],
        violations,
    )


def test_auditor_pages_raise_no_csp_violation(page, live_server, login, violations):
    auditor = UserFactory(username="audrey", is_staff=True)
    auditor.groups.add(Group.objects.get(name="Auditor"))
    login("audrey")
    visit_all(
        page,
        live_server,
        [
            reverse("admin:audit_accessevent_changelist"),
            reverse("admin:intake_historicalintake_changelist"),
        ],
        violations,
    )
