"""Who may read our FHIR resources: a signed-in user with the right role (session), or a
system presenting an API client's bearer token. Answers in FHIR: an OperationOutcome."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from interop.fhir.common import FHIR_JSON, operation_outcome, with_narrative
from interop.models import TOKEN_PREFIX, ApiClient, ApiScope

LAST_USED_PRECISION = timedelta(minutes=5)


def fhir_response(resource: dict, status: int = 200) -> HttpResponse:
    """The resource as FHIR JSON, with a generated narrative on it (and on a Bundle's
    resources); a single resource also gets its ETag (W/"versionId", else of its content)
    and Last-Modified from meta.lastUpdated."""
    if resource.get("resourceType") == "Bundle":
        for entry in resource.get("entry", []):
            if "resource" in entry:
                entry["resource"] = with_narrative(entry["resource"])
    else:
        resource = with_narrative(resource)
    body = json.dumps(resource, ensure_ascii=False)
    response = HttpResponse(body, status=status, content_type=f"{FHIR_JSON}; charset=utf-8")
    if status == 200 and resource.get("resourceType") not in ("Bundle", "OperationOutcome"):
        meta = resource.get("meta") or {}
        tag = meta.get("versionId") or hashlib.sha256(body.encode()).hexdigest()[:16]
        response["ETag"] = f'W/"{tag}"'
        updated = parse_datetime(meta.get("lastUpdated") or "")
        if updated is not None:
            response["Last-Modified"] = http_date(updated.timestamp())
    return response


def fhir_error(status: int, code: str, diagnostics: str) -> HttpResponse:
    response = fhir_response(operation_outcome(code, diagnostics), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="amps_screen FHIR"'
    return response


def not_found(resource_type: str) -> HttpResponse:
    return fhir_error(404, "not-found", f"No {resource_type} with this id.")


def api_client_for(token: str) -> ApiClient | None:
    """The usable API client whose token this is, or None."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != TOKEN_PREFIX or not key_id or not secret or len(token) > 200:
        return None
    client = ApiClient.objects.filter(key_id=key_id).first()
    if client is None or not client.matches(secret) or not client.is_usable:
        return None
    now = timezone.now()
    if client.last_used_at is None or now - client.last_used_at > LAST_USED_PRECISION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
    return client


def caller_label(request: HttpRequest) -> str:
    """The API client's label for the access log ("" for a signed-in user)."""
    client = getattr(request, "api_client", None)
    return client.label if client else ""


JSON_FORMATS = ("json", "application/json", FHIR_JSON, "application/json+fhir")
SUMMARY_VALUES = ("false", "count")


def format_refusal(request: HttpRequest) -> HttpResponse | None:
    """406 when the caller asks for a format other than JSON (`_format`, or an Accept header
    naming XML or turtle and no JSON); None when JSON will do."""
    wanted = request.GET.get("_format")
    if wanted is not None:
        if wanted.split(";")[0].strip() not in JSON_FORMATS:
            return fhir_error(406, "not-supported", "Only JSON is supported (_format=json).")
        return None
    accept = request.headers.get("Accept", "")
    types = [part.split(";")[0].strip().lower() for part in accept.split(",") if part.strip()]
    if not types or any(t in ("*/*", "application/*") or "json" in t for t in types):
        return None
    return fhir_error(406, "not-supported", f"Only JSON is supported ({FHIR_JSON}).")


def _subset(response: HttpResponse, elements: str) -> HttpResponse:
    """`_elements`: only the named top-level elements (and id, meta), marked SUBSETTED; in a
    Bundle, of each entry's resource."""
    names = {name.strip() for name in elements.split(",") if name.strip()}

    def cut(resource: dict) -> dict:
        kept = {k: v for k, v in resource.items() if k in names or k in ("resourceType", "id")}
        meta = dict(resource.get("meta") or {})
        meta["tag"] = [*meta.get("tag", []), SUBSETTED]
        kept["meta"] = meta
        return kept

    body = json.loads(response.content)
    if body.get("resourceType") == "Bundle" and body.get("type") == "searchset":
        for entry in body.get("entry", []):
            entry["resource"] = cut(entry["resource"])
    elif body.get("resourceType") != "OperationOutcome":
        body = cut(body)
    subset = fhir_response(body, status=response.status_code)
    for header in ("ETag", "Last-Modified"):
        if header in response:
            subset[header] = response[header]
    return subset


SUBSETTED = {
    "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationValue",
    "code": "SUBSETTED",
    "display": "subsetted",
}


def fhir_read(*permissions: str, methods: tuple[str, ...] = ("GET",)) -> Callable:
    """A read-only FHIR endpoint: GET only (or `methods`); a bearer token with the `read`
    scope, or a signed-in user holding every one of `permissions`. Sets request.api_client.
    Anything but JSON is refused (406); `_summary` is `false` or `count` (searches) and
    `_elements` is honoured, any other `_summary` is refused."""

    def decorate(view: Callable) -> Callable:
        # csrf_exempt: these views change nothing (GET, or an operation that stores nothing);
        # a refused POST/PUT/DELETE gets its FHIR 405, not the HTML CSRF page.
        @csrf_exempt
        @login_not_required
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method not in methods:
                allowed = ", ".join(methods)
                response = fhir_error(
                    405, "not-supported", f"This server is read-only here: {allowed} only."
                )
                response["Allow"] = allowed
                return response
            refused = format_refusal(request)
            if refused is not None:
                return refused
            summary = request.GET.get("_summary")
            if summary is not None and summary not in SUMMARY_VALUES:
                return fhir_error(
                    400, "not-supported", "_summary: only `false` and `count` are supported."
                )
            request.api_client = None
            header = request.headers.get("Authorization")
            if header is not None:
                scheme, _, token = header.partition(" ")
                client = api_client_for(token.strip()) if scheme.lower() == "bearer" else None
                if client is None:
                    return fhir_error(401, "login", "The bearer token is missing, wrong, "
                                      "expired or revoked.")  # fmt: skip
                if client.scope != ApiScope.READ:
                    return fhir_error(403, "forbidden", "This token's scope does not allow reads.")
                request.api_client = client
            elif not request.user.is_authenticated:
                return fhir_error(
                    401, "login", "Sign in, or send `Authorization: Bearer <API token>`."
                )
            elif not request.user.has_perms(permissions):
                return fhir_error(403, "forbidden", "Your role does not allow reading this.")
            response = view(request, *args, **kwargs)
            elements = request.GET.get("_elements")
            if elements and response.status_code == 200:
                response = _subset(response, elements)
            return response

        return wrapper

    return decorate
