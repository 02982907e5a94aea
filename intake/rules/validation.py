"""Validation of one JSON intake (data-dictionary section 8).

Types, ranges and codes come from the fact registry; this module adds only the rules that tie
fields together (the pain scale, worst pain, the `none` trigger) and the two non-fact keys.
"""

from __future__ import annotations

import difflib
import json
import math
from dataclasses import dataclass

from .facts import (
    BOOL,
    CHOICE,
    CODES,
    DECIMAL,
    DERIVED_FACTS,
    FPS_R_SCORES,
    INPUT_FACTS,
    INT,
    KAWASAKI_NONE,
    PAIN_SCALE_FPS_R,
    PAIN_SCALE_NOT_ASSESSABLE,
    PAIN_SCORE_FIELDS,
    RED_FLAG_DETAIL_FIELDS,
    RED_FLAG_FIELDS,
    TRIGGER_NONE,
    Fact,
)

#: Keys a JSON intake may carry that are not facts.
NON_FACT_KEYS = ("id", "clinical_notes")
CLINICAL_NOTES_MAX_LENGTH = 5000
#: The largest JSON intake read anywhere (a complete intake is about 3,000 characters).
MAX_INTAKE_CHARS = 64_000
#: The deepest a value may be nested inside an intake (a list of codes is 1 level).
MAX_VALUE_NESTING = 10
TOO_LARGE_MESSAGE = (
    f"The intake is larger than the limit of {MAX_INTAKE_CHARS:,} characters of JSON "
    "(a complete intake is about 3,000); it was not read."
)


@dataclass(frozen=True, slots=True)
class FieldError:
    """One problem with one field of an intake (`field` is "" for the intake as a whole)."""

    field: str
    message: str
    code: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


def validate_intake(data: object) -> tuple[dict | None, list[FieldError]]:
    """Check one JSON intake against every rule of data-dictionary section 8.

    Returns (input facts, []) when the intake is valid: a dict holding exactly the INPUT_FACTS
    names, normalised (omitted nullables -> None, omitted optional facts -> their default,
    decimals -> float, codes -> list). Returns
    (None, every error found) when it is not; never a partial result. `id` and
    `clinical_notes` are allowed and are not returned as facts.

    A valid intake is read once, by the checks compiled from the registry (`_accept`); only an
    intake they do not accept is read again, rule by rule, to say every problem it has.
    """
    facts = _accept(data)
    if facts is not None:
        return facts, []
    return _read_rule_by_rule(data)


def _read_rule_by_rule(data: object) -> tuple[dict | None, list[FieldError]]:
    """Every rule in turn, collecting every problem with its message (in the order they are
    reported: the intake's shape, each fact in registry order, the rules between fields, the
    non-fact keys, unknown keys)."""
    if not isinstance(data, dict):
        return None, [
            FieldError("", "An intake must be a JSON object of field names and values.", "type")
        ]
    errors = _shape_errors(data)
    if errors and errors[0].code == "too_large":
        return None, errors
    unreadable = {error.field for error in errors}
    facts: dict[str, object] = {}
    for name, fact in INPUT_FACTS.items():
        if name in unreadable:
            continue
        value = data.get(name)
        if value is None:
            if fact.default is not None:
                facts[name] = fact.default
            elif fact.nullable:
                facts[name] = None
            else:
                errors.append(FieldError(name, _required_message(fact), "required"))
            continue
        normalised, error = check_value(fact, value)
        if error is None:
            facts[name] = normalised
        else:
            errors.append(error)
    errors += _pain_score_errors(data, facts)
    errors += _trigger_errors(facts)
    errors += detail_errors(facts)
    errors += _non_fact_key_errors(data, skip=unreadable)
    errors += [
        _unknown_key_error(key)
        for key in data
        if _is_unknown_key(key) and printable(str(key)) not in unreadable
    ]
    if errors:
        return None, errors
    return facts, []


