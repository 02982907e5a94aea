"""Several app servers, one database: two gunicorn processes (A and B) on two ports, and one
task worker, all on the test database, behave as one site behind a load balancer. Nothing a
user depends on is kept in one process: sessions, login lockouts, the published criteria set,
the jobs, the one-time form tokens. PostgreSQL only (CI sets DATABASE_URL)."""

import json
import re
import signal
import time

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, make_password
from django.db import connection

from intake import services
from intake.models import CriteriaSet, Criterion, Intake, ReferenceCase, Screening
from intake.roles import CLINIC_STAFF, CRITERIA_EDITOR
from tests.conftest import PASSWORD, _user_with_role
from tests.factories import V06_CASE, example, form_data
from tests.servers import Client, hidden_inputs, start_server, start_worker

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="several server processes need the test database on PostgreSQL (DATABASE_URL)",
    ),
]
STIFFNESS_15 = "morning_stiffness_minutes >= 15"


def user(username: str, role: str, **extra):
    person = _user_with_role(username, role, **extra)
    # The servers hash as deployed (not the tests' fast hasher).
    person.password = make_password(PASSWORD, hasher=PBKDF2PasswordHasher())
    person.save(update_fields=["password"])
    return person


@pytest.fixture
def servers(tmp_path, migration_data):
    started = []
    try:
        a, base_a = start_server(tmp_path, "server-a")
        started.append(a)
        b, base_b = start_server(tmp_path, "server-b")
        started.append(b)
        started.append(start_worker(tmp_path, "worker"))
        yield base_a, base_b
    finally:
        for process in started:
            process.kill(signal.SIGTERM)


def test_two_app_servers_share_sessions_lockouts_criteria_and_jobs(servers):
    base_a, base_b = servers
    user("alice", CLINIC_STAFF)
    carol = user("carol", CRITERIA_EDITOR, is_staff=True)
    user("erin", CLINIC_STAFF)

    # Signed in on A, the same browser continues on B. (Everyone signs in before the failures
    # below: they lock this test's one address too, whatever the username.)
    staff = Client(base_b)
    assert staff.sign_in("alice", PASSWORD).status == 302
    editor = Client(base_a)
    assert editor.sign_in("carol", PASSWORD).status == 302
    editor.base = base_b
    assert editor.get("/admin/intake/criteriaset/").status == 200

    # Five failed sign-ins, spread over A and B, lock the username: even the right password.
    attacker = Client(base_a)
    for attempt in range(5):
        attacker.base = (base_a, base_b)[attempt % 2]
        attacker.sign_in("erin", "not the password")
    attacker.base = base_b
    assert attacker.sign_in("erin", PASSWORD).status == 429
    assert Client(base_a).sign_in("erin", PASSWORD).status == 429

    # A draft is opened on A; its impact preview (a task started from A) is followed from B.
    draft = services.new_draft(user=carol)
    Criterion.objects.filter(criteria_set=draft, code="rf_morning_stiffness").update(
        expression=STIFFNESS_15
    )
    ReferenceCase.objects.filter(name=V06_CASE).update(expected_outcome="refer")
    publish_path = f"/admin/intake/criteriaset/{draft.pk}/publish/"
    editor.base = base_a
    page = editor.get(publish_path)
    assert page.status == 200
    progress_path = re.search(r'data-progress-url="([^"]+)"', page.text).group(1)
    editor.base = base_b
    state = follow(editor, progress_path)
    assert state["status"] == "succeeded" and state["percent"] == 100

    # Published through A ...
    editor.base = base_a
    published = editor.post_form(publish_path, {"note": "Stiffness of 15 minutes refers."})
    assert published.status == 302, published.text[-2000:]
    assert CriteriaSet.objects.published() == draft

    # ... and used by the next submit on B.
    submitted = staff.post_form("/intakes/new/", form_data(example("V06"), mrn="MRN-2001"))
    assert submitted.status == 302, submitted.text[-2000:]
    screening = Screening.objects.order_by("-created_at").first()
    assert screening.criteria_set == draft
    assert screening.outcome == "refer"

    # A form's one-time token used on A is refused as a duplicate on B (posted twice, saved once).
    staff.base = base_a
    form = hidden_inputs(staff.get("/intakes/new/").text)
    assert form.get("form_token")
    data = {**form, **form_data(example("V01"), mrn="MRN-2002")}
    first = staff.post("/intakes/new/", data)
    assert first.status == 302
    staff.base = base_b
    again = staff.post("/intakes/new/", data)
    assert again.status == 302 and again.location == first.location  # to the first one's result
    assert Intake.objects.filter(patient__mrn="MRN-2002").count() == 1
    assert "already submitted" in staff.get(again.location).text


def follow(client: Client, path: str, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(path)
        assert response.status == 200, response.text[-500:]
        state = json.loads(response.text)
        if state["finished"]:
            return state
        time.sleep(0.3)
    raise AssertionError(f"the job did not finish: {state}")
