"""Reading the criteria language: text -> tokens -> a small tree of nodes.

A hand-written tokenizer and recursive-descent parser, so that every mistake gets a message a
clinician editing criteria can act on, with its column. Nothing here ever runs the text.

Grammar (lowest precedence first):

    expression := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | comparison
    comparison := operand (COMPARE operand)+          # chained: 4 <= wpi <= 6
                | operand ["not"] "in" operand
                | operand "is" ["not"] "null"
                | operand
    operand    := NAME | NUMBER | STRING | "true" | "false" | "null" | list | "(" or_expr ")"
    list       := "[" [STRING ("," STRING)* [","]] "]"
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from .tree import (
    COMPARE_OPS,
    KEYWORDS,
    BoolOp,
    Compare,
    ExpressionError,
    Literal,
    Membership,
    Name,
    Node,
    Not,
    NullTest,
)

MAX_NESTING = 40
#: The longest expression read (the longest of version 1 has 217 characters).
MAX_EXPRESSION_LENGTH = 500
#: The most characters a number may have (digits, a point and a minus sign).
MAX_NUMBER_LENGTH = 12


# --- Tokens ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # "name", "number", "string", "op", "end"
    text: str
    pos: int  # 1-based column


_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<number>-?[0-9]+(?:\.[0-9]+)?)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<string>"[^"]*")
      | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)""",
    re.VERBOSE,
)