def check_value(fact: Fact, value: object) -> tuple[object, FieldError | None]:
    """Check one non-null value against its fact's type, range and codes.

    Returns (the value in facts-dict form, None) when it is fine, else (None, the error).
    """
    if fact.type == BOOL:
        if type(value) is bool:
            return value, None
        return None, _error(fact, "must be true or false", "type", value)
    if fact.type in (INT, DECIMAL):
        return _check_number(fact, value)
    if fact.type == CHOICE:
        if type(value) is not str:
            return None, _error(fact, f"must be one of: {', '.join(fact.choices)}", "type", value)
        if value not in fact.choices:
            return None, _unknown_code_error(fact, value)
        return value, None
    if fact.type == CODES:
        return _check_codes(fact, value)
    raise ValueError(f"Fact {fact.name} has an unknown type {fact.type!r}")


def _check_number(fact: Fact, value: object) -> tuple[object, FieldError | None]:
    whole = fact.type == INT
    kind = "a whole number" if whole else "a number"
    expected = f"must be {kind} from {_number(fact.minimum)} to {_number(fact.maximum)}"
    if fact.unit:
        expected += f" {fact.unit}"
    if whole:
        valid_type = type(value) is int
    else:
        valid_type = type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]
    if not valid_type:
        return None, _error(fact, expected, "type", value)
    low, high = fact.minimum, fact.maximum
    if (low is not None and value < low) or (high is not None and value > high):  # type: ignore[operator]
        return None, _error(fact, expected, "range", value)
    places = fact.decimal_places
    if not whole and places is not None and round(value, places) != value:  # type: ignore[arg-type]
        expected += f" with at most {places} decimal place{'s' if places > 1 else ''}"
        return None, _error(fact, expected, "decimals", value)
    return (value if whole else float(value)), None  # type: ignore[arg-type]


def _check_codes(fact: Fact, value: object) -> tuple[object, FieldError | None]:
    example = json.dumps(list(fact.choices[:2]))
    if type(value) not in (list, tuple):
        return None, _error(fact, f"must be a list of codes, e.g. {example}", "type", value)
    not_text = [item for item in value if type(item) is not str]  # type: ignore[attr-defined]
    if not_text:
        return None, _error(
            fact, f"must be a list of codes in quotes, e.g. {example}", "type", not_text[0]
        )
    unknown = [item for item in value if item not in fact.choices]  # type: ignore[attr-defined]
    if unknown:
        return None, _unknown_code_error(fact, *unknown)
    seen: set[str] = set()
    repeated_once: set[str] = set()
    for item in value:  # type: ignore[attr-defined]
        (repeated_once if item in seen else seen).add(item)
    repeated = sorted(repeated_once)
    if repeated:
        listed = ", ".join(f"'{item}'" for item in repeated)
        return None, FieldError(fact.name, f"lists {listed} more than once", "duplicate")
    if fact.minimum is not None and len(value) < fact.minimum:  # type: ignore[arg-type]
        return None, FieldError(fact.name, "must list at least one code", "required")
    return list(value), None  # type: ignore[call-overload]


def _pain_score_errors(data: dict, facts: dict[str, object]) -> list[FieldError]:
    scale = facts.get("pain_scale")
    errors = []
    for name in PAIN_SCORE_FIELDS:
        if scale == PAIN_SCALE_NOT_ASSESSABLE and data.get(name) is not None:
            errors.append(
                FieldError(
                    name,
                    "must be empty when the pain scale is not assessable",
                    "not_assessable_scores",
                )
            )
        elif scale is not None and scale != PAIN_SCALE_NOT_ASSESSABLE and data.get(name) is None:
            errors.append(FieldError(name, f"is required with the {scale} pain scale", "required"))
        elif scale == PAIN_SCALE_FPS_R and facts.get(name) not in (None, *FPS_R_SCORES):
            errors.append(
                FieldError(
                    name, "on the Faces Pain Scale-Revised must be 0, 2, 4, 6, 8 or 10", "fps_r"
                )
            )
    now, worst = facts.get("pain_now"), facts.get("pain_worst")
    if now is not None and worst is not None and worst < now:  # type: ignore[operator]
        errors.append(
            FieldError(
                "pain_worst",
                f"cannot be below pain_now (worst {worst}, now {now})",
                "worst_below_now",
            )
        )
    return errors


