"""The criteria language: check an expression, compile it once, evaluate and trace it.

An expression is one line a clinician can read, in the style of REDCap branching logic:

    ((wpi >= 7 and sss >= 5) or (4 <= wpi <= 6 and sss >= 9)) and generalized_pain_regions >= 4

Names are facts (`intake.rules.facts.FACTS`). Literals: integers, decimals, true/false,
double-quoted codes, null, and lists of codes ["a", "b"]. Operators: and, or, not, parentheses,
== != < <= > >= (chains such as 4 <= wpi <= 6), in / not in, is null / is not null.

Null: a comparison with a null (or missing) fact is false, and a bare yes/no fact that is null
is false; `not` turns such a false into true (two-valued logic); `is null` tests for null and
may be used on any fact.

The text is read by a hand-written parser (`syntax.py`), checked against the fact registry
(`typecheck.py`) and compiled into closures (`compiler.py`); it is never passed to eval, exec or
compile.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from decimal import Decimal

from .compiler import CompiledTree, Facts, compile_tree, fact_names, predicate_of
from .facts import FACTS, Fact
from .syntax import parse
from .tree import BoolOp, Compare, ExpressionError, Literal, Membership, Node, Not, NullTest
from .typecheck import check_tree

__all__ = [
    "CompiledExpression",
    "ExpressionError",
    "check_expression",
    "compile_expression",
    "numeric_literals",
]


class CompiledExpression:
    """An expression compiled once into closures; evaluating it reads no text and no tree.

    `text` is the expression as written, `names` the facts it reads, `size` the number of
    comparisons a trace holds. `predicate`, `tracer` and `step` are the compiled closures
    themselves, for callers that evaluate many expressions in a tight loop (the engine):
    `step` is (fact, operator, value) for a simple comparison such as `fever` or `wpi >= 7`
    (true when the fact is not null and operator(fact value, value) holds), otherwise
    (None, predicate, None); `traced_step` is (text, fact, operator, value) for a simple
    comparison, otherwise (None, None, tracer, None).
    """

    __slots__ = ("text", "names", "size", "step", "traced_step", "predicate", "tracer", "_why")

    def __init__(self, text: str, names: frozenset[str], tree: CompiledTree) -> None:
        self.text = text
        self.names = names
        self.size = tree.size
        self.step = tree.step
        self.traced_step = tree.traced_step
        self.predicate = predicate_of(tree.step)
        self.tracer = tree.tracer
        why = tree.why
        # The deciding comparisons depend only on the pattern of results: remember them.
        self._why = functools.lru_cache(maxsize=512)(lambda results: tuple(why(results)[1]))

    def evaluate(self, facts: Facts) -> bool:
        """Whether the expression is true for these facts (short-circuits, records nothing)."""
        return self.predicate(facts)

    def trace(self, facts: Facts) -> tuple[bool, list[dict]]:
        """The result and one entry per comparison, in reading order.

        Every comparison is evaluated (no short-circuit) so that an explanation can show every
        value read. An entry is {"text", "fact", "value", "result"}, plus "other" and
        "other_value" when two facts are compared. The result always equals `evaluate`.
        """
        comparisons: list[dict] = []
        return self.tracer(facts, comparisons), comparisons

    def deciding(self, comparisons: Sequence[Mapping]) -> list[int]:
        """The positions (in a trace's comparisons) of the comparisons that decide the result.

        For a true `and` all of its parts, for a false `and` its false parts; for a true `or`
        its true parts, for a false `or` all of its parts.
        """
        if self.size == 1:
            return [0]
        return list(self._why(tuple([entry["result"] for entry in comparisons])))

    def __repr__(self) -> str:
        return f"CompiledExpression({self.text!r})"


def check_expression(text: str, facts: Mapping[str, Fact] = FACTS) -> list[ExpressionError]:
    """Every problem in the expression ([] when it is fine).

    A syntax problem stops the reading, so it is reported alone; otherwise every unknown name,
    type problem and unknown code is reported, each with its column.
    """
    try:
        tree = parse(text)
    except ExpressionError as error:
        return [error]
    return check_tree(tree, facts)


def compile_expression(text: str, facts: Mapping[str, Fact] = FACTS) -> CompiledExpression:
    """Check the expression, then compile it once into closures.

    Returns the CompiledExpression; raises the first ExpressionError when it is not valid.
    """
    tree = parse(text)
    errors = check_tree(tree, facts)
    if errors:
        raise errors[0]
    return CompiledExpression(text, fact_names(tree), compile_tree(tree, facts))


def numeric_literals(text: str) -> frozenset[Decimal]:
    """The numbers an expression compares with (its integer and decimal literals), read by the
    language's own parser, as Decimals (so 60 and 60.0 are one number). Raises
    ExpressionError when the expression does not parse."""
    tree = parse(text)
    return frozenset(Decimal(node.text) for node in _literals(tree) if node.kind in NUMERIC)


NUMERIC = ("int", "decimal")


def _literals(node: Node):
    if isinstance(node, Literal):
        yield node
    elif isinstance(node, Not | NullTest):
        yield from _literals(node.operand)
    elif isinstance(node, BoolOp | Compare):
        for operand in node.operands:
            yield from _literals(operand)
    elif isinstance(node, Membership):
        yield from _literals(node.item)
        yield from _literals(node.container)
