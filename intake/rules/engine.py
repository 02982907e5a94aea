"""The engine: evaluate a set of criteria against one intake's facts.

Every active criterion is evaluated (none is skipped because another matched). The outcome:
any matched red flag -> refer; else any matched AMPS pathway -> consider AMPS; else
indeterminate. A red flag always wins. Matched caveats are reported with any outcome.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .facts import FACTS, Fact
from .language import CompiledExpression, ExpressionError, compile_expression


class Outcome:
    REFER = "refer"
    CONSIDER_AMPS = "consider_amps"
    INDETERMINATE = "indeterminate"


OUTCOMES = (Outcome.REFER, Outcome.CONSIDER_AMPS, Outcome.INDETERMINATE)
OUTCOME_LABELS = {
    Outcome.REFER: "Refer for inflammatory work-up",
    Outcome.CONSIDER_AMPS: "Consider AMPS",
    Outcome.INDETERMINATE: "Indeterminate",
}

#: How soon a referral is needed, highest first. Each red flag carries one; a result's urgency
#: is the highest of its matched red flags (None when no red flag matched).
EMERGENCY, URGENT, ROUTINE = "emergency", "urgent", "routine"
URGENCIES = (EMERGENCY, URGENT, ROUTINE)
URGENCY_LABELS = {EMERGENCY: "Emergency", URGENT: "Urgent", ROUTINE: "Routine"}
#: How soon, in the words every page, document, card and resource uses (clinical-reference.md
#: §4.7): the one definition of the timeframes. Shown as urgency_text(): "Emergency — now /
#: same day".
URGENCY_TIMEFRAMES = {
    EMERGENCY: "now / same day",
    URGENT: "within 48 hours",
    ROUTINE: "next routine clinic",
}
#: What each tier asks of the clinic (§4.7, "what staff do").
URGENCY_ACTIONS = {
    EMERGENCY: "phone the on-call team now; the child does not go home first",
    URGENT: "specialist assessment (or the test named) within two days",
    ROUTINE: "referral letter; seen in weeks",
}


def urgency_text(urgency: str) -> str:
    """A tier with its timeframe: "Emergency — now / same day" ("" for none)."""
    if not urgency:
        return ""
    return f"{URGENCY_LABELS[urgency]} — {URGENCY_TIMEFRAMES[urgency]}"


RED_FLAG, AMPS_PATHWAY, CAVEAT = "red_flag", "amps_pathway", "caveat"
KINDS = (RED_FLAG, AMPS_PATHWAY, CAVEAT)
KIND_LABELS = {RED_FLAG: "Red flag", AMPS_PATHWAY: "AMPS pathway", CAVEAT: "Caveat"}


@dataclass(frozen=True)
class CriterionSpec:
    """One criterion as plain data (a Django Criterion row has the same attributes)."""

    code: str
    kind: str
    expression: str
    name: str = ""
    message: str = ""
    rationale: str = ""
    source: str = ""
    active: bool = True
    order: int = 0
    urgency: str = ""


@dataclass
class Result:
    """What the engine suggests for one intake, and why.

    `red_flags`, `pathways` and `caveats` are the matched criterion codes of each kind, in
    criterion order; `caveat_messages` the messages of the matched caveats. `trace` has one
    entry per active criterion ({"code", "kind", "name", "matched", "comparisons"}), or is []
    when evaluated without a trace; `criteria` the compiled criteria of the trace's entries
    (`intake.rules.explanation.explain` puts both in words). `urgency` is the highest urgency of the
    matched red flags (one of URGENCIES; a red flag without one counts as routine), None when
    no red flag matched.
    """

    outcome: str
    red_flags: list[str] = field(default_factory=list)
    pathways: list[str] = field(default_factory=list)
    caveats: list[str] = field(default_factory=list)
    caveat_messages: list[str] = field(default_factory=list)
    trace: list[dict] = field(default_factory=list)
    urgency: str | None = None
    criteria: tuple[CompiledCriterion, ...] = field(default=(), repr=False, compare=False)

    def as_dict(self) -> dict:
        """The result as JSON-ready data."""
        return {
            "outcome": self.outcome,
            "urgency": self.urgency,
            "red_flags": list(self.red_flags),
            "pathways": list(self.pathways),
            "caveats": list(self.caveats),
            "caveat_messages": list(self.caveat_messages),
            "trace": self.trace,
        }


@dataclass(frozen=True, slots=True)
class CompiledCriterion:
    """One active criterion with its compiled expression."""

    code: str
    kind: str
    name: str
    message: str
    expression: CompiledExpression
    urgency: str = ""


class CompiledCriteria:
    """A set of criteria compiled once, ready to evaluate many intakes.

    `criteria` may hold anything with the attributes code, kind, expression, name, message,
    urgency, active and order (a Django Criterion row, a CriterionSpec) or mappings with those keys
    (DEFAULT_CRITERIA). Inactive criteria are left out; the rest are kept in `order` (then in
    the order given). Raises ExpressionError naming the criterion on a bad expression, and
    ValueError on an unknown kind or a code used twice.
    """

    def __init__(self, criteria: Iterable[object], facts: Mapping[str, Fact] = FACTS) -> None:
        active = _active(criteria)
        self.hash = content_hash(active)
        compiled = []
        seen: set[str] = set()
        for criterion in active:
            code, kind = _get(criterion, "code"), _get(criterion, "kind")
            if kind not in KINDS:
                raise ValueError(f"Criterion {code}: unknown kind {kind!r}")
            if code in seen:
                raise ValueError(f"Criterion code {code!r} is used twice")
            seen.add(code)
            try:
                expression = compile_expression(_get(criterion, "expression"), facts)
            except ExpressionError as error:
                raise error.for_criterion(code) from None
            name, message = _get(criterion, "name") or code, _get(criterion, "message")
            urgency = _get(criterion, "urgency")
            if urgency and urgency not in URGENCIES:
                raise ValueError(f"Criterion {code}: unknown urgency {urgency!r}")
            if kind == RED_FLAG and not urgency:
                urgency = ROUTINE  # sets made before urgencies existed (version 1)
            elif kind != RED_FLAG:
                urgency = ""
            compiled.append(CompiledCriterion(code, kind, name, message, expression, urgency))
        self.criteria: tuple[CompiledCriterion, ...] = tuple(compiled)
        self.names: frozenset[str] = frozenset().union(
            *(criterion.expression.names for criterion in self.criteria)
        )
        self._traced = tuple(
            (c.code, c.kind, c.name, c.message, *c.expression.traced_step) for c in self.criteria
        )
        self._red_flags = self._steps(RED_FLAG)
        self._pathways = self._steps(AMPS_PATHWAY)
        self._caveats = self._steps(CAVEAT)
        self._messages = {c.code: c.message for c in self.criteria if c.kind == CAVEAT}
        self._urgency_rank = {
            c.code: URGENCIES.index(c.urgency) for c in self.criteria if c.kind == RED_FLAG
        }

    def _steps(self, kind: str) -> tuple[tuple[str, str | None, Callable, object], ...]:
        return tuple((c.code, *c.expression.step) for c in self.criteria if c.kind == kind)

    def evaluate(self, facts: Mapping[str, object], *, trace: bool = True) -> Result:
        """The suggestion for one intake: outcome, matched codes by kind and caveat messages;
        with `trace`, also every comparison read (what `explanation.explain` puts in words).

        `facts` is the derived facts dict (`intake.rules.facts.derive(inputs)`). Every active
        criterion is evaluated either way; both ways give the same outcome and codes.
        """
        if not trace:
            caveats = _matched(self._caveats, facts)
            red_flags = _matched(self._red_flags, facts)
            return _result(
                red_flags,
                _matched(self._pathways, facts),
                caveats,
                [self._messages[code] for code in caveats],
                self.urgency_of(red_flags),
            )
        matched: dict[str, list[str]] = {RED_FLAG: [], AMPS_PATHWAY: [], CAVEAT: []}
        messages: list[str] = []
        entries: list[dict] = []
        get = facts.get
        for code, kind, name, message, text, fact, test, value in self._traced:
            if text is None:
                comparisons: list[dict] = []
                hit = test(facts, comparisons)
            else:  # a simple comparison, traced here to save a call per criterion
                fact_value = get(fact)
                hit = fact_value is not None and test(fact_value, value)
                comparisons = [{"text": text, "fact": fact, "value": fact_value, "result": hit}]
            entries.append(
                {
                    "code": code,
                    "kind": kind,
                    "name": name,
                    "matched": hit,
                    "comparisons": comparisons,
                }
            )
            if hit:
                matched[kind].append(code)
                if kind == CAVEAT:
                    messages.append(message)
        result = _result(
            matched[RED_FLAG],
            matched[AMPS_PATHWAY],
            matched[CAVEAT],
            messages,
            self.urgency_of(matched[RED_FLAG]),
        )
        result.trace = entries
        result.criteria = self.criteria
        return result

    def matched_steps(self, codes: Iterable[str]) -> list[dict] | None:
        """What a trace says of these matched codes, without the trace: an entry per code
        ({"code", "kind", "name", "matched": True}, no comparisons) in criterion order; None
        when a code is not one of this set's active criteria."""
        wanted = set(codes)
        steps = [
            {"code": c.code, "kind": c.kind, "name": c.name, "matched": True}
            for c in self.criteria
            if c.code in wanted
        ]
        return steps if len(steps) == len(wanted) else None

    def urgency_of(self, red_flags: Iterable[str]) -> str | None:
        """The highest urgency of these matched red-flag codes, None when there are none."""
        ranks = [self._urgency_rank[code] for code in red_flags]
        return URGENCIES[min(ranks)] if ranks else None

    def __len__(self) -> int:
        return len(self.criteria)