def detail_errors(facts: dict[str, object]) -> list[FieldError]:
    """The red-flag details (§5a) given while none of their red flags is yes, and a
    `kawasaki_features` that combines 'none' with a feature. A detail whose red flag was not
    readable is not judged (the red flag's own error says what is wrong)."""
    errors = []
    for name in RED_FLAG_DETAIL_FIELDS:
        if facts.get(name) is None:
            continue
        flags = INPUT_FACTS[name].asked_when
        answers = [facts.get(flag) for flag in flags]
        if True in answers or None in answers:
            continue
        asked = " or ".join(flags)
        errors.append(
            FieldError(
                name,
                f"is asked only when {asked} is true: leave it out (null) when "
                f"{'they are' if len(flags) > 1 else 'it is'} false",
                "detail_not_asked",
            )
        )
    features = facts.get("kawasaki_features") or []
    if KAWASAKI_NONE in features and len(features) > 1:  # type: ignore[arg-type]
        errors.append(
            FieldError(
                "kawasaki_features",
                "'none' cannot be combined with a feature",
                "kawasaki_none_alone",
            )
        )
    return errors


def _trigger_errors(facts: dict[str, object]) -> list[FieldError]:
    triggers = facts.get("triggers") or []
    if TRIGGER_NONE in triggers and len(triggers) > 1:  # type: ignore[arg-type]
        return [
            FieldError(
                "triggers", "'none' cannot be combined with another trigger", "trigger_none_alone"
            )
        ]
    return []


def _non_fact_key_errors(data: dict, *, skip: set[str]) -> list[FieldError]:
    errors = []
    if "id" not in skip and data.get("id") is not None and type(data["id"]) is not str:
        errors.append(FieldError("id", "must be text", "type"))
    notes = data.get("clinical_notes")
    if notes is not None and "clinical_notes" not in skip:
        if type(notes) is not str:
            errors.append(FieldError("clinical_notes", "must be text", "type"))
        elif len(notes) > CLINICAL_NOTES_MAX_LENGTH:
            errors.append(
                FieldError(
                    "clinical_notes",
                    f"must be at most {CLINICAL_NOTES_MAX_LENGTH:,} characters, not {len(notes):,}",
                    "too_long",
                )
            )
    return errors


_CONTAINERS = (list, tuple, dict)


def _shape_errors(data: dict) -> list[FieldError]:
    """The intake's size as one error when it is over the limit (counted as it is read, so a
    huge intake costs no more than a small one to refuse); otherwise one error per field whose
    value is nested too deeply, or holds text that is not text (a lone surrogate, which cannot
    be encoded) or that no database stores (a NUL). Written for speed: every intake read
    passes here."""
    size = 2
    errors = []
    for key, value in data.items():
        kind = type(value)
        problem = ""
        if type(key) is str:
            size += len(key) + 4
            if not key.isascii() or "\x00" in key:
                problem = _unreadable_text(key)
                problem = f"is a field name that {problem}" if problem else ""
        else:
            size += 8
        if problem:
            pass
        elif kind is str:
            size += len(value) + 3
            if not value.isascii() or "\x00" in value:
                problem = _unreadable_text(value)
        elif kind is int:
            size += value.bit_length() * 3 // 10 + 2
        elif kind in _CONTAINERS:
            value_size, problem = _walk(value, MAX_INTAKE_CHARS - size)
            size += value_size
        else:
            size += 8
        if size > MAX_INTAKE_CHARS:
            return [FieldError("", TOO_LARGE_MESSAGE, "too_large")]
        if problem:
            code = "too_deep" if problem.startswith("is nested") else "invalid_text"
            errors.append(FieldError(printable(str(key)), problem, code))
    return errors


