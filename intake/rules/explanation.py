"""The plain-text explanation of a result, for the clinician reading the suggestion.

Deterministic: the same facts and criteria always give the same text. For each matched
criterion it shows the comparisons that decided it ("wpi >= 7 — wpi is 11 ✓"); for an
indeterminate outcome it lists the AMPS pathways closest to matching first, with the
comparisons that failed.
"""

from __future__ import annotations

from .engine import CompiledCriterion, Result

NOT_RECORDED = "not recorded"


def explain(result: Result) -> str:
    """The explanation of a result evaluated with a trace ("" without one), from its trace and
    the compiled criteria that made it (`result.criteria`, in the order of the trace)."""
    if not result.trace:
        return ""
    red_flags, matched_pathways, other_pathways = [], [], []
    for criterion, entry in zip(result.criteria, result.trace, strict=True):
        if criterion.kind == "red_flag" and entry["matched"]:
            red_flags.append(_reasons(criterion, entry))
        elif criterion.kind == "amps_pathway":
            (matched_pathways if entry["matched"] else other_pathways).append(
                _reasons(criterion, entry)
            )
    lines = []
    if red_flags:
        count = "a red flag" if len(red_flags) == 1 else f"{len(red_flags)} red flags"
        lines.append(
            f"Suggestion: Refer for inflammatory work-up — {count} matched, and a red flag "
            "always wins."
        )
        lines.append("Red flags matched:")
        lines += [_line(*reasons) for reasons in red_flags]
        if matched_pathways:
            lines.append("AMPS pathways matched (not acted on while a red flag is present):")
            lines += [_line(*reasons) for reasons in matched_pathways]
    elif matched_pathways:
        lines.append("Suggestion: Consider AMPS — an AMPS pathway matched and no red flag matched.")
        lines.append("AMPS pathways matched:")
        lines += [_line(*reasons) for reasons in matched_pathways]
    else:
        lines.append("Suggestion: Indeterminate — no red flag and no AMPS pathway matched.")
        if other_pathways:
            lines.append("Closest AMPS pathways (what did not match):")
            closest = sorted(other_pathways, key=_failed_count)
            lines += [_line(*reasons) for reasons in closest]
    if result.caveat_messages:
        lines.append("Caveats:")
        lines += [f"  • {message}" for message in result.caveat_messages]
    return "\n".join(lines)


def _reasons(criterion: CompiledCriterion, entry: dict) -> tuple[CompiledCriterion, list[dict]]:
    """The criterion with the comparisons that decided it."""
    comparisons = entry["comparisons"]
    return criterion, [comparisons[index] for index in criterion.expression.deciding(comparisons)]


def _line(criterion: CompiledCriterion, comparisons: list[dict]) -> str:
    reasons = "; ".join([describe_comparison(comparison) for comparison in comparisons])
    return f"  • {criterion.code} ({criterion.name}): {reasons}"


def _failed_count(reasons: tuple[CompiledCriterion, list[dict]]) -> int:
    return sum(not comparison["result"] for comparison in reasons[1])


def describe_comparison(comparison: dict) -> str:
    """One trace comparison in words: "wpi >= 7 — wpi is 11 ✓"."""
    values = f"{comparison['fact']} is {format_value(comparison['value'])}"
    if "other" in comparison:
        values += f", {comparison['other']} is {format_value(comparison['other_value'])}"
    mark = "✓" if comparison["result"] else "✗"
    return f"{comparison['text']} — {values} {mark}"


def format_value(value: object) -> str:
    """A fact value in words: yes/no, "not recorded" for null, codes joined by commas."""
    if value is None:
        return NOT_RECORDED
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, list | tuple):
        return ", ".join(str(item) for item in value) if value else "none"
    return str(value)
