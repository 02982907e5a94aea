"""SMART App Launch 2.0, EHR launch, as a client: the EHR's configuration, the authorize
request (PKCE S256), the token exchange, the id_token check and the Patient read. Tokens live
in local variables of one request: never in the session, a URL or a log."""

import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings

from interop.cds.fetching import UnsafeServer, check_server
from smart.models import SmartEhr

SCOPE = "launch openid fhirUser patient/Patient.rs patient/QuestionnaireResponse.rs"
PENDING = "_amps_smart_pending"  # state → what the callback needs (no token)
PENDING_SECONDS = 600
PENDING_MAX = 5
MAX_RESPONSE_BYTES = 1_000_000
ID_TOKEN_ALGORITHMS = ["RS256", "RS384", "ES256", "ES384"]


class LaunchRefused(Exception):
    """The launch cannot go on; the message is for the page and the access log."""


@dataclass
class LaunchResult:
    ehr: SmartEhr
    fhir_user: str
    patient: dict  # the EHR's Patient resource


def _get_json(url: str, **kwargs) -> dict:
    try:
        response = requests.get(url, timeout=settings.AMPS_OIDC_TIMEOUT, stream=True, **kwargs)
        body = response.raw.read(MAX_RESPONSE_BYTES + 1, decode_content=True)
    except requests.RequestException:
        raise LaunchRefused("The EHR did not answer.") from None
    if response.status_code != 200 or len(body) > MAX_RESPONSE_BYTES:
        raise LaunchRefused(f"The EHR answered {response.status_code} to {url.split('?')[0]}.")
    try:
        document = json.loads(body)
    except ValueError:
        raise LaunchRefused("The EHR's answer was not JSON.") from None
    if not isinstance(document, dict):
        raise LaunchRefused("The EHR's answer was not a JSON object.")
    return document


def _safe(url: str, what: str) -> str:
    """An EHR address the launch may use: https (plain http only to a loopback address, with
    AMPS_CDS_FHIR_ALLOW_HTTP, as the CDS service's reads): over http anyone on the path could
    serve their own keys and forge an id_token."""
    try:
        check_server(url.split("?", 1)[0])
    except UnsafeServer as problem:
        raise LaunchRefused(f"The EHR's {what} {problem}.") from None
    return url


def configuration(ehr: SmartEhr) -> dict:
    _safe(ehr.iss, "address (iss)")
    config = _get_json(f"{ehr.iss}/.well-known/smart-configuration")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(config.get(key), str):
            raise LaunchRefused(f"The EHR's smart-configuration has no {key}.")
        _safe(config[key], key)
    if "S256" not in (config.get("code_challenge_methods_supported") or []):
        raise LaunchRefused("The EHR does not offer PKCE with S256.")
    return config


def authorize_url(session, *, ehr: SmartEhr, launch: str, redirect_uri: str) -> str:
    """Where the browser goes next; remembers state, verifier and endpoints in the session."""
    config = configuration(ehr)
    state = secrets.token_urlsafe(32)
    verifier = secrets.token_urlsafe(64)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    now = time.time()
    pending = {
        key: value
        for key, value in session.get(PENDING, {}).items()
        if now - value["at"] < PENDING_SECONDS
    }
    while len(pending) >= PENDING_MAX:
        pending.pop(min(pending, key=lambda key: pending[key]["at"]))
    pending[state] = {
        "at": now,
        "ehr": ehr.pk,
        "verifier": verifier,
        "redirect_uri": redirect_uri,
        "token_endpoint": config["token_endpoint"],
        "jwks_uri": config["jwks_uri"],
        "issuer": config.get("issuer") or ehr.iss,
    }
    session[PENDING] = pending
    query = {
        "response_type": "code",
        "client_id": ehr.client_id,
        "redirect_uri": redirect_uri,
        "launch": launch,
        "scope": SCOPE,
        "state": state,
        "aud": ehr.iss,
        "code_challenge": challenge.decode(),
        "code_challenge_method": "S256",
    }
    return f"{config['authorization_endpoint']}?{urlencode(query)}"


