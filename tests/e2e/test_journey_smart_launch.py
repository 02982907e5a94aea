"""SMART App Launch 2.0 from an EHR stand-in (its own process, its own signing key): into the
right patient by MRN, into a prefilled new intake for a child we do not know, and refusals
(a forged state, an id_token signed with another key, an unknown EHR, an unlinked user)."""

import time
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from audit.models import AccessAction, AccessEvent
from tests.e2e.helpers import expect_accessible
from tests.factories import PatientFactory
from tests.identity_servers import start_smart_ehr

MRN_SYSTEM = "https://clinic.example/fhir/sid/mrn"


def ehr_patient(mrn: str, given: str, family: str) -> dict:
    return {
        "resourceType": "Patient",
        "identifier": [
            {"system": "https://ehr.example/other-id", "value": "X-1"},
            {"system": MRN_SYSTEM, "value": mrn},
        ],
        "name": [{"use": "official", "family": family, "given": [given]}],
        "gender": "male",
        "birthDate": "2014-03-02",
    }


def start_ehr(tmp_path, settings, *, client_secret: str = ""):
    settings.AMPS_MRN_SYSTEM = MRN_SYSTEM
    settings.AMPS_CDS_FHIR_ALLOW_HTTP = True  # the stand-in EHR is plain http on loopback
    known = PatientFactory(mrn="MRN-4711", given_name="Known", family_name="Child")
    # Same names as a known patient, another MRN: matching is by MRN only, never by name.
    PatientFactory(mrn="MRN-9999", given_name="Newly", family_name="Seen")
    config = {
        "client_id": "amps-smart",
        "client_secret": client_secret,
        "patients": {
            "ehr-1": ehr_patient("MRN-4711", "Known", "Child"),
            "ehr-2": ehr_patient("NEW-77", "Newly", "Seen"),
        },
        "launches": {
            "launch-known": {"patient": "ehr-1", "fhirUser": "Practitioner/123"},
            "launch-new": {"patient": "ehr-2", "fhirUser": "Practitioner/123"},
            "launch-other-key": {
                "patient": "ehr-1",
                "fhirUser": "Practitioner/123",
                "sign_with": "other",
            },
            "launch-unlinked": {"patient": "ehr-1", "fhirUser": "Practitioner/999"},
        },
    }
    process, iss = start_smart_ehr(tmp_path, config)
    secret = ["--client-secret", client_secret] if client_secret else []
    call_command("add_smart_ehr", "--iss", iss, "--client-id", "amps-smart", *secret)
    call_command("link_ehr_user", "alice", "--iss", iss, "--fhir-user", "Practitioner/123")
    return process, {"iss": iss, "known": known}


@pytest.fixture
def ehr(live_server, tmp_path, settings, alice):
    """A public client: PKCE only."""
    process, details = start_ehr(tmp_path, settings)
    yield details
    process.kill()


@pytest.fixture
def confidential_ehr(live_server, tmp_path, settings, alice):
    """A confidential client: the EHR refuses the code without our secret (HTTP Basic)."""
    process, details = start_ehr(tmp_path, settings, client_secret="ehr-client-secret-123")
    yield details
    process.kill()


def launch(page, live_server, iss: str, launch_id: str) -> None:
    page.goto(f"{live_server.url}/smart/launch?iss={quote(iss)}&launch={launch_id}")


def test_launch_opens_the_patient_known_by_mrn(page, live_server, ehr):
    launch(page, live_server, ehr["iss"], "launch-known")
    expect(page).to_have_url(f"{live_server.url}/patients/{ehr['known'].uuid}/")
    expect(page.get_by_role("heading", name="Known Child")).to_be_visible()
    event = AccessEvent.objects.get(action=AccessAction.LAUNCH)
    assert event.user.username == "alice" and event.patient == ehr["known"]
    assert event.detail["fhir_user"] == "Practitioner/123"
    assert event.detail["signed_in_by_launch"] is True


def test_the_second_factor_is_still_asked_then_the_patient_opens(
    page, live_server, ehr, settings, alice
):
    settings.AMPS_REQUIRE_2FA = True
    device = TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)
    launch(page, live_server, ehr["iss"], "launch-known")
    patient_page = f"/patients/{ehr['known'].uuid}/"
    expect(page).to_have_url(
        f"{live_server.url}/accounts/2fa/verify/?next={quote(patient_page, safe='')}"
    )
    totp = TOTP(device.bin_key)
    totp.time = time.time()
    page.get_by_label("6-digit code from your authenticator app").fill(f"{totp.token():06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page).to_have_url(f"{live_server.url}{patient_page}")


def test_a_confidential_client_launches_with_its_secret(page, live_server, confidential_ehr):
    launch(page, live_server, confidential_ehr["iss"], "launch-known")
    expect(page).to_have_url(f"{live_server.url}/patients/{confidential_ehr['known'].uuid}/")


def test_launch_for_a_child_we_do_not_know_prefills_a_new_intake(page, live_server, ehr):
    launch(page, live_server, ehr["iss"], "launch-new")
    expect(page).to_have_url(f"{live_server.url}/intakes/new/")
    expect(page.get_by_label("MRN")).to_have_value("NEW-77")
    expect(page.get_by_label("Given name")).to_have_value("Newly")
    expect(page.get_by_label("Family name")).to_have_value("Seen")
    event = AccessEvent.objects.get(action=AccessAction.LAUNCH)
    assert event.patient is None and event.detail["known_patient"] is False


@pytest.mark.parametrize(
    ("how", "says"),
    [
        ("forged-state", "bad state"),
        ("launch-other-key", "could not be verified"),
        ("unknown-iss", "unknown iss"),
        ("launch-unlinked", "not linked"),
    ],
)
def test_refused_launches_end_on_a_clear_page(page, live_server, ehr, how, says):
    if how == "forged-state":
        # A callback with a state this browser's session never sent to the EHR.
        page.goto(f"{live_server.url}/smart/callback?code=anything&state=forged")
    elif how == "unknown-iss":
        launch(page, live_server, "https://evil.example/fhir", "launch-known")
    else:
        launch(page, live_server, ehr["iss"], how)
    expect(page.get_by_role("heading", name="The app could not open from the EHR")).to_be_visible()
    expect(page.get_by_text(says)).to_be_visible()
    refused = AccessEvent.objects.filter(action=AccessAction.LAUNCH_REFUSED).latest("pk")
    assert says in refused.detail["reason"]
    if how == "launch-other-key":
        expect_accessible(page, "EHR launch refused")
        assert not AccessEvent.objects.filter(action=AccessAction.LAUNCH).exists()
