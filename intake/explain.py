"""A stored screening, arranged for the screen: matched criteria by kind, with each
criterion's name, rationale and source, and the comparisons that decided it."""

from dataclasses import dataclass, field

from intake.models import Screening
from intake.rules import engine, facts


@dataclass
class ExplainedCriterion:
    code: str
    kind: str
    name: str
    matched: bool
    comparisons: list[dict]
    rationale: str = ""
    source: str = ""
    message: str = ""
    expression: str = ""


@dataclass
class ExplainedScreening:
    screening: Screening
    outcome_label: str
    red_flags: list[ExplainedCriterion] = field(default_factory=list)
    pathways: list[ExplainedCriterion] = field(default_factory=list)
    caveats: list[ExplainedCriterion] = field(default_factory=list)
    unmatched_pathways: list[ExplainedCriterion] = field(default_factory=list)


def explain_screening(screening: Screening) -> ExplainedScreening:
    """Join a screening's own trace to its (immutable) criteria set's texts. One query."""
    criteria = {c.code: c for c in screening.criteria_set.criteria.all()}
    explained = ExplainedScreening(
        screening=screening, outcome_label=engine.OUTCOME_LABELS[screening.outcome]
    )
    by_kind = {
        "red_flag": explained.red_flags,
        "amps_pathway": explained.pathways,
        "caveat": explained.caveats,
    }
    for entry in screening.trace:
        criterion = criteria.get(entry["code"])
        item = ExplainedCriterion(
            code=entry["code"],
            kind=entry["kind"],
            name=entry.get("name") or (criterion.name if criterion else entry["code"]),
            matched=entry["matched"],
            comparisons=entry.get("comparisons", []),
            rationale=criterion.rationale if criterion else "",
            source=criterion.source if criterion else "",
            message=criterion.message if criterion else "",
            expression=criterion.expression if criterion else "",
        )
        if item.matched:
            by_kind[item.kind].append(item)
        elif item.kind == "amps_pathway":
            explained.unmatched_pathways.append(item)
    return explained


# The data-dictionary sections of an intake's own values (the patient's are in the header).
SUMMARY_SECTIONS = tuple(section for section in facts.SECTIONS if section != "Patient")


def intake_summary(intake) -> list[tuple[str, list[tuple[str, str, object]]]]:
    """The intake's values by data-dictionary section: (section, [(name, label, value)]).

    Budapest and severity tick boxes are listed only when ticked; red flags answered yes come
    first so a reader sees them at once."""
    values = intake.input_facts()
    sections = []
    for section in SUMMARY_SECTIONS:
        rows = []
        for name, fact in facts.INPUT_FACTS.items():
            if fact.section != section or name == "pain_sites":
                continue
            value = values.get(name)
            if fact.type == facts.BOOL and section in ("Budapest grid", "Symptom severity"):
                if value:
                    rows.append((name, fact.label, value))
                continue
            if fact.asked_when and value is None:
                continue  # a red-flag detail that was not asked
            rows.append((name, fact.label, value))
        if section == "Red flags":
            rows = _red_flags_at_a_glance(rows)
        if rows or section != facts.RED_FLAG_DETAILS_SECTION:
            sections.append((section, rows))
    return sections


def _red_flags_at_a_glance(rows):
    """Red flags answered yes first, one row each; every 'no' answer folded into one row."""
    answered_no = [label for name, label, value in rows if value is False]
    kept = [row for row in rows if row[2] is not False]
    kept.sort(key=lambda row: row[2] is not True)
    if answered_no:
        kept.append(("", "Answered no", ", ".join(answered_no)))
    return kept


def _blank(value) -> bool:
    return value is None or value == [] or value == ""


def skipped_sections(intake) -> list[str]:
    """The sections an intake submitted on the emergency pathway left blank (the names of
    facts.EMERGENCY_OPTIONAL_SECTIONS); [] for a draft or an intake submitted complete.

    It was submitted on that pathway when a value every complete intake has (a pain pattern,
    a severity score, school days missed, …) is blank; then each section with such a value
    blank, or with nothing recorded at all (no tick, no lab), is listed."""
    if intake.status == "draft":
        return []
    values = intake.input_facts()

    def required(name: str) -> bool:
        fact = facts.INPUT_FACTS[name]
        return not fact.nullable and fact.type != facts.BOOL

    sections = facts.EMERGENCY_OPTIONAL_SECTIONS
    if not any(_blank(values[n]) for names in sections.values() for n in names if required(n)):
        return []
    return [
        label
        for label, names in sections.items()
        if any(_blank(values[n]) for n in names if required(n))
        or all(_blank(values[n]) or values[n] is False for n in names)
    ]
