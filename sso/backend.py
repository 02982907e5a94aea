"""Sign-in with the OpenID Connect provider: mozilla-django-oidc's backend, with the
endpoints from discovery, the id_token's issuer and audience checked, users found by their
(issuer, subject) identity, and roles given by the claims (AMPS_OIDC_ROLE_MAP)."""

import logging
import re

import jwt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.utils import timezone
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from audit.access import AccessAction, record_access
from intake.roles import AUDITOR, CRITERIA_EDITOR, ROLES
from sso import provider
from sso.models import SignOnIdentity

logger = logging.getLogger(__name__)
# Roles that work in the admin need staff status there.
ADMIN_ROLES = {CRITERIA_EDITOR, AUDITOR}
CLAIMS = "_amps_sso_claims"  # on the backend's request: what the callback view reads back


class SignInRefused(SuspiciousOperation):
    """The provider's answer does not let this person in (the reason is logged, never shown)."""


class SingleSignOnBackend(OIDCAuthenticationBackend):
    get_settings = staticmethod(provider.get_setting)

    def __init__(self, *args, **kwargs):
        # Nothing read here: Django makes a backend for every request of a signed-in user, and
        # the endpoints (discovery) are needed only at sign-in.
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: self.get_settings("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.AMPS_OIDC_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.AMPS_OIDC_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)
    OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        if not provider.enabled() or "nonce" not in kwargs:
            return None  # a password sign-in: not ours
        return super().authenticate(request, **kwargs)

    def get_user(self, user_id):
        """Django's rule, not the library's: a user made inactive is signed out at their next
        request (the library's get_user would keep their session going)."""
        return ModelBackend.get_user(self, user_id)

    def _verify_jws(self, payload, key):
        """The signature (mozilla-django-oidc), and also the issuer and the audience, which
        the library leaves unchecked."""
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SignInRefused(f"id_token alg {header.get('alg')!r}")
        try:
            return jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=settings.AMPS_OIDC_CLIENT_ID,
                issuer=provider.discovery()["issuer"],
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
                leeway=30,
            )
        except jwt.PyJWTError as error:
            raise SignInRefused(f"id_token: {error}") from None

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(claims, dict) or claims.get("sub") != payload.get("sub"):
            raise SignInRefused("userinfo sub differs from the id_token's")
        # The id_token's claims with userinfo's over them: some providers (Entra ID) put the
        # groups or roles in the id_token only. amr is about this sign-in: the id_token's.
        claims = {**payload, **claims, "amr": payload.get("amr") or []}
        self.request.__dict__[CLAIMS] = claims
        user = self._user_for(payload["iss"], payload["sub"], claims)
        return user

    @transaction.atomic
    def _user_for(self, issuer: str, subject: str, claims: dict):
        identity = (
            SignOnIdentity.objects.select_for_update()
            .select_related("user")
            .filter(issuer=issuer, subject=subject)
            .first()
        )
        if identity is None:
            user = self.UserModel.objects.create_user(self._free_username(claims, subject))
            user.set_unusable_password()
            identity = SignOnIdentity.objects.create(user=user, issuer=issuer, subject=subject)
        user = identity.user
        if not user.is_active:
            raise SignInRefused("the user is inactive here")
        user.first_name = str(claims.get("given_name") or "")[:150]
        user.last_name = str(claims.get("family_name") or "")[:150]
        user.email = str(claims.get("email") or "")[:254]
        self._give_roles(user, provider.roles_from_claims(claims))
        identity.last_sign_in = timezone.now()
        identity.save(update_fields=["last_sign_in"])
        return user

    def _free_username(self, claims: dict, subject: str) -> str:
        wanted = str(claims.get("preferred_username") or claims.get("email") or subject)
        base = re.sub(r"[^\w.@+-]", "", wanted)[:140] or "sso-user"
        username, number = base, 1
        while self.UserModel.objects.filter(username__iexact=username).exists():
            number += 1
            username = f"{base}-{number}"
        return username

    def _give_roles(self, user, roles: set[str]) -> None:
        """The provider decides the app's roles of its users at every sign-in: roles it no
        longer gives are taken away. Other groups (not roles) are left alone."""
        before = set(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user.is_staff = bool(roles & ADMIN_ROLES) or user.is_superuser
        user.save()
        if before == roles:
            return
        user.groups.remove(*Group.objects.filter(name__in=before - roles))
        user.groups.add(*Group.objects.filter(name__in=roles - before))
        record_access(
            self.request,
            user=user,
            action=AccessAction.ROLES_CHANGED,
            detail={
                "by": "single sign-on",
                "before": sorted(before),
                "after": sorted(roles),
            },
        )
