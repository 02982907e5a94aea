"""Compiling a checked expression tree into plain Python closures.

Each expression is compiled once into:
- a *step* for evaluating it without a trace: (fact, operator, value) when it is a simple
  comparison (`fever` is (fever, operator.is_, True); `wpi >= 7` is (wpi, operator.ge, 7)),
  true when the fact is not null and operator(fact value, value) holds; otherwise
  (None, predicate, None) with a predicate(facts) that short-circuits. An and / or loops over
  its operands' steps, so a simple comparison costs no function call;
- a *traced step* likewise: (text, fact, operator, value), or (None, None, tracer, None) with a
  tracer(facts, out) that evaluates every comparison (no short-circuit) and appends one
  JSON-ready entry per comparison to `out`, in reading order;
- a *why* function (results) -> (bool, indices) that, given the comparison results of a trace,
  picks the comparisons that decide the outcome (for an explanation).
No closure looks at the text or the tree when it runs.

A *comparison* (a leaf) is a bare yes/no fact, a comparison chain, an `in` test or an `is null`
test, optionally under `not` (then it is one entry, "not fever", with the negated result).
A null (None) or missing fact makes every comparison false; a bare fact is true only when True.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from .facts import CODES, Fact
from .tree import LEAVES, BoolOp, Compare, Literal, Membership, Name, Node, Not, NullTest, render

Facts = Mapping[str, object]
Predicate = Callable[[Facts], bool]
Tracer = Callable[[Facts, list], bool]
Why = Callable[[Sequence[bool]], tuple[bool, list[int]]]
Step = tuple[str | None, Callable, object]
TracedStep = tuple[str | None, str | None, Callable, object]

_OPERATORS = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


@dataclass(frozen=True, slots=True)
class CompiledTree:
    """The compiled form of one expression; `size` is the number of comparisons in a trace."""

    step: Step
    traced_step: TracedStep
    why: Why
    size: int

    @property
    def tracer(self) -> Tracer:
        """The tracer(facts, out) -> bool of the whole expression."""
        text, name, test, value = self.traced_step
        if text is None:
            return test  # type: ignore[return-value]
        return _trace_simple(text, name, test, value)  # type: ignore[arg-type]


def compile_tree(node: Node, facts: Mapping[str, Fact]) -> CompiledTree:
    """Compile a checked tree (see `typecheck.check_tree`) into closures."""
    return _Builder(facts).compile(node)


def predicate_of(step: Step) -> Predicate:
    """A predicate(facts) -> bool for a step."""
    name, test, value = step
    if name is None:
        return test  # type: ignore[return-value]
    if test is operator.is_:
        return lambda facts: facts.get(name) is True

    def simple(facts: Facts) -> bool:
        fact_value = facts.get(name)
        return fact_value is not None and test(fact_value, value)

    return simple


def fact_names(node: Node) -> frozenset[str]:
    """The names of the facts an expression reads."""
    if isinstance(node, Name):
        return frozenset({node.name})
    if isinstance(node, Not | NullTest):
        return fact_names(node.operand)
    if isinstance(node, BoolOp | Compare):
        return frozenset().union(*(fact_names(operand) for operand in node.operands))
    if isinstance(node, Membership):
        return fact_names(node.item) | fact_names(node.container)
    return frozenset()


def _is_leaf(node: Node) -> bool:
    return isinstance(node, LEAVES) or (isinstance(node, Not) and _is_leaf(node.operand))


class _Builder:
    def __init__(self, facts: Mapping[str, Fact]) -> None:
        self.facts = facts
        self.leaf_count = 0

    def compile(self, node: Node) -> CompiledTree:
        """The compiled node; its `size` counts the comparisons compiled so far."""
        if _is_leaf(node):
            return self.leaf(node)
        if isinstance(node, Not):
            inner = self.compile(node.operand)
            predicate, tracer = predicate_of(inner.step), inner.tracer
            return CompiledTree(
                (None, lambda facts: not predicate(facts), None),
                (None, None, lambda facts, out: not tracer(facts, out), None),
                _why_not(inner.why),
                self.leaf_count,
            )
        if not isinstance(node, BoolOp):
            raise TypeError(f"Cannot compile {node!r}: the expression was not checked")
        parts = [self.compile(operand) for operand in node.operands]
        steps = tuple(part.step for part in parts)
        traced = tuple(part.traced_step for part in parts)
        whys = tuple(part.why for part in parts)
        if node.op == "and":
            predicate, tracer, why = _all(steps), _trace_all(traced), _why_all(whys)
        else:
            predicate, tracer, why = _any(steps), _trace_any(traced), _why_any(whys)
        return CompiledTree(
            (None, predicate, None), (None, None, tracer, None), why, self.leaf_count
        )

    def leaf(self, node: Node) -> CompiledTree:
        why = self.next_why()
        text = render(node)
        simple = _simple(node)
        if simple is not None:
            name, test, value = simple
            return CompiledTree(simple, (text, name, test, value), why, self.leaf_count)
        negate, inner = False, node
        while isinstance(inner, Not):
            negate, inner = not negate, inner.operand
        test, fact, other = _test(inner)
        predicate = (lambda facts: not test(facts)) if negate else test
        copy_list = self.facts[fact].type == CODES
        tracer = _leaf_tracer(test, text, fact, other, negate, copy_list)
        return CompiledTree(
            (None, predicate, None), (None, None, tracer, None), why, self.leaf_count
        )

    def next_why(self) -> Why:
        """The why function of the next comparison in reading order."""
        index = self.leaf_count
        self.leaf_count += 1
        return lambda results: (results[index], [index])


def _simple(node: Node) -> Step | None:
    """(fact, operator, value) for a bare yes/no fact or a fact compared with one value."""
    if isinstance(node, Name):
        return node.name, operator.is_, True
    if isinstance(node, Compare) and len(node.ops) == 1:
        left, right = node.operands
        if isinstance(left, Name) and isinstance(right, Literal):
            return left.name, _OPERATORS[node.ops[0]], right.value
        if isinstance(left, Literal) and isinstance(right, Name):
            return right.name, _OPERATORS[_FLIPPED[node.ops[0]]], left.value
    return None


# --- Leaves: the test, which fact it reads, and its tracer ---------------------------------------


def _test(node: Node) -> tuple[Predicate, str, str | None]:
    """The predicate of a leaf, the fact it shows in a trace, and a second fact if any."""
    simple = _simple(node)
    if simple is not None:
        return predicate_of(simple), simple[0], None
    if isinstance(node, NullTest):
        name = node.operand.name  # type: ignore[union-attr]
        return _is_null(name, node.negated), name, None
    if isinstance(node, Membership):
        if isinstance(node.container, Name):
            name = node.container.name
            return _code_in(node.item.value, name, node.negated), name, None  # type: ignore[union-attr]
        name = node.item.name  # type: ignore[union-attr]
        return _choice_in(name, node.container.value, node.negated), name, None  # type: ignore[union-attr,arg-type]
    if not isinstance(node, Compare):
        raise TypeError(f"Cannot compile {node!r}: the expression was not checked")
    names = [operand.name for operand in node.operands if isinstance(operand, Name)]
    other = names[1] if len(names) > 1 else None
    return _comparison(node), names[0], other


def _is_null(name: str, negated: bool) -> Predicate:
    if negated:
        return lambda facts: facts.get(name) is not None
    return lambda facts: facts.get(name) is None


def _code_in(code: str, name: str, negated: bool) -> Predicate:
    def test(facts: Facts) -> bool:
        codes = facts.get(name)
        return codes is not None and (code in codes) is not negated  # type: ignore[operator]

    return test


def _choice_in(name: str, codes: tuple[str, ...], negated: bool) -> Predicate:
    allowed = frozenset(codes)

    def test(facts: Facts) -> bool:
        value = facts.get(name)
        return value is not None and (value in allowed) is not negated

    return test


def _comparison(node: Compare) -> Predicate:
    operands, ops = node.operands, tuple(_OPERATORS[op] for op in node.ops)
    if len(ops) == 2 and isinstance(operands[1], Name):
        low, high = operands[0], operands[2]
        if isinstance(low, Literal) and isinstance(high, Literal):
            return _between(low.value, ops[0], operands[1].name, ops[1], high.value)
    return _chain(operands, ops)


def _between(low: object, low_op: Callable, name: str, high_op: Callable, high: object):
    def test(facts: Facts) -> bool:
        value = facts.get(name)
        return value is not None and low_op(low, value) and high_op(value, high)

    return test


def _chain(operands: tuple[Node, ...], ops: tuple[Callable, ...]) -> Predicate:
    reads = tuple(
        (True, operand.name) if isinstance(operand, Name) else (False, operand.value)  # type: ignore[union-attr]
        for operand in operands
    )

    def test(facts: Facts) -> bool:
        values = []
        for is_fact, item in reads:
            if is_fact:
                item = facts.get(item)  # type: ignore[arg-type]
                if item is None:
                    return False
            values.append(item)
        return all(op(values[i], values[i + 1]) for i, op in enumerate(ops))

    return test


def _leaf_tracer(
    test: Predicate, text: str, fact: str, other: str | None, negate: bool, copy_list: bool
) -> Tracer:
    def trace_leaf(facts: Facts, out: list) -> bool:
        result = test(facts) is not negate
        value = facts.get(fact)
        if copy_list and value is not None:
            value = list(value)  # type: ignore[call-overload]
        entry = {"text": text, "fact": fact, "value": value, "result": result}
        if other is not None:
            entry["other"] = other
            entry["other_value"] = facts.get(other)
        out.append(entry)
        return result

    return trace_leaf


# --- and / or / not -----------------------------------------------------------------------------


def _all(steps: tuple[Step, ...]) -> Predicate:
    def all_true(facts: Facts) -> bool:
        get = facts.get
        for name, test, value in steps:
            if name is None:
                if not test(facts):
                    return False
            else:
                fact_value = get(name)
                if fact_value is None or not test(fact_value, value):
                    return False
        return True

    return all_true


def _any(steps: tuple[Step, ...]) -> Predicate:
    def any_true(facts: Facts) -> bool:
        get = facts.get
        for name, test, value in steps:
            if name is None:
                if test(facts):
                    return True
            else:
                fact_value = get(name)
                if fact_value is not None and test(fact_value, value):
                    return True
        return False

    return any_true


def _trace_all(steps: tuple[TracedStep, ...]) -> Tracer:
    def trace_all(facts: Facts, out: list) -> bool:
        get = facts.get
        all_true = True
        for text, name, test, value in steps:
            if text is None:
                result = test(facts, out)
            else:
                fact_value = get(name)
                result = fact_value is not None and test(fact_value, value)
                out.append({"text": text, "fact": name, "value": fact_value, "result": result})
            if not result:
                all_true = False
        return all_true

    return trace_all


def _trace_any(steps: tuple[TracedStep, ...]) -> Tracer:
    def trace_any(facts: Facts, out: list) -> bool:
        get = facts.get
        any_true = False
        for text, name, test, value in steps:
            if text is None:
                result = test(facts, out)
            else:
                fact_value = get(name)
                result = fact_value is not None and test(fact_value, value)
                out.append({"text": text, "fact": name, "value": fact_value, "result": result})
            if result:
                any_true = True
        return any_true

    return trace_any


def _trace_simple(text: str, name: str, test: Callable, value: object) -> Tracer:
    def trace_simple(facts: Facts, out: list) -> bool:
        fact_value = facts.get(name)
        result = fact_value is not None and test(fact_value, value)
        out.append({"text": text, "fact": name, "value": fact_value, "result": result})
        return result

    return trace_simple


def _why_not(why: Why) -> Why:
    def why_not(results: Sequence[bool]) -> tuple[bool, list[int]]:
        value, indices = why(results)
        return not value, indices

    return why_not


def _why_all(whys: tuple[Why, ...]) -> Why:
    """For a true `and` every part decides; for a false one, the false parts."""

    def why_all(results: Sequence[bool]) -> tuple[bool, list[int]]:
        held: list[int] = []
        failed: list[int] = []
        for why in whys:
            value, indices = why(results)
            (held if value else failed).extend(indices)
        return (False, failed) if failed else (True, held)

    return why_all


def _why_any(whys: tuple[Why, ...]) -> Why:
    """For a true `or` the true parts decide; for a false one, every part."""

    def why_any(results: Sequence[bool]) -> tuple[bool, list[int]]:
        held: list[int] = []
        failed: list[int] = []
        for why in whys:
            value, indices = why(results)
            (held if value else failed).extend(indices)
        return (True, held) if held else (False, failed)

    return why_any
