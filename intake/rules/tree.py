"""The parsed form of a criteria expression: its nodes, and the error type of the language."""

from __future__ import annotations

from dataclasses import dataclass

COMPARE_OPS = ("==", "!=", "<", "<=", ">", ">=")
ORDERING_OPS = frozenset({"<", "<=", ">", ">="})
KEYWORDS = frozenset({"and", "or", "not", "in", "is", "null", "true", "false"})


class ExpressionError(Exception):
    """A problem in a criteria expression, in words for the clinician editing it.

    `message` is the sentence without the position, `position` the 1-based column (None when
    the problem is not at one place), `code` one of "syntax", "unknown_name", "type",
    "unknown_code", "not_allowed", "empty", "too_long". `criterion` names the criterion when known.
    str() gives e.g. "Unknown name 'wpii' at column 1: did you mean 'wpi'?".
    """

    def __init__(
        self,
        summary: str,
        position: int | None = None,
        code: str = "syntax",
        hint: str = "",
        criterion: str = "",
    ) -> None:
        self.summary = summary
        self.position = position
        self.code = code
        self.hint = hint
        self.criterion = criterion
        super().__init__(str(self))

    @property
    def message(self) -> str:
        return f"{self.summary}: {self.hint}" if self.hint else self.summary

    def __str__(self) -> str:
        text = self.summary
        if self.position is not None:
            text += f" at column {self.position}"
        if self.hint:
            text += f": {self.hint}"
        return f"Criterion {self.criterion}: {text}" if self.criterion else text

    def for_criterion(self, code: str) -> ExpressionError:
        """The same error, naming the criterion it was found in."""
        return ExpressionError(self.summary, self.position, self.code, self.hint, code)


# --- Nodes ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Name:
    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class Literal:
    value: object  # int, float, bool, str, None, or a tuple of str for a list
    kind: str  # "int", "decimal", "bool", "string", "null", "list"
    pos: int
    text: str
    item_positions: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: int


@dataclass(frozen=True, slots=True)
class BoolOp:
    op: str  # "and" | "or"
    operands: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Compare:
    operands: tuple[Node, ...]
    ops: tuple[str, ...]
    op_positions: tuple[int, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Membership:
    item: Node
    container: Node
    negated: bool
    pos: int


@dataclass(frozen=True, slots=True)
class NullTest:
    operand: Node
    negated: bool
    pos: int


Node = Name | Literal | Not | BoolOp | Compare | Membership | NullTest
LEAVES = (Name, Compare, Membership, NullTest)


def render(node: Node) -> str:
    """The node written back in the criteria language, with normal spacing."""
    if isinstance(node, Name):
        return node.name
    if isinstance(node, Literal):
        return node.text
    if isinstance(node, Not):
        return f"not {_grouped(node.operand)}"
    if isinstance(node, BoolOp):
        return f" {node.op} ".join(_grouped(operand) for operand in node.operands)
    if isinstance(node, Compare):
        parts = [_grouped(node.operands[0])]
        for op, operand in zip(node.ops, node.operands[1:], strict=True):
            parts += [op, _grouped(operand)]
        return " ".join(parts)
    if isinstance(node, Membership):
        op = "not in" if node.negated else "in"
        return f"{_grouped(node.item)} {op} {_grouped(node.container)}"
    return f"{_grouped(node.operand)} is {'not ' if node.negated else ''}null"


def _grouped(node: Node) -> str:
    return f"({render(node)})" if isinstance(node, BoolOp) else render(node)