def _matched(steps: tuple[tuple[str, str | None, Callable, object], ...], facts: Mapping) -> list:
    """The codes whose step holds (see CompiledExpression.step), in order."""
    get = facts.get
    matched = []
    for code, name, test, value in steps:
        if name is None:
            if test(facts):
                matched.append(code)
        else:
            fact_value = get(name)
            if fact_value is not None and test(fact_value, value):
                matched.append(code)
    return matched


def _result(
    red_flags: list[str],
    pathways: list[str],
    caveats: list[str],
    messages: list[str],
    urgency: str | None = None,
) -> Result:
    """The result with its outcome: a red flag always wins, then an AMPS pathway."""
    if red_flags:
        outcome = Outcome.REFER
    elif pathways:
        outcome = Outcome.CONSIDER_AMPS
    else:
        outcome = Outcome.INDETERMINATE
    return Result(outcome, red_flags, pathways, caveats, messages, urgency=urgency)


def content_hash(criteria: Iterable[object]) -> str:
    """The sha256 (hex) of the active criteria's code, kind, expression, message and urgency.

    Computed over canonical JSON sorted by code, so it does not depend on the order given or
    on names, rationales, sources or display order; it changes when any expression or urgency
    changes. An urgency at its default (routine, or none) is left out of the canonical form,
    so adding the attribute changed no existing set's hash: version 1, whose red flags read as
    routine, keeps the hash its screenings recorded.
    """
    rows = []
    for criterion in _active(criteria):
        row = {
            "code": _get(criterion, "code"),
            "kind": _get(criterion, "kind"),
            "expression": _get(criterion, "expression"),
            "message": _get(criterion, "message"),
        }
        urgency = _get(criterion, "urgency")
        if urgency and urgency != ROUTINE:
            row["urgency"] = urgency
        rows.append(row)
    rows.sort(key=lambda row: row["code"])
    canonical = json.dumps(rows, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _active(criteria: Iterable[object]) -> list[object]:
    """The active criteria, in display order (stable for equal orders)."""
    active = [criterion for criterion in criteria if _get(criterion, "active", True)]
    return sorted(active, key=lambda criterion: _get(criterion, "order", 0) or 0)


def _get(criterion: object, attribute: str, default: Any = "") -> Any:
    if isinstance(criterion, Mapping):
        value = criterion.get(attribute, default)
    else:
        value = getattr(criterion, attribute, default)
    return default if value is None else value
