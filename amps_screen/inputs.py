"""Input a database cannot keep, refused in one place per kind, as a 400 or a field error.

- **Characters**: a NUL (PostgreSQL refuses it in text, SQLite truncates at it) and a lone
  surrogate (no UTF-8 encoding exists for it, so the database driver raises) are refused in
  every path, query string and JSON body by `RefuseUnstorableInputMiddleware`, in every JSON
  document an API reads by `load_json` (which names the field), in form values by the form
  fields (beside the field), and in the session by `keep_in_session` / `session_text`.
- **Numbers and dates**: the form fields of `amps_screen.fields` refuse non-ASCII digits and
  values outside what Python and the database hold; `parse_instant` does the same for an
  ISO 8601 date-time sent to an API.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import JsonResponse
from django.utils.dateparse import parse_datetime

# A NUL, or a surrogate code point (in a Python str every one is lone: a pair is one char).
BAD_CHARACTER = re.compile("[\x00\ud800-\udfff]")
# The same spelt as JSON escapes: \u0000, and a high surrogate not followed by a low one or a
# low one not preceded by a high one (a pair such as \ud83d\ude00 is an emoji, and fine).
_HIGH = r"\\u[dD][89abAB][0-9a-fA-F]{2}"
_LOW = r"\\u[dD][c-fC-F][0-9a-fA-F]{2}"
BAD_ESCAPE = re.compile(rf"\\u0000|{_HIGH}(?!{_LOW})|(?<!{_HIGH}){_LOW}")
BAD_ESCAPE_BYTES = re.compile(BAD_ESCAPE.pattern.encode())
JSON_CONTENT_TYPES = ("application/json", "application/fhir+json")
# Date-times an API may send: what every database and time zone conversion holds.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2200

CHARACTER_MESSAGE = "holds a NUL character or a lone surrogate, which cannot be stored"


class BadInput(ValueError):
    """A value an API cannot take: `field` is its path (`feedback[0].card`)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def unstorable(text: str) -> bool:
    """True when the text holds a NUL or a lone surrogate, as characters or as JSON escapes."""
    return bool(BAD_CHARACTER.search(text) or BAD_ESCAPE.search(text))


def check_strings(value, path: str = "body") -> None:
    """Raise BadInput naming the first string (or object key) in a JSON value that holds a
    NUL or a lone surrogate."""
    stack = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, str):
            if BAD_CHARACTER.search(item):
                raise BadInput(where, CHARACTER_MESSAGE)
        elif isinstance(item, dict):
            for key, inner in item.items():
                if isinstance(key, str) and BAD_CHARACTER.search(key):
                    raise BadInput(where, f"has a key that {CHARACTER_MESSAGE}")
                stack.append((f"{where}.{key}" if where != "body" else str(key), inner))
        elif isinstance(item, list):
            stack.extend((f"{where}[{index}]", inner) for index, inner in enumerate(item))


def load_json(body: bytes | str):
    """A JSON document an API reads: BadInput("body", …) when it is not JSON (or nests too
    deep), BadInput(path, …) when a string in it could not be stored."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise BadInput("body", "is not JSON") from None
    check_strings(data)
    return data


def parse_instant(value) -> datetime:
    """An ISO 8601 date-time with an offset, as an aware UTC datetime; ValueError for text
    that is not one, an impossible one (month 13, hour 25, offset +99:00), or a year outside
    1900-2200 (year 1 or 9999 cannot be moved into every time zone)."""
    if not isinstance(value, str) or not value.isascii() or len(value) > 64:
        raise ValueError("not an ISO 8601 date-time")
    try:
        moment = parse_datetime(value)
    except (ValueError, OverflowError):
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValueError("not an ISO 8601 date-time with an offset")
    try:
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError("out of range") from None
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"outside the years {EARLIEST_YEAR}-{LATEST_YEAR}")
    return moment


def keep_in_session(request, key: str, value: str) -> bool:
    """Keep a typed value (a search term) in the session, unless it holds a NUL or a lone
    surrogate: then nothing is kept (and an earlier value is forgotten). True when kept."""
    if unstorable(value):
        request.session.pop(key, None)
        return False
    request.session[key] = value
    return True


def session_text(request, key: str) -> str:
    """A search term kept in the session: "" (and the key forgotten) when what is kept is not
    text or holds a NUL or a lone surrogate (kept before such input was refused), so one bad
    value never makes every later page load fail."""
    value = request.session.get(key, "")
    if isinstance(value, str) and not unstorable(value):
        return value
    request.session.pop(key, None)
    return ""


def _is_json(request) -> bool:
    return request.content_type in JSON_CONTENT_TYPES or request.content_type.endswith("+json")


def unstorable_request_part(request) -> str | None:
    """The part of the request ("path", "query string", a form field's name, "body") holding a
    NUL or a lone surrogate, or None."""
    if BAD_CHARACTER.search(request.path):
        return "path"
    for key, values in request.GET.lists():
        if unstorable(key) or any(unstorable(v) for v in values):
            return "query string"
    if request.method == "POST" and _is_json(request):
        length = request.META.get("CONTENT_LENGTH") or "0"
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        # A larger body is the view's to refuse (its own size limit answers 413).
        if length.isascii() and length.isdigit() and (limit is None or int(length) <= limit):
            if BAD_ESCAPE_BYTES.search(request.body):
                return "body"
    return None


class RefuseUnstorableInputMiddleware:
    """A request whose path, query string or JSON body holds a NUL or a lone surrogate is
    answered 400 before any view (or the session) keeps the value: JSON naming the part for a
    JSON request, else the "bad request" page. Form values are the form's to refuse, beside
    the field with what was typed kept (Django's CharField refuses a NUL; a lone surrogate
    cannot be form-encoded), and `keep_in_session` guards what a view keeps without a form."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # A body over Django's limits raises here as it would in the view: a 400.
        part = unstorable_request_part(request)
        if part is not None:
            if _is_json(request):
                return JsonResponse({"error": f"{part} {CHARACTER_MESSAGE}", "field": part},
                                    status=400)  # fmt: skip
            raise BadRequest(f"The request's {part} {CHARACTER_MESSAGE}.")
        return self.get_response(request)
