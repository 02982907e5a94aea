"""Checking a parsed expression against the fact registry: names, types and codes.

Every problem is collected (not only the first), each with its column and a message for the
clinician editing the criterion.

Rules: a condition is a yes/no fact, a comparison, an `in` test or an `is null` test, joined by
and / or / not. Ordering (< <= > >=) compares numbers only. == and != compare a fact with a
value of its kind (a number, true/false, or one of a choice's codes) or two facts of the same
kind. `in` tests a code in a codes fact ("neck" in pain_sites) or a choice fact against a list
of its codes. null is written only as `is null` / `is not null`, which is allowed on every fact
(a fact that is always recorded is simply never null; a fact added to the registry later is
null in intakes stored before it existed).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass

from .facts import BOOL, CHOICE, CODES, NUMBER_TYPES, Fact
from .tree import (
    ORDERING_OPS,
    BoolOp,
    Compare,
    ExpressionError,
    Literal,
    Membership,
    Name,
    Node,
    Not,
    NullTest,
    render,
)

_NUMBER_LITERALS = frozenset({"int", "decimal"})


def check_tree(node: Node, facts: Mapping[str, Fact]) -> list[ExpressionError]:
    """Every name, type and code problem in a parsed expression ([] when it is fine)."""
    checker = _Checker(facts)
    checker.condition(node)
    return checker.errors


@dataclass(frozen=True, slots=True)
class _Side:
    """One resolved operand of a comparison: a known fact, or a literal."""

    node: Name | Literal
    fact: Fact | None

    @property
    def kind(self) -> str:
        return self.fact.type if self.fact else self.node.kind  # type: ignore[union-attr]

    @property
    def text(self) -> str:
        return self.node.name if isinstance(self.node, Name) else self.node.text


class _Checker:
    def __init__(self, facts: Mapping[str, Fact]) -> None:
        self.facts = facts
        self.errors: list[ExpressionError] = []

    def error(self, summary: str, position: int | None, code: str, hint: str = "") -> None:
        self.errors.append(ExpressionError(summary, position, code, hint))

    def condition(self, node: Node) -> None:
        if isinstance(node, BoolOp):
            for operand in node.operands:
                self.condition(operand)
        elif isinstance(node, Not):
            self.condition(node.operand)
        elif isinstance(node, Compare):
            self.compare(node)
        elif isinstance(node, Membership):
            self.membership(node)
        elif isinstance(node, NullTest):
            self.null_test(node)
        elif isinstance(node, Name):
            fact = self.fact(node)
            if fact is not None and fact.type != BOOL:
                self.error(f"'{fact.name}' on its own", node.pos, "type", _how_to_use(fact))
        else:
            self.error(
                f"{node.text} on its own",
                node.pos,
                "type",
                "a fixed value is not a condition; write one about a fact, e.g. fever",
            )

    def fact(self, node: Name) -> Fact | None:
        """The fact a name refers to; reports an unknown name and returns None."""
        fact = self.facts.get(node.name)
        if fact is None:
            self.error(
                f"Unknown name '{node.name}'",
                node.pos,
                "unknown_name",
                _suggest_name(node.name, self.facts),
            )
        return fact

    def side(self, node: Node) -> _Side | None:
        if isinstance(node, Name):
            fact = self.fact(node)
            return None if fact is None else _Side(node, fact)
        if isinstance(node, Literal):
            return _Side(node, None)
        self.error(
            "A condition inside a comparison",
            node.pos,
            "type",
            "compare a fact with a value, e.g. wpi >= 7; join conditions with and / or",
        )
        return None

    def compare(self, node: Compare) -> None:
        sides = [self.side(operand) for operand in node.operands]
        for index, op in enumerate(node.ops):
            left, right = sides[index], sides[index + 1]
            if left is not None and right is not None:
                self.compare_pair(left, op, right, node.op_positions[index])

    def compare_pair(self, left: _Side, op: str, right: _Side, op_pos: int) -> None:
        for side in (left, right):
            if side.kind == "list":
                self.error(
                    "A list outside 'in'",
                    side.node.pos,
                    "type",
                    'a list follows in or not in, e.g. inflammatory_disease in ["active"]',
                )
                return
            if side.kind == "null":
                self.error(
                    f"'{op} null'" if side is right else f"'null {op}'",
                    side.node.pos,
                    "type",
                    "test for a missing value with is null or is not null, e.g. esr_mm_hr is null",
                )
                return
        if left.fact is None and right.fact is None:
            self.error(
                "Two fixed values compared",
                left.node.pos,
                "type",
                "a comparison needs a fact, e.g. wpi >= 7",
            )
            return
        fact, other = (left.fact, right) if left.fact is not None else (right.fact, left)
        if fact is None:
            return
        if op in ORDERING_OPS:
            self.ordering(fact, op, other, op_pos)
        elif other.fact is not None:
            self.fact_equality(fact, other.fact, other.node.pos)
        else:
            self.literal_equality(fact, op, other.node)  # type: ignore[arg-type]

    def ordering(self, fact: Fact, op: str, other: _Side, op_pos: int) -> None:
        for checked in (fact, other.fact):
            if checked is not None and checked.type not in NUMBER_TYPES:
                self.error(f"'{op}' used with {checked.name}", op_pos, "type", _how_to_use(checked))
                return
        if other.fact is None and other.kind not in _NUMBER_LITERALS:
            self.error(
                f"{fact.name} compared with {other.text}",
                other.node.pos,
                "type",
                f"{fact.name} is a number: compare it with a number, e.g. "
                f"{fact.name} {op} {_example_number(fact)}",
            )

    def fact_equality(self, fact: Fact, other: Fact, position: int) -> None:
        same_kind = (fact.type in NUMBER_TYPES and other.type in NUMBER_TYPES) or (
            fact.type == other.type and fact.type != CODES and fact.choices == other.choices
        )
        if not same_kind:
            self.error(
                f"{fact.name} compared with {other.name}",
                position,
                "type",
                f"{fact.name} is {_kind_words(fact)} and {other.name} is {_kind_words(other)}",
            )

    def literal_equality(self, fact: Fact, op: str, literal: Literal) -> None:
        if fact.type == CHOICE and literal.kind == "string":
            self.code_of(fact, literal.value, literal.pos)  # type: ignore[arg-type]
            return
        fits = (fact.type in NUMBER_TYPES and literal.kind in _NUMBER_LITERALS) or (
            fact.type == BOOL and literal.kind == "bool"
        )
        if not fits:
            self.error(f"{fact.name} {op} {literal.text}", literal.pos, "type", _how_to_use(fact))

    def code_of(self, fact: Fact, code: str, position: int) -> None:
        """Report a code that is not one of the fact's codes."""
        if code in fact.choices:
            return
        close = difflib.get_close_matches(code, fact.choices, n=1)
        hint = f'did you mean "{close[0]}"? The codes' if close else "the codes"
        if len(fact.choices) <= 10:
            hint += f" are {', '.join(fact.choices)}"
        else:
            hint += f" of {fact.name} are listed in the data dictionary"
        self.error(f'"{code}" is not a code of {fact.name}', position, "unknown_code", hint)

    def membership(self, node: Membership) -> None:
        item, container = node.item, node.container
        if isinstance(container, Literal) and container.kind == "list":
            self.in_list(item, container)
        elif isinstance(container, Name):
            fact = self.fact(container)
            item_fact = self.fact(item) if isinstance(item, Name) else None
            if fact is None or (isinstance(item, Name) and item_fact is None):
                return
            if fact.type != CODES:
                self.error(f"'in {fact.name}'", container.pos, "type", _IN_HINT)
            elif isinstance(item, Literal) and item.kind == "string":
                self.code_of(fact, item.value, item.pos)  # type: ignore[arg-type]
            else:
                self.error(
                    f"{render(item)} in {fact.name}",
                    item.pos,
                    "type",
                    f'put a code in double quotes before in, e.g. "{fact.choices[0]}" '
                    f"in {fact.name}",
                )
        else:
            if isinstance(item, Name):
                self.fact(item)
            self.error(f"'in {render(container)}'", container.pos, "type", _IN_HINT)

    def in_list(self, item: Node, container: Literal) -> None:
        if not isinstance(item, Name):
            self.error(
                f"{render(item)} in a list",
                item.pos,
                "type",
                'put a choice fact before in, e.g. inflammatory_disease in ["active"]',
            )
            return
        fact = self.fact(item)
        if fact is None:
            return
        if fact.type != CHOICE:
            self.error(f"{fact.name} in a list", item.pos, "type", _how_to_use(fact))
        elif not container.value:
            self.error("An empty list", container.pos, "type", "add at least one code")
        else:
            codes: tuple[str, ...] = container.value  # type: ignore[assignment]
            for code, position in zip(codes, container.item_positions, strict=True):
                self.code_of(fact, code, position)

    def null_test(self, node: NullTest) -> None:
        if isinstance(node.operand, Name):
            self.fact(node.operand)
        else:
            self.error(
                f"{render(node.operand)} is null",
                node.operand.pos,
                "type",
                "is null tests a fact, e.g. esr_mm_hr is null",
            )


