"""Enrolment codes: issued by an administrator, shown once, stored hashed, expiring, single
use. Enrolling an authenticator needs the password (the sign-in) and one of these codes, so a
stolen password alone never lets someone enrol their own phone."""

import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.utils import timezone

from accounts.models import EnrolmentCode

# No 0/O or 1/I: read aloud or copied from paper without doubt. 12 characters: 60 bits.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
CODE_PATTERN = re.compile(rf"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
MAX_HOURS = 30 * 24


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def _format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


@transaction.atomic
def issue_enrolment_code(
    *, user, created_by=None, hours: int | None = None
) -> tuple[EnrolmentCode, str]:
    """A new code for `user` (returned once, formatted `ABCD-EFGH-JKLM`), valid for `hours`
    (AMPS_ENROLMENT_CODE_HOURS by default). The user's earlier unused codes stop working."""
    hours = settings.AMPS_ENROLMENT_CODE_HOURS if hours is None else hours
    if not 1 <= hours <= MAX_HOURS:
        raise ValueError(f"An enrolment code is valid for 1 to {MAX_HOURS} hours.")
    now = timezone.now()
    EnrolmentCode.objects.filter(user=user).usable().update(expires_at=now)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    record = EnrolmentCode.objects.create(
        user=user,
        code_hash=make_password(code),
        created_by=created_by,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    return record, _format_code(code)


@transaction.atomic
def redeem_enrolment_code(*, user, code: str) -> EnrolmentCode | None:
    """Use up `user`'s code if `code` is it and it is still usable; None otherwise."""
    code = normalise_code(code)
    if not CODE_PATTERN.fullmatch(code):
        return None
    for candidate in EnrolmentCode.objects.select_for_update().filter(user=user).usable():
        if check_password(code, candidate.code_hash):
            candidate.used_at = timezone.now()
            candidate.save(update_fields=["used_at"])
            return candidate
    return None