def take_pending(session, state: str) -> dict:
    """The launch this state belongs to, used once; a forged or stale state is refused."""
    pending = session.get(PENDING, {})
    entry = pending.pop(state, None) if state else None
    session[PENDING] = pending
    if entry is None or time.time() - entry["at"] >= PENDING_SECONDS:
        raise LaunchRefused("This launch was not started here, or it is too old (bad state).")
    return entry


def complete(entry: dict, *, code: str) -> LaunchResult:
    ehr = SmartEhr.objects.filter(pk=entry["ehr"], active=True).first()
    if ehr is None:
        raise LaunchRefused("This EHR is no longer allowed to launch the app.")
    tokens = _token(ehr, entry, code)
    claims = _verified_id_token(ehr, entry, tokens.get("id_token"))
    fhir_user = str(claims.get("fhirUser") or "")
    if fhir_user.startswith(ehr.iss + "/"):
        fhir_user = fhir_user[len(ehr.iss) + 1 :]
    patient_id = tokens.get("patient")
    if not isinstance(patient_id, str) or not patient_id or "/" in patient_id:
        raise LaunchRefused("The EHR gave no patient in the launch context.")
    patient = _get_json(
        f"{ehr.iss}/Patient/{patient_id}",
        headers={
            "Authorization": f"Bearer {tokens['access_token']}",
            "Accept": "application/fhir+json",
        },
    )
    if patient.get("resourceType") != "Patient":
        raise LaunchRefused("The EHR's Patient read did not return a Patient.")
    return LaunchResult(ehr=ehr, fhir_user=fhir_user, patient=patient)


def _token(ehr: SmartEhr, entry: dict, code: str) -> dict:
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": entry["redirect_uri"],
        "code_verifier": entry["verifier"],
    }
    auth = None
    if ehr.client_secret:
        auth = (ehr.client_id, ehr.client_secret)
    else:
        data["client_id"] = ehr.client_id
    try:
        response = requests.post(
            entry["token_endpoint"], data=data, auth=auth, timeout=settings.AMPS_OIDC_TIMEOUT
        )
        tokens = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        tokens = None
    if not isinstance(tokens, dict) or not isinstance(tokens.get("access_token"), str):
        raise LaunchRefused("The EHR did not give an access token for this launch.")
    return tokens


def _verified_id_token(ehr: SmartEhr, entry: dict, id_token) -> dict:
    if not isinstance(id_token, str):
        raise LaunchRefused("The EHR gave no id_token (who is launching is unknown).")
    try:
        key = jwt.PyJWKClient(entry["jwks_uri"], timeout=settings.AMPS_OIDC_TIMEOUT)
        signing_key = key.get_signing_key_from_jwt(id_token)
        return jwt.decode(
            id_token,
            signing_key.key,
            algorithms=ID_TOKEN_ALGORITHMS,
            audience=ehr.client_id,
            issuer=entry["issuer"],
            options={"require": ["exp", "iat", "sub", "aud", "iss"]},
            leeway=30,
        )
    except jwt.PyJWTError as error:
        raise LaunchRefused(f"The EHR's id_token could not be verified ({error}).") from None


def mrn_of(patient: dict, system: str) -> str | None:
    """The MRN under the clinic's MRN system, and nothing else (never a name)."""
    for identifier in patient.get("identifier") or []:
        if isinstance(identifier, dict) and identifier.get("system") == system:
            value = identifier.get("value")
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def identity_of(patient: dict, mrn: str) -> dict:
    """What a new intake is prefilled with (the form checks it like anything typed)."""
    names = [n for n in patient.get("name") or [] if isinstance(n, dict)]
    name = next((n for n in names if n.get("use") == "official"), names[0] if names else {})
    given = name.get("given") or []
    identity = {
        "mrn": mrn[:20],
        "given_name": str(given[0] if given else "")[:100],
        "family_name": str(name.get("family") or "")[:100],
        "date_of_birth": str(patient.get("birthDate") or "")[:10],
    }
    if patient.get("gender") in ("female", "male", "other", "unknown"):
        identity["sex"] = patient["gender"]
    return identity