_IN_HINT = (
    'in needs a list of codes on its right: a codes fact ("neck" in pain_sites) or a list '
    '(inflammatory_disease in ["active", "in_remission"])'
)


def _how_to_use(fact: Fact) -> str:
    """How a fact of this kind is written in a condition."""
    name = fact.name
    if fact.type == BOOL:
        return f"{name} is yes or no: write {name} or not {name}"
    if fact.type in NUMBER_TYPES:
        return f"{name} is a number: compare it, e.g. {name} >= {_example_number(fact)}"
    if fact.type == CHOICE:
        codes = ", ".join(fact.choices)
        return f'{name} is a choice ({codes}): compare it, e.g. {name} == "{fact.choices[-1]}"'
    return f'{name} is a list of codes: test for one, e.g. "{fact.choices[0]}" in {name}'


def _kind_words(fact: Fact) -> str:
    return {
        BOOL: "yes or no",
        CHOICE: "a choice",
        CODES: "a list of codes",
    }.get(fact.type, "a number")


def _example_number(fact: Fact) -> int:
    if fact.maximum is None:
        return 1
    return max(1, round(fact.maximum / 2))


def _suggest_name(name: str, facts: Mapping[str, Fact]) -> str:
    if name.lower() in facts:
        return f"names are written in lower case: {name.lower()}"
    close = difflib.get_close_matches(name.lower(), list(facts), n=1)
    if close:
        return f"did you mean '{close[0]}'?"
    # A fact's name without its unit or qualifier ("esr" for esr_mm_hr), when only one fits.
    longer = [fact for fact in facts if fact.startswith(f"{name.lower()}_")]
    if len(longer) == 1:
        return f"did you mean '{longer[0]}'?"
    return "it is not a fact; the facts are listed in the data dictionary"
