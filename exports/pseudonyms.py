"""Patient pseudonyms and per-patient date shifts, both keyed by AMPS_EXPORT_PSEUDONYM_KEY.

A pseudonym is HMAC-SHA256(key, profile and patient UUID) in hexadecimal: the same patient gets
the same pseudonym in every export of one profile made with the same key, a different one in
the other profile (limited and de-identified exports cannot be joined), and nobody without the
key can compute it from an MRN or a UUID (a plain hash of an MRN can be brute-forced). The
date shift is a whole number of days from 1 to 364 derived from the same key and UUID (a
separate HMAC), by which every date and time of that patient's rows is moved back, so
intervals stay true.
"""

import hashlib
import hmac
from dataclasses import dataclass
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

MIN_KEY_LENGTH = 32
MAX_SHIFT_DAYS = 364


class PseudonymKeyMissing(ImproperlyConfigured):
    """No usable AMPS_EXPORT_PSEUDONYM_KEY: exports that need pseudonyms are refused."""


def pseudonym_key() -> bytes:
    """The configured key; in development (DJANGO_DEBUG) without one, a key derived from
    SECRET_KEY. Raises PseudonymKeyMissing in production without a key of 32+ characters."""
    key = settings.AMPS_EXPORT_PSEUDONYM_KEY
    if key:
        if len(key) < MIN_KEY_LENGTH:
            raise PseudonymKeyMissing(
                f"AMPS_EXPORT_PSEUDONYM_KEY is shorter than {MIN_KEY_LENGTH} characters; "
                "set a long random secret (e.g. `python -c 'import secrets; "
                "print(secrets.token_urlsafe(48))'`)."
            )
        return key.encode()
    if settings.DEBUG and settings.SECRET_KEY:
        return hmac.new(
            settings.SECRET_KEY.encode(), b"amps-export-pseudonym-dev", hashlib.sha256
        ).digest()
    raise PseudonymKeyMissing(
        "AMPS_EXPORT_PSEUDONYM_KEY is not set: limited and de-identified exports need it to "
        "make patient pseudonyms and date shifts. Set it in the environment and keep it."
    )


@dataclass(frozen=True, slots=True)
class Pseudonymiser:
    """Pseudonyms and date shifts under one key."""

    key: bytes

    def pseudonym(self, patient_uuid: UUID, profile: str) -> str:
        """The patient's pseudonym in exports of this profile: a separate derivation per
        profile (the profile's name in the HMAC input), so a limited export (true dates) and a
        de-identified one (shifted dates) share no pseudonym and cannot be joined to undo the
        shift."""
        message = f"pseudonym:{profile}:{patient_uuid}".encode()
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()

    def shift_days(self, patient_uuid: UUID) -> int:
        digest = hmac.new(
            self.key, b"date-shift:" + str(patient_uuid).encode(), hashlib.sha256
        ).digest()
        return 1 + int.from_bytes(digest[:8], "big") % MAX_SHIFT_DAYS
