"""Issue 26: no input gives a 500. Hypothesis posts NULs, lone surrogates, huge and
non-ASCII numbers and impossible dates to every page of the URLconf (outside the admin), as
query strings and as form bodies, and into every field of the CDS Hooks JSON calls; each
answer must be under 500. Bounded (a few dozen examples each) to run in well under a minute.
"""

import copy
import json
from urllib.parse import quote

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.forms import IntakeForm
from intake.models import Intake, Patient
from interop.models import CdsCard, CdsClient
from tests.factories import PatientFactory, UserFactory
from tests.interop_helpers import screened
from tests.test_interop_cds import (
    EXAMPLES,
    FEEDBACK,
    ISSUER,
    TENANT,
    _with_our_card,
    call,
    hook_call,
)


@pytest.fixture
def ehr(db):
    """The spec's example EHR, as in tests/test_interop_cds.py."""
    return CdsClient.objects.create(
        label="Example EHR", issuer=ISSUER, jwks=EXAMPLES["jwks_public"], tenant=TENANT
    )


NASTY = [
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "٥",
    "５",
    "²",
    "٢٠١٢-01-01",
    "２０２５-01-01",
    "9" * 40,
    "-" + "9" * 40,
    "1e309",
    "NaN",
    "-inf",
    "0001-01-01",
    "9999-12-31",
    "2025-13-45",
    "2025-02-30",
    "2025-01-01T25:61:00+99:00",
    "0",
    "-1",
    "",
    " ",
    "x" * 6000,
    '"\\u0000"',
    '{"a": "\\ud800"}',
    "[]",
    "%00",
    "../../etc/passwd",
]
values = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=20),
    st.integers().map(str),
    st.tuples(st.sampled_from(NASTY), st.text(max_size=5)).map("".join),
)
SUPPRESS = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def _routes(patterns=None, prefix=""):
    """(route, converters) of every URL outside the admin."""
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("admin/"):
                continue
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


ROUTES = sorted(set(_routes()))
FIELD_NAMES = sorted(
    {
        *IntakeForm().fields,
        "action",
        "q",
        "mrn",
        "page",
        "outcome",
        "reason",
        "code",
        "enrolment_code",
        "recovery_code",
        "text",
        "comment",
        "decision",
        "disposition",
        "date_from",
        "date_to",
        "profile",
        "format",
        "status",
        "criteria_version",
        "purpose",
        "version",
        "next",
        "username",
        "password",
    }  # fmt: skip
)


def _encode(data: dict[str, str]) -> str:
    """A form body as a browser would send it, lone surrogates as their (invalid) bytes."""
    return "&".join(
        f"{quote(key)}={quote(value.encode('utf-8', 'surrogatepass'))}"
        for key, value in data.items()
    )


@pytest.fixture
def world(db, client):
    """A superuser (every permission) and one patient with a screened, unsigned intake."""
    user = UserFactory(username="fuzz-admin", is_superuser=True, is_staff=True)
    client.force_login(user)
    screening = screened("V01")
    return client, screening.intake


def _url(route: str, intake: Intake, tail: str) -> str:
    import re

    def fill(match):
        converter = match.group(1)
        if converter == "uuid":
            return str(intake.patient.uuid if route.startswith("patients") else intake.uuid)
        if converter == "slug":
            return "letter"
        return quote(tail.encode("utf-8", "surrogatepass"), safe="") or "x"

    url = re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)
    url = url.replace("^", "").replace("$", "").replace("(?P<path>.*)", "x")
    return "/" + url


@settings(max_examples=40, deadline=None, suppress_health_check=SUPPRESS, derandomize=True)
@given(
    route=st.sampled_from(ROUTES),
    tail=values,
    method=st.sampled_from(["get", "post"]),
    data=st.dictionaries(st.sampled_from(FIELD_NAMES), values, max_size=6),
)
def test_no_page_answers_500_to_any_input(world, route, tail, method, data):
    client, intake = world
    # Signed in for every example: a sign-out route drawn earlier would otherwise leave the
    # rest of the run testing the sign-in redirect only.
    client.force_login(get_user_model().objects.get(username="fuzz-admin"))
    url = _url(route, intake, tail)
    body = _encode(data)
    if method == "get":
        response = client.get(f"{url}?{body}")
    else:
        response = client.post(url, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500, (method, url, data)


@settings(max_examples=40, deadline=None, suppress_health_check=SUPPRESS, derandomize=True)
@given(
    where=st.sampled_from(
        [
            ("hookInstance",),
            ("context", "patientId"),
            ("context", "userId"),
            ("prefetch", "patient", "identifier", 0, "value"),
            ("prefetch", "patient", "birthDate"),
            ("prefetch", "patient", "gender"),
            ("prefetch", "questionnaireResponses"),
        ]
    ),
    value=st.one_of(values, st.integers(), st.floats(), st.lists(values, max_size=2)),
)
def test_no_cds_call_answers_500(client, ehr, where, value):
    patient = Patient.objects.filter(mrn="MRN-FUZZ").first() or PatientFactory(mrn="MRN-FUZZ")
    body = hook_call(patient)
    place = body
    for step in where[:-1]:
        place = place[step]
    place[where[-1]] = value
    response = call(client, body)
    assert response.status_code < 500, (where, value)


@settings(max_examples=40, deadline=None, suppress_health_check=SUPPRESS, derandomize=True)
@given(
    name=st.sampled_from(
        ["card", "outcome", "outcomeTimestamp", "acceptedSuggestions", "overrideReason"]
    ),
    value=st.one_of(
        values,
        st.integers(),
        st.floats(),
        st.lists(values, max_size=2),
        st.dictionaries(st.sampled_from(["reason", "userComment", "id"]), values, max_size=2),
    ),  # fmt: skip
)
def test_no_cds_feedback_answers_500(client, ehr, name, value):
    card = CdsCard.objects.filter(client=ehr).first()
    if card is None:
        patient = PatientFactory(mrn="MRN-FEEDBACK")
        screened("V01", patient=patient)
        call(client, hook_call(patient))
        card = CdsCard.objects.get(client=ehr)
    body = _with_our_card(copy.deepcopy(EXAMPLES["feedback_overridden"]), str(card.uuid))
    body["feedback"][0][name] = value
    response = call(client, body, url=FEEDBACK)
    assert response.status_code < 500, (name, value)
    assert json.loads(response.content)  # JSON, with the field named on a 400
