"""Who may read our FHIR resources: a signed-in user with the right role (session), or a
system presenting an API client's bearer token. Answers in FHIR: an OperationOutcome."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from functools import wraps

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from interop.fhir.common import FHIR_JSON, operation_outcome
from interop.models import TOKEN_PREFIX, ApiClient, ApiScope

LAST_USED_PRECISION = timedelta(minutes=5)


def fhir_response(resource: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(
        json.dumps(resource, ensure_ascii=False),
        status=status,
        content_type=f"{FHIR_JSON}; charset=utf-8",
    )


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


def fhir_read(*permissions: str) -> Callable:
    """A read-only FHIR endpoint: GET only; a bearer token with the `read` scope, or a
    signed-in user holding every one of `permissions`. Sets request.api_client."""

    def decorate(view: Callable) -> Callable:
        @login_not_required
        @never_cache
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method != "GET":
                response = fhir_error(405, "not-supported", "Only GET (read) is supported.")
                response["Allow"] = "GET"
                return response
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
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
