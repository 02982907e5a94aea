"""Display helpers for facts and expressions."""

from django import template

from intake.rules import facts

register = template.Library()

_OPERATORS = {">=": "≥", "<=": "≤", "!=": "≠", "==": "="}


@register.filter
def fact_value(value, name: str = "") -> str:
    """A fact's value in words: null is 'not recorded', booleans are yes/no, codes by label."""
    if value is None:
        return "not done" if name in facts.LAB_FIELDS else "not recorded"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    labels = facts.CODE_LABELS.get(name, {})
    if isinstance(value, list):
        return ", ".join(labels.get(code, code) for code in value) if value else "not recorded"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return labels.get(value, str(value)) if isinstance(value, str) else str(value)


@register.filter
def pretty_expression(text: str) -> str:
    """`wpi >= 7` as `wpi ≥ 7`."""
    for operator, symbol in _OPERATORS.items():
        text = text.replace(f" {operator} ", f" {symbol} ")
    return text


@register.filter
def fact_label(name: str) -> str:
    fact = facts.FACTS.get(name)
    return fact.label if fact else name


@register.filter
def site_labels(codes) -> list[str]:
    labels = facts.CODE_LABELS["pain_sites"]
    return [labels.get(code, code) for code in codes or []]


@register.filter
def duration(seconds) -> str:
    """A time taken, honestly: "under a second", else seconds with one decimal."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "under a second"
    return f"{seconds:.1f} seconds"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template (None when absent)."""
    return mapping.get(key) if mapping else None