def _walk(value: object, room: int) -> tuple[int, str]:
    """A list or object inside an intake: about how many characters it takes as JSON (counting
    stops once past `room`), and its first problem ("" when none)."""
    size = 0
    stack = [(value, 1)]
    while stack and size <= room:
        item, depth = stack.pop()
        if depth > MAX_VALUE_NESTING:
            return size, f"is nested more than {MAX_VALUE_NESTING} levels deep"
        kind = type(item)
        if kind is str:
            size += len(item) + 3
            problem = _unreadable_text(item)
            if problem:
                return size, problem
        elif kind is dict:
            size += 2
            for key, part in item.items():
                size += _text_size(key)
                problem = _unreadable_text(key) if type(key) is str else ""
                if problem:
                    return size, problem
                stack.append((part, depth + 1))
        elif kind in _CONTAINERS:
            size += 2
            stack.extend((part, depth + 1) for part in item)
        else:
            size += _scalar_size(item)
    return size, ""


def _text_size(key: object) -> int:
    return len(key) + 4 if type(key) is str else 8


def _scalar_size(value: object) -> int:
    """About the characters of a number, true/false or null as JSON, without converting a
    number to text (a number of 5,000 digits cannot be)."""
    if type(value) is int:
        return value.bit_length() * 3 // 10 + 2
    return 8


def _unreadable_text(text: str) -> str:
    """Why a text cannot be read or stored ("" when it can)."""
    if text.isascii() and "\x00" not in text:
        return ""
    if "\x00" in text:
        return "contains a NUL character (\\u0000), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        bad = printable(text[error.start : error.start + 1])
        return f"contains {bad}, half of a character (a lone surrogate), which is not text"
    return ""


