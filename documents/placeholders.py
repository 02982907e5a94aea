"""Admin-written text with a fixed set of placeholders, rendered escaped.

The clinic's own wording (its programme text) is never given to the template language: it is
escaped whole, and only the placeholders below are replaced, each by an escaped value.
"""

import re

from django.utils.html import escape, linebreaks
from django.utils.safestring import SafeString, mark_safe

#: The placeholders an editor may use, and what each becomes.
PLACEHOLDERS = {
    "clinic_name": "the clinic's name",
    "clinic_phone": "the clinic's telephone number",
    "clinic_email": "the clinic's email address",
    "clinic_address": "the clinic's address",
}
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# A sentence ends at . ! or ? followed by white space (the white space stays with the text).
_SENTENCE_END = re.compile(r"(?<=[.!?])(\s+)")


def unknown_placeholders(text: str) -> list[str]:
    """The {names} in `text` that are not placeholders, in order of appearance."""
    return [name for name in _PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS]


def missing(text: str, values: dict[str, str]) -> list[str]:
    """The known placeholders `text` uses whose value is empty, in order of appearance."""
    names = [n for n in _PLACEHOLDER.findall(text or "") if n in PLACEHOLDERS]
    return list(dict.fromkeys(n for n in names if not (values.get(n) or "").strip()))


def without_empty_sentences(text: str, values: dict[str, str]) -> str:
    """`text` less every sentence that uses a placeholder with no value: a document never
    prints "call the clinic on ." with a hole where the number should be."""
    empty = set(missing(text, values))
    if not empty:
        return text or ""
    parts = _SENTENCE_END.split(text)
    kept = []
    for sentence, gap in zip(parts[::2], [*parts[1::2], ""], strict=True):
        if not empty.intersection(_PLACEHOLDER.findall(sentence)):
            kept.append(sentence + gap)
    return "".join(kept).strip()


def render(text: str, values: dict[str, str]) -> SafeString:
    """`text` as HTML paragraphs: everything escaped, each known placeholder replaced by its
    escaped value (an unknown one stays as written); a sentence whose placeholder has no
    value is left out."""
    escaped = escape(without_empty_sentences(text, values))

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return escape(values.get(name, "")) if name in PLACEHOLDERS else match.group(0)

    return mark_safe(linebreaks(_PLACEHOLDER.sub(replace, escaped)))  # noqa: S308 - escaped above
