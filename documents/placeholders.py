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


def unknown_placeholders(text: str) -> list[str]:
    """The {names} in `text` that are not placeholders, in order of appearance."""
    return [name for name in _PLACEHOLDER.findall(text or "") if name not in PLACEHOLDERS]


def render(text: str, values: dict[str, str]) -> SafeString:
    """`text` as HTML paragraphs: everything escaped, each known placeholder replaced by its
    escaped value (an unknown one stays as written)."""
    escaped = escape(text or "")

    def replace(match: re.Match) -> str:
        name = match.group(1)
        return escape(values.get(name, "")) if name in PLACEHOLDERS else match.group(0)

    return mark_safe(linebreaks(_PLACEHOLDER.sub(replace, escaped)))  # noqa: S308 - escaped above