def printable(text: str) -> str:
    """The text with lone surrogates and NUL written as escapes, so it can be printed, sent
    and stored whatever it holds."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\u0000")


def _is_unknown_key(key: object) -> bool:
    return key not in INPUT_FACTS and key not in NON_FACT_KEYS


def _unknown_key_error(key: object) -> FieldError:
    name = printable(str(key))
    if name in DERIVED_FACTS:
        message = "is worked out from the other fields and cannot be given in an intake"
    else:
        close = difflib.get_close_matches(name, [*INPUT_FACTS, *NON_FACT_KEYS], n=1)
        message = "is not a field of the intake"
        if close:
            message += f"; did you mean '{close[0]}'?"
    return FieldError(name, message, "unknown")


def _required_message(fact: Fact) -> str:
    if fact.name in RED_FLAG_FIELDS:
        return "must be answered: a red flag that was not asked is not a 'no'"
    if fact.type == BOOL:
        return "is required (true or false)"
    return "is required"


def _unknown_code_error(fact: Fact, *codes: str) -> FieldError:
    listed = ", ".join(f"'{code}'" for code in codes)
    verb = "is not a code" if len(codes) == 1 else "are not codes"
    message = f"{listed} {verb} of {fact.name}"
    close = difflib.get_close_matches(codes[0], fact.choices, n=1)
    if close:
        message += f" (did you mean '{close[0]}'?)"
    if len(fact.choices) <= 10:
        message += f"; the codes are {', '.join(fact.choices)}"
    return FieldError(fact.name, message, "choice")


def _error(fact: Fact, expected: str, code: str, value: object) -> FieldError:
    return FieldError(fact.name, f"{expected}, not {_shown(value)}", code)


def _shown(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        text = "this value"
    text = printable(text)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: int | float | None) -> str:
    return "" if value is None else f"{value:g}"


# -- The checks compiled from the registry -------------------------------------------------------

_MISSING = object()  # a required fact not (yet) given
_INVALID = object()  # a value its fact's check refuses


def _compiled_check(fact: Fact):
    """One fact's check as a closure: the value in facts-dict form, or _INVALID. Accepts
    exactly the non-null values `check_value` accepts."""
    low, high = fact.minimum, fact.maximum
    if fact.type == BOOL:
        return lambda value: value if type(value) is bool else _INVALID
    if fact.type == INT:

        def check_int(value):
            if type(value) is not int:
                return _INVALID
            if (low is not None and value < low) or (high is not None and value > high):
                return _INVALID
            return value

        return check_int
    if fact.type == DECIMAL:
        isfinite = math.isfinite
        places = fact.decimal_places

        def check_decimal(value):
            kind = type(value)
            if kind is not float and kind is not int:
                return _INVALID
            if not isfinite(value):
                return _INVALID
            if (low is not None and value < low) or (high is not None and value > high):
                return _INVALID
            if places is not None and round(value, places) != value:
                return _INVALID
            return float(value)

        return check_decimal
    choices = frozenset(fact.choices)
    if fact.type == CHOICE:
        return lambda value: value if type(value) is str and value in choices else _INVALID
    if fact.type == CODES:
        fewest = fact.minimum or 0

        def check_codes(value):
            if type(value) is not list or len(value) < fewest:
                return _INVALID
            for item in value:
                if type(item) is not str or item not in choices:
                    return _INVALID
            if len(set(value)) != len(value):
                return _INVALID
            return list(value)

        return check_codes
    raise ValueError(f"Fact {fact.name} has an unknown type {fact.type!r}")


def _largest_value(fact: Fact) -> int:
    """The most characters a valid value of the fact counts for in _shape_errors."""
    if fact.type == CHOICE:
        return max(8, *(len(code) + 3 for code in fact.choices))
    if fact.type == CODES:
        return max(8, 2 + sum(len(code) + 3 for code in fact.choices))
    if fact.type in (INT, DECIMAL) and fact.minimum is not None and fact.maximum is not None:
        widest = max(abs(int(fact.minimum)), abs(int(fact.maximum))) + 1
        return max(8, widest.bit_length() * 3 // 10 + 2)
    if fact.type in (INT, DECIMAL):
        return MAX_INTAKE_CHARS  # unbounded: never accepted without counting
    return 8


def compile_validator(input_facts: dict[str, Fact]):
    """The checks of a fact registry, built once (as criteria are compiled once per set): a
    function that reads an intake once and returns its facts when every rule holds, else None
    (the caller then reads it rule by rule for the messages). A new fact in the registry needs
    nothing here: its type gives its check."""
    checks = {name: _compiled_check(fact) for name, fact in input_facts.items()}
    template: dict[str, object] = {}
    for name, fact in input_facts.items():
        if fact.default is not None:
            template[name] = fact.default
        elif fact.nullable:
            template[name] = None
        else:
            template[name] = _MISSING
    # The largest an intake of valid values can be, as _shape_errors counts it: its facts'
    # values are bounded by their ranges and codes, the notes by their limit; only `id` is
    # not, so an intake is counted no further than its id's length.
    notes_limit = CLINICAL_NOTES_MAX_LENGTH
    room = MAX_INTAKE_CHARS - 2 - (len("clinical_notes") + 4 + notes_limit + 3) - (len("id") + 7)
    room -= sum(len(name) + 4 + _largest_value(fact) for name, fact in input_facts.items())
    if room < 0:  # a registry whose valid intakes may be over the limit: the rules count each
        return lambda data: None

    def accept(data: object) -> dict | None:
        if type(data) is not dict:
            return None
        facts = template.copy()
        for key, value in data.items():
            check = checks.get(key)
            if check is not None:
                if value is not None:
                    value = check(value)
                    if value is _INVALID:
                        return None
                    facts[key] = value
            elif key == "id" or key == "clinical_notes":  # text or null
                if value is None:
                    continue
                if type(value) is not str or _unreadable_text(value):
                    return None
                if key == "id" and len(value) > room:
                    return None  # perhaps over the size limit: the rules count it
                if key == "clinical_notes" and len(value) > notes_limit:
                    return None
            else:  # an unknown key: the rules say which
                return None
        if _MISSING in facts.values():
            return None
        if _pain_score_errors(data, facts) or _trigger_errors(facts) or detail_errors(facts):
            return None
        return facts

    return accept


_accept = compile_validator(INPUT_FACTS)
