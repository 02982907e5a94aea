"""What the criteria pages show beside the criteria: every fact an expression can read, and
example expressions."""

from intake.rules import facts

TYPE_WORDS = {
    facts.BOOL: "yes/no",
    facts.INT: "whole number",
    facts.DECIMAL: "number",
    facts.CHOICE: "one code",
    facts.CODES: "list of codes",
}
EXAMPLE_EXPRESSIONS = (
    ("morning_stiffness_minutes >= 30", "a number compared with a threshold"),
    ('"neck" in pain_sites', "a code in a list of codes"),
    ("4 <= wpi <= 6 and sss >= 9", "a range, joined with and"),
    ('inflammatory_disease in ["active", "in_remission"]', "one of several codes"),
    ("fdi_score is null", "a value that was not recorded (not done)"),
    ("not core_labs_done", "a yes/no fact that is false"),
    ("fever or (limp and age_years < 5)", "or, and parentheses"),
    (
        "non_weight_bearing and not non_weight_bearing_days >= 14",
        "a red-flag detail: not asked (null) keeps the higher tier",
    ),
)


def fact_reference() -> list[tuple[str, list[dict]]]:
    """Every fact an expression can read, by section: name, label, type in words, unit, range
    or codes (with their labels), whether it may be null, and its description."""
    sections: dict[str, list[dict]] = {}
    for fact in facts.FACTS.values():
        if fact.type in (facts.CHOICE, facts.CODES):
            labels = facts.CODE_LABELS.get(fact.name, {})
            values = [(code, _code_label(code, labels.get(code, ""))) for code in fact.choices]
            limits = ""
        else:
            values = []
            limits = _range(fact) if fact.type != facts.BOOL else ""
        sections.setdefault(fact.section, []).append(
            {
                "name": fact.name,
                "label": fact.label,
                "type": TYPE_WORDS.get(fact.type, fact.type),
                "unit": fact.unit,
                "range": limits,
                "codes": values,
                "nullable": fact.nullable,
                "asked_when": fact.asked_when,
                "derived": fact.derived,
                "description": fact.description if fact.description != fact.label else "",
            }
        )
    return list(sections.items())


def _code_label(code: str, label: str) -> str:
    """A code's label when it says more than the code itself ("in_remission" / "In remission"
    says nothing more; "upper_arm_left" / "Upper arm, left" neither)."""

    def plain(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    return "" if plain(label) == plain(code) else label


def _range(fact: facts.Fact) -> str:
    def number(value) -> str:
        return str(int(value)) if float(value).is_integer() else str(value)

    if fact.minimum is None and fact.maximum is None:
        return ""
    if fact.maximum is None:
        return f"from {number(fact.minimum)}"
    return f"{number(fact.minimum if fact.minimum is not None else 0)} to {number(fact.maximum)}"