# Symbols that have no place in the language, with what to write instead.
_REFUSED_SYMBOLS = (
    ("&&", "syntax", "write and"),
    ("||", "syntax", "write or"),
    ("=>", "syntax", "write >="),
    ("=<", "syntax", "write <="),
    ("<>", "syntax", "write !="),
    ("=", "syntax", 'write == to compare, e.g. inflammatory_disease == "active"'),
    ("&", "syntax", "write and"),
    ("|", "syntax", "write or"),
    ("!", "syntax", "write not"),
    ("**", "not_allowed", "the criteria language has no arithmetic"),
    ("//", "not_allowed", "the criteria language has no arithmetic"),
    ("+", "not_allowed", "the criteria language has no arithmetic"),
    ("-", "not_allowed", "the criteria language has no arithmetic"),
    ("*", "not_allowed", "the criteria language has no arithmetic"),
    ("/", "not_allowed", "the criteria language has no arithmetic"),
    ("%", "not_allowed", "the criteria language has no arithmetic"),
)


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; raises ExpressionError on a character with no place."""
    tokens: list[Token] = []
    index = 0
    while index < len(text):
        match = _TOKEN.match(text, index)
        if match is None or (match.group().startswith("-") and not _value_expected(tokens)):
            raise _refused_character(text, index, tokens)
        kind, end = match.lastgroup, match.end()
        if kind == "number" and end < len(text) and (text[end].isalnum() or text[end] in "_."):
            word = re.match(r"-?[\w.]+", text[index:])
            for offset, char in enumerate(word.group() if word else ""):
                if _is_foreign_digit(char):
                    raise _foreign_digit(char, index + offset + 1)
            raise ExpressionError(
                f"'{word.group() if word else match.group()}' is not a number",
                index + 1,
                "syntax",
                "write numbers as digits with an optional decimal point, e.g. 7 or 1.5",
            )
        if kind == "number" and end - index > MAX_NUMBER_LENGTH:
            raise ExpressionError(
                f"'{text[index : index + 8]}…' is too long for a number",
                index + 1,
                "too_long",
                f"write numbers of at most {MAX_NUMBER_LENGTH} characters",
            )
        if kind == "name":
            _check_word(match.group(), index + 1)
        if kind != "space":
            tokens.append(Token(kind or "", match.group(), index + 1))
        index = end
    tokens.append(Token("end", "", len(text.rstrip()) + 1))
    return tokens


def _is_foreign_digit(char: str) -> bool:
    """A digit of another script (৪, ٣, ２) or a superscript: it looks like a number but is
    not one here (৪ is 4 and looks like 8)."""
    return char.isdigit() and not char.isascii()


def _foreign_digit(char: str, column: int) -> ExpressionError:
    return ExpressionError(
        f"The character '{char}' is a digit of another script",
        column,
        "syntax",
        "write numbers with the digits 0-9 only",
    )


def _check_word(word: str, column: int) -> None:
    """Refuse Python words (True, lambda, if, ...) and our keywords in capitals (AND)."""
    if word in ("True", "False", "None"):
        spelled = {"True": "true", "False": "false", "None": "null"}[word]
        raise ExpressionError(f"'{word}'", column, "not_allowed", f"write {spelled}")
    if word not in KEYWORDS and word.lower() in KEYWORDS:
        raise ExpressionError(f"'{word}'", column, "syntax", f"write {word.lower()} in lower case")
    if word not in KEYWORDS and keyword.iskeyword(word):
        raise ExpressionError(f"'{word}'", column, "not_allowed", _NOT_PART)


def _value_expected(tokens: list[Token]) -> bool:
    """Whether a value comes next, so that a minus sign starts a negative number (x > -1)."""
    if not tokens:
        return True
    last = tokens[-1]
    if last.kind == "op":
        return last.text not in (")", "]")
    return last.kind == "name" and last.text in ("and", "or", "not", "in", "is")


def _refused_character(text: str, index: int, tokens: list[Token]) -> ExpressionError:
    column = index + 1
    char = text[index]
    if _is_foreign_digit(char):
        return _foreign_digit(char, column)
    if char == '"':
        return ExpressionError(
            "A code in double quotes is never closed", column, "syntax", 'add the closing "'
        )
    if char == "'":
        return ExpressionError(
            "Single quotes", column, "not_allowed", 'put codes in double quotes, e.g. "active"'
        )
    if char == ".":
        if tokens and tokens[-1].kind == "name":
            return ExpressionError(
                f"A '.' after '{tokens[-1].text}'",
                column,
                "not_allowed",
                "names have no parts: use a fact name on its own, such as wpi",
            )
        return ExpressionError(
            "A '.' on its own", column, "syntax", "write decimals with a digit each side, e.g. 0.5"
        )
    for symbol, code, hint in _REFUSED_SYMBOLS:
        if text.startswith(symbol, index):
            return ExpressionError(f"'{symbol}'", column, code, hint)
    return ExpressionError(
        f"The character '{char}'", column, "syntax", "it cannot be used in a criterion"
    )


# --- Parser ---------------------------------------------------------------------------------------


def parse(text: str) -> Node:
    """The tree of one expression; raises ExpressionError on the first syntax problem."""
    if not isinstance(text, str):
        raise ExpressionError("The expression is not text", None, "syntax", "write a condition")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"The expression is {len(text):,} characters long",
            None,
            "too_long",
            f"write at most {MAX_EXPRESSION_LENGTH} characters; split a long condition into "
            "several criteria",
        )
    return _Parser(tokenize(text)).parse()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.index + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        if token.kind != "end":
            self.index += 1
        return token

    def at_word(self, word: str, ahead: int = 0) -> bool:
        token = self.peek(ahead)
        return token.kind == "name" and token.text == word

    def at_op(self, *ops: str) -> bool:
        token = self.peek()
        return token.kind == "op" and token.text in ops

    def parse(self) -> Node:
        if self.peek().kind == "end":
            raise ExpressionError(
                "The expression is empty", None, "empty", "write a condition such as fever"
            )
        node = self.or_expr()
        if self.peek().kind != "end":
            raise self.unexpected(self.peek(), "and / or to join it to the condition before")
        return node

    def or_expr(self) -> Node:
        return self._bool_op("or", self.and_expr)

    def and_expr(self) -> Node:
        return self._bool_op("and", self.not_expr)

    def _bool_op(self, word: str, operand) -> Node:
        first = operand()
        operands = [first]
        while self.at_word(word):
            self.advance()
            operands.append(operand())
        return first if len(operands) == 1 else BoolOp(word, tuple(operands), first.pos)

    def not_expr(self) -> Node:
        if not self.at_word("not"):
            return self.comparison()
        token = self.advance()
        self._enter(token)
        operand = self.not_expr()
        self.depth -= 1
        return Not(operand, token.pos)

    def comparison(self) -> Node:
        left = self.operand()
        if self.at_op(*COMPARE_OPS):
            operands, ops, positions = [left], [], []
            while self.at_op(*COMPARE_OPS):
                token = self.advance()
                ops.append(token.text)
                positions.append(token.pos)
                operands.append(self.operand())
            return Compare(tuple(operands), tuple(ops), tuple(positions), left.pos)
        if self.at_word("in") or (self.at_word("not") and self.at_word("in", 1)):
            token = self.advance()
            negated = token.text == "not"
            if negated:
                self.advance()
            return Membership(left, self.operand(), negated, token.pos)
        if self.at_word("is"):
            token = self.advance()
            negated = self.at_word("not")
            if negated:
                self.advance()
            if not self.at_word("null"):
                raise ExpressionError(
                    "'is' without null",
                    token.pos,
                    "syntax",
                    "'is' is only used as 'is null' or 'is not null'; to compare values write ==",
                )
            self.advance()
            return NullTest(left, negated, token.pos)
        return left

    def operand(self) -> Node:
        token = self.advance()
        if token.kind == "name":
            return self.name_operand(token)
        if token.kind == "number":
            kind = "decimal" if "." in token.text else "int"
            value = float(token.text) if kind == "decimal" else int(token.text)
            return Literal(value, kind, token.pos, token.text)
        if token.kind == "string":
            return Literal(token.text[1:-1], "string", token.pos, token.text)
        if token.text == "(":
            self._enter(token)
            inner = self.or_expr()
            self.depth -= 1
            if not self.at_op(")"):
                if self.peek().kind == "end":
                    raise ExpressionError(
                        "A '(' is never closed", token.pos, "syntax", "add the matching )"
                    )
                raise self.unexpected(self.peek(), ")")
            self.advance()
            return inner
        if token.text == "[":
            return self.list_literal(token)
        raise self.unexpected(token, "a fact or a value")

    def name_operand(self, token: Token) -> Node:
        word = token.text
        if word in ("true", "false"):
            return Literal(word == "true", "bool", token.pos, word)
        if word == "null":
            return Literal(None, "null", token.pos, word)
        if word in KEYWORDS:
            raise self.unexpected(token, "a fact or a value")
        following = self.peek()
        if following.text == "(" and following.kind == "op":
            raise ExpressionError(
                f"'{word}(' looks like a function",
                token.pos,
                "not_allowed",
                "the criteria language has no functions; join conditions with and / or",
            )
        if following.text == "[" and following.kind == "op":
            raise ExpressionError(
                f"Square brackets after '{word}'",
                following.pos,
                "not_allowed",
                'to test for a code write "neck" in pain_sites; for a list of codes write '
                f'{word} in ["a", "b"]',
            )
        return Name(word, token.pos)

    def list_literal(self, opening: Token) -> Literal:
        items: list[str] = []
        positions: list[int] = []
        while not self.at_op("]"):
            token = self.advance()
            if token.kind == "end":
                raise ExpressionError(
                    "A '[' is never closed", opening.pos, "syntax", "add the matching ]"
                )
            if token.kind != "string":
                raise ExpressionError(
                    f"{_describe(token)} in a list",
                    token.pos,
                    "not_allowed" if token.kind == "name" else "syntax",
                    'a list holds codes in double quotes, e.g. ["active", "in_remission"]',
                )
            items.append(token.text[1:-1])
            positions.append(token.pos)
            if self.at_op(","):
                self.advance()
            elif not self.at_op("]"):
                if self.peek().kind == "end":
                    continue  # reported as an unclosed '['
                raise self.unexpected(self.peek(), "',' or ']'")
        self.advance()
        text = "[" + ", ".join(f'"{item}"' for item in items) + "]"
        return Literal(tuple(items), "list", opening.pos, text, tuple(positions))

    def _enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError(
                "The expression is nested too deeply",
                token.pos,
                "syntax",
                f"use at most {MAX_NESTING} levels of brackets and not",
            )

    def unexpected(self, token: Token, expected: str) -> ExpressionError:
        """The error for a token found where it has no place."""
        if token.kind == "end":
            return ExpressionError(
                "The expression ends too early", token.pos, "syntax", f"expected {expected}"
            )
        word = token.text
        if word == ")":
            return ExpressionError(
                "A ')' with no matching '('", token.pos, "syntax", "remove it or add the ("
            )
        if word == ",":
            return ExpressionError(
                "A ',' outside a list",
                token.pos,
                "syntax",
                'lists are written in square brackets, e.g. ["active", "in_remission"]',
            )
        return ExpressionError(
            f"Unexpected {_describe(token)}", token.pos, "syntax", f"expected {expected}"
        )


_NOT_PART = "it is not part of the criteria language"


def _describe(token: Token) -> str:
    if token.kind == "string":
        return f"code {token.text}"
    return f"'{token.text}'"
