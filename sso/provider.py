"""The OpenID Connect provider as the settings describe it: its discovery document, the role
map, and its sign-out URL."""

import time
from urllib.parse import urlencode

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from intake.roles import ROLES

# Discovery documents per issuer, kept for an hour in the process (providers rotate keys, not
# endpoints; the keys themselves are fetched at each sign-in by mozilla-django-oidc).
_DISCOVERY: dict[str, tuple[float, dict]] = {}
DISCOVERY_SECONDS = 3600
# The endpoints mozilla-django-oidc asks for, and their names in the discovery document.
ENDPOINT_SETTINGS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}


# In the session of a user who signed in through the provider.
SIGNED_ON = "_amps_signed_on"


class ProviderUnavailable(Exception):
    """The discovery document could not be read (the provider is down or misconfigured)."""


def enabled() -> bool:
    return bool(settings.AMPS_OIDC_ISSUER and settings.AMPS_OIDC_CLIENT_ID)


def discovery() -> dict:
    issuer = settings.AMPS_OIDC_ISSUER
    cached = _DISCOVERY.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.AMPS_OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"{url}: {error.__class__.__name__}") from None
    if not isinstance(document, dict) or document.get("issuer", "").rstrip("/") != issuer:
        raise ProviderUnavailable(f"{url}: its issuer is not {issuer}")
    _DISCOVERY[issuer] = (time.monotonic(), document)
    return document


def get_setting(attr: str, *default):
    """mozilla-django-oidc's settings, with the endpoints read from discovery."""
    from mozilla_django_oidc.utils import import_from_settings

    if attr in ENDPOINT_SETTINGS:
        return discovery().get(ENDPOINT_SETTINGS[attr], *default or [None])
    return import_from_settings(attr, *default)


def role_map(raw: str | None = None) -> dict[str, str]:
    """AMPS_OIDC_ROLE_MAP ("claim value=Group name, …") as {claim value: role}."""
    raw = settings.AMPS_OIDC_ROLE_MAP if raw is None else raw
    mapping = {}
    for pair in raw.split(","):
        if not pair.strip():
            continue
        value, sep, role = pair.partition("=")
        if not sep or not value.strip() or role.strip() not in ROLES:
            raise ImproperlyConfigured(
                f"AMPS_OIDC_ROLE_MAP: {pair.strip()!r} is not 'claim value=role' with a role "
                f"among {', '.join(ROLES)}."
            )
        mapping[value.strip()] = role.strip()
    return mapping


def roles_from_claims(claims: dict) -> set[str]:
    values = claims.get(settings.AMPS_OIDC_ROLE_CLAIM) or []
    if isinstance(values, str):
        values = values.split()
    if not isinstance(values, list):
        return set()
    mapping = role_map()
    return {mapping[value] for value in values if isinstance(value, str) and value in mapping}


def second_factor_done(claims: dict) -> bool:
    """The provider says it asked for a second factor (its `amr` holds an accepted value)."""
    amr = claims.get("amr") or []
    accepted = set(settings.AMPS_OIDC_MFA_AMR)
    return isinstance(amr, list) and bool(accepted & {v for v in amr if isinstance(v, str)})


def provider_logout_url(request) -> str:
    """RP-initiated logout: the provider's end_session_endpoint, when it offers one, with our
    client_id (not the id_token: no token in a URL) and our sign-in page to come back to; a
    session that did not come from the provider, or a provider without it: our sign-in page."""
    from django.urls import reverse

    back = request.build_absolute_uri(reverse(settings.LOGOUT_REDIRECT_URL))
    try:
        signed_on = request.session.get(SIGNED_ON) and enabled()
        end_session = discovery().get("end_session_endpoint") if signed_on else None
    except ProviderUnavailable:
        end_session = None
    if not end_session:
        return back
    query = {"client_id": settings.AMPS_OIDC_CLIENT_ID, "post_logout_redirect_uri": back}
    return f"{end_session}?{urlencode(query)}"


def display_name() -> str:
    return settings.AMPS_OIDC_NAME
