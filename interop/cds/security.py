"""Who is calling our CDS Hooks service: the EHR's signed JWT, checked as CDS Hooks 2.0 requires.

The JWT must be signed with ES256, ES384 or RS384 (never `none` or HMAC) by a key in the
JWKS of an allow-listed issuer (a CdsClient), name our service URL as `aud`, carry `exp`,
`iat` and a `jti` never seen before (a replay is refused), and match the client's tenant and
`jku` when these are configured."""

from __future__ import annotations

import functools
import secrets
from datetime import UTC, datetime, timedelta

import jwt
from django.db import IntegrityError, transaction
from django.utils import timezone

from amps_screen.inputs import BadInput, check_strings
from interop.models import CdsClient, UsedJwtId

ALGORITHMS = ("ES256", "ES384", "RS384")
LEEWAY_SECONDS = 30
# A JWT for one call should live minutes; a longer one is refused, which bounds how long its
# jti must be remembered.
MAX_LIFETIME = timedelta(hours=1)
MAX_TOKEN_LENGTH = 8192
# Expired jtis are purged on about one call in this many.
PURGE_ONE_CALL_IN = 50


class NotAuthenticated(Exception):
    """The call carries no acceptable JWT (answered with 401)."""


def bearer_token(request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise NotAuthenticated("An `Authorization: Bearer <JWT>` header is required.")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise NotAuthenticated("The bearer token is too long.")
    return token


def _signing_key(client: CdsClient, kid, alg: str) -> jwt.PyJWK:
    """The issuer's public key named by `kid`, for `alg` (never a symmetric key)."""
    keys = client.jwks.get("keys") if isinstance(client.jwks, dict) else None
    for data in keys or ():
        if not isinstance(data, dict) or data.get("kid") != kid:
            continue
        if data.get("kty") not in ("EC", "RSA") or data.get("alg", alg) != alg:
            break
        try:
            material = _frozen(data)
            return _parsed_key(material, alg) if material else jwt.PyJWK(data, algorithm=alg)
        except jwt.PyJWTError:
            break
    raise NotAuthenticated("No public key of the issuer matches the token's `kid` and `alg`.")


def _frozen(data: dict) -> tuple:
    """The JWK's members as a hashable key, or () when a member is not text (e.g. `key_ops`,
    a list): such a key is parsed on every call."""
    if not all(type(value) is str for value in data.values()):
        return ()
    return tuple(sorted(data.items()))


@functools.lru_cache(maxsize=64)
def _parsed_key(material: tuple, alg: str) -> jwt.PyJWK:
    """A public key parsed once per process and kept (the curve point is checked and the key
    built by `cryptography` on the first call only). Keyed by the JWK's own members, so a
    client's changed or rotated keys are parsed afresh and never mistaken for the old ones."""
    return jwt.PyJWK(dict(material), algorithm=alg)


def verify_call(request, *, audiences: list[str]) -> tuple[CdsClient, dict]:
    """The CdsClient that signed this request's JWT and the JWT's claims; raises
    NotAuthenticated for anything short of a valid, fresh, first-use token."""
    token = bearer_token(request)
    try:
        unverified_token = jwt.decode_complete(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        raise NotAuthenticated("The bearer token is not a JWT.") from None
    header, unverified = unverified_token["header"], unverified_token["payload"]
    try:
        check_strings([header, unverified])
    except BadInput:
        raise NotAuthenticated("The JWT holds a NUL character or a lone surrogate.") from None
    alg = header.get("alg")
    if alg not in ALGORITHMS:
        raise NotAuthenticated(f"JWT algorithm {alg!r} is not accepted; use one of {ALGORITHMS}.")
    if header.get("typ", "JWT") != "JWT":
        raise NotAuthenticated("The JWT header `typ` must be JWT.")
    if not isinstance(header.get("kid"), str):
        raise NotAuthenticated("The JWT header must name its key (`kid`).")
    issuer = unverified.get("iss")
    client = CdsClient.objects.filter(issuer=issuer, active=True).first() if issuer else None
    if client is None:
        raise NotAuthenticated("The JWT issuer is not an allowed CDS client.")
    if header.get("jku") and client.jku and header["jku"] != client.jku:
        raise NotAuthenticated("The JWT `jku` is not the one allowed for this issuer.")
    key = _signing_key(client, header.get("kid"), alg)
    try:
        claims = jwt.decode(
            token,
            key=key.key,
            algorithms=[alg],
            audience=audiences,
            issuer=client.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["iss", "aud", "exp", "iat", "jti"]},
        )
    except jwt.PyJWTError as error:
        raise NotAuthenticated(f"The JWT was refused: {error}.") from None
    _check_times(claims)
    if client.tenant and claims.get("tenant") != client.tenant:
        raise NotAuthenticated("The JWT `tenant` is not this client's.")
    _remember_jti(client, claims)
    return client, claims


def _check_times(claims: dict) -> None:
    now = timezone.now().timestamp()
    iat, exp = claims["iat"], claims["exp"]
    for name, value in (("iat", iat), ("exp", exp)):
        # PyJWT takes a number as a string for some claims; the spec says NumericDate.
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not -1e12 < value < 1e12
        ):
            raise NotAuthenticated(f"The JWT `{name}` must be a NumericDate (seconds, a number).")
    if iat > now + LEEWAY_SECONDS:
        raise NotAuthenticated("The JWT `iat` is in the future.")
    if exp - iat > MAX_LIFETIME.total_seconds():
        raise NotAuthenticated("The JWT lives too long (at most an hour).")


def _remember_jti(client: CdsClient, claims: dict) -> None:
    jti = claims["jti"]
    if not isinstance(jti, str) or not 1 <= len(jti) <= 200:
        raise NotAuthenticated("The JWT `jti` must be a string of 1-200 characters.")
    expires_at = datetime.fromtimestamp(claims["exp"], tz=UTC) + timedelta(seconds=LEEWAY_SECONDS)
    if secrets.randbelow(PURGE_ONE_CALL_IN) == 0:
        # Forget the ids of tokens that have expired: they cannot be replayed any more.
        UsedJwtId.objects.filter(expires_at__lt=timezone.now()).delete()
    if not _insert_once(client.issuer, jti, expires_at):
        raise NotAuthenticated("The JWT `jti` was already used (a replay).")


def _insert_once(issuer: str, jti: str, expires_at: datetime) -> bool:
    """Store the jti unless it is there already; True when stored. The unique constraint
    decides, so of two concurrent requests with the same jti only one is stored (the other
    gets an IntegrityError, rolled back to the savepoint, and is refused as a replay)."""
    try:
        with transaction.atomic():
            UsedJwtId.objects.create(issuer=issuer, jti=jti, expires_at=expires_at)
    except IntegrityError:
        return False
    return True
