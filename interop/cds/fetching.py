"""Reading the EHR's FHIR server when a CDS Hooks call lacks data the service needs.

CDS Hooks 2.0: a service may read the CDS client's `fhirServer` with the `fhirAuthorization`
bearer token when a prefetch is missing (or the EHR's own prefetch failed and it sent an
OperationOutcome). Only the server allow-listed on the CDS client is read (as with `jku`,
exactly the configured value: a call cannot point the service at another host), over https;
plain http only to a loopback address, and only with AMPS_CDS_FHIR_ALLOW_HTTP (tests,
DEBUG). Redirects are not followed, answers are size-limited, every read has a timeout."""

from __future__ import annotations

import ipaddress
import json
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode, urlsplit

import httpx
from django.conf import settings

FHIR_JSON = "application/fhir+json"
# A FHIR id (R4 datatypes: [A-Za-z0-9\-\.]{1,64}): the only patientId put into a URL.
FHIR_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
MAX_SERVER_URL = 300
LOOPBACK_NAMES = ("localhost",)
# The responses read for one call (latest first): the latest completed one is screened.
RESPONSES_COUNT = 10

# One client per process: its connection pool is reused across calls (thread-safe), and a few
# threads so that a call's reads (the Patient, the responses) wait for the server together.
_client: httpx.Client | None = None
_client_lock = threading.Lock()
_readers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="fhir-read")


class UnsafeServer(ValueError):
    """A fhirServer the service will not read."""


class FetchFailed(Exception):
    """The EHR's FHIR server could not give what was asked (answered 412)."""


def _is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_server(url: str) -> str:
    """The FHIR base URL without a trailing slash, or UnsafeServer: https (or http to a
    loopback address when allowed), a host, no user, query or fragment."""
    if not isinstance(url, str) or not url or len(url) > MAX_SERVER_URL:
        raise UnsafeServer(f"must be a URL of at most {MAX_SERVER_URL} characters")
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise UnsafeServer("is not a valid URL") from None
    if not host or parts.username or parts.password or parts.query or parts.fragment:
        raise UnsafeServer("must be a plain base URL (a host, no user, query or fragment)")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise UnsafeServer("must not contain spaces or control characters")
    if parts.scheme == "https":
        return url.rstrip("/")
    if parts.scheme == "http" and settings.AMPS_CDS_FHIR_ALLOW_HTTP and _is_loopback(host):
        return url.rstrip("/")
    raise UnsafeServer("must use https")


def allowed_server(requested: str, configured: str) -> str:
    """The server to read for this call: the one the client is configured with, when the
    call names exactly it; else UnsafeServer."""
    if not configured:
        raise UnsafeServer("is not allow-listed for this CDS client (no FHIR server configured)")
    base = check_server(requested)
    if base != configured.rstrip("/"):
        raise UnsafeServer("is not the FHIR server allow-listed for this CDS client")
    return base


def http_client() -> httpx.Client:
    global _client
    with _client_lock:
        if _client is None:
            _client = _new_client()
    return _client


def _new_client() -> httpx.Client:
    timeout = settings.AMPS_CDS_FHIR_TIMEOUT
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=timeout),
        follow_redirects=False,
        trust_env=False,  # never a proxy from the environment
        limits=httpx.Limits(max_connections=32, max_keepalive_connections=16),
    )


def read(base: str, path: str, params: dict | None, token: str, *, expect: str) -> dict:
    """GET base/path?params as FHIR JSON; the resource, of type `expect`, or FetchFailed."""
    url = f"{base}/{path}" + (f"?{urlencode(params)}" if params else "")
    headers = {"Accept": FHIR_JSON}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    limit = settings.AMPS_CDS_MAX_REQUEST_BYTES
    try:
        with http_client().stream("GET", url, headers=headers) as response:
            if response.status_code != 200:
                raise FetchFailed(f"{path.split('/')[0]}: the FHIR server answered "
                                  f"{response.status_code}")  # fmt: skip
            body = bytearray()
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > limit:
                    raise FetchFailed(f"{path.split('/')[0]}: the answer is too large")
    except httpx.HTTPError as error:
        raise FetchFailed(f"{path.split('/')[0]}: {type(error).__name__}") from None
    try:
        resource = json.loads(bytes(body))
    except (ValueError, RecursionError):
        raise FetchFailed(f"{path.split('/')[0]}: the answer is not JSON") from None
    if not isinstance(resource, dict) or resource.get("resourceType") != expect:
        raise FetchFailed(f"{path.split('/')[0]}: the answer is not a {expect}")
    return resource


def read_all(reads: dict) -> tuple[dict, list[FetchFailed]]:
    """Run the reads {key: (function, *arguments)} at once: the results of those that
    succeeded, by key, and the FetchFailed of the others (one failed read spoils no other)."""
    if len(reads) == 1:
        ((key, (function, *arguments)),) = reads.items()
        try:
            return {key: function(*arguments)}, []
        except FetchFailed as error:
            return {}, [error]
    futures = {
        key: _readers.submit(function, *arguments) for key, (function, *arguments) in reads.items()
    }
    found, failed = {}, []
    for key, future in futures.items():
        try:
            found[key] = future.result()
        except FetchFailed as error:
            failed.append(error)
    return found, failed


def fetch_patient(base: str, patient_id: str, token: str) -> dict:
    if not FHIR_ID.fullmatch(patient_id):
        raise FetchFailed("context.patientId is not a FHIR id")
    return read(base, f"Patient/{patient_id}", None, token, expect="Patient")


def fetch_responses(base: str, patient_id: str, questionnaire: str, token: str) -> dict:
    """The patient's completed responses to our Questionnaire, latest first (a Bundle)."""
    if not FHIR_ID.fullmatch(patient_id):
        raise FetchFailed("context.patientId is not a FHIR id")
    params = {
        "subject": f"Patient/{patient_id}",
        "questionnaire": questionnaire,
        "status": "completed",
        "_sort": "-authored",
        "_count": RESPONSES_COUNT,
    }
    return read(base, "QuestionnaireResponse", params, token, expect="Bundle")
