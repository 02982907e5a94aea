"""Does a criterion's wording still say what its expression does? The numbers its name (and,
where they are stated as thresholds, its rationale) quote, against the numbers its expression
compares with.

A name such as "Morning stiffness 30 minutes or more" over `morning_stiffness_minutes >= 60`
is shown in every explanation of every screening: the mismatch is worth a warning when the
draft is saved (not an error: a number may be quoted on purpose).

Which numbers count, and why:
- In the **name**, every number, except a year (1900–2099, as in "Budapest 2010" or "ILAR
  2001") and a reference (after §, "p." or "page"). A name is short and says what the
  criterion tests, so a number in it is nearly always its threshold.
- In the **rationale**, only a number stated as a threshold: after a comparison word or sign
  (over, under, above, below, at least, at most, more than, less than, fewer than, ≥, >, …)
  or before "or more"/"or less"/"or longer"/"or over". A rationale also cites ages of study
  populations ("children aged 2–16 years"), percentages, years and page numbers, which are
  not thresholds; a unit alone ("40 mm/h") does not tell a threshold from such a figure, a
  comparison word does.
Numbers are compared as values (30 and 30.0 are one number); the expression's numbers are
read by the criteria language's own parser (language.numeric_literals), never by a pattern.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from .language import ExpressionError, numeric_literals

_NUMBER_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)", re.ASCII)
# The 10 of "×10⁹/L" or "10^9" is part of a unit.
_UNIT_POWER_AFTER = re.compile(r"^[⁰¹²³⁴⁵⁶⁷⁸⁹^]")
_YEAR_RE = re.compile(r"^(19|20)\d\d$")
_REFERENCE_BEFORE = re.compile(
    r"(§|\bp\.|\bpp\.|\bpage|\bpages|\brows?|\btable|\bfigure)\s*$", re.I
)
_COMPARISON_BEFORE = re.compile(
    r"(\bover|\bunder|\babove|\bbelow|\bat least|\bat most|\bmore than|\bless than|"
    r"\bfewer than|\bgreater than|\bno more than|\bup to|\bexceeding|\bexceeds|[≥≤<>]|>=|<=)"
    r"\s*$",
    re.I,
)
_COMPARISON_AFTER = re.compile(
    r"^\s*[^\W\d_]*/?[^\W\d_]*\s*(or more|or less|or longer|or over|or above|or under|\+)",
    re.I,
)


def quoted_numbers(text: str, *, thresholds_only: bool) -> list[str]:
    """The numbers `text` quotes, as written, in order, without repeats: every number but
    years and references; with `thresholds_only`, only those stated as a threshold."""
    found: list[str] = []
    for match in _NUMBER_RE.finditer(text or ""):
        number = match.group(1)
        before, after = text[: match.start()], text[match.end() :]
        if (
            _YEAR_RE.match(number)
            or _REFERENCE_BEFORE.search(before)
            or _UNIT_POWER_AFTER.match(after)
        ):
            continue
        if thresholds_only and not (
            _COMPARISON_BEFORE.search(before) or _COMPARISON_AFTER.match(after)
        ):
            continue
        if number not in found:
            found.append(number)
    return found


def stale_numbers(*, name: str, rationale: str, expression: str) -> list[str]:
    """The numbers the name (any) or the rationale (as a threshold) quote that the expression
    does not compare with, as written; [] when the wording agrees (or the expression does not
    parse: its error is reported elsewhere)."""
    try:
        used = numeric_literals(expression)
    except ExpressionError:
        return []
    quoted = quoted_numbers(name, thresholds_only=False)
    quoted += [
        number for number in quoted_numbers(rationale, thresholds_only=True) if number not in quoted
    ]
    stale = []
    for number in quoted:
        try:
            value = Decimal(number)
        except InvalidOperation:  # pragma: no cover - the pattern gives digits only
            continue
        if value not in used:
            stale.append(number)
    return stale
