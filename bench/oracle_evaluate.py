"""The yardstick for `evaluate_intakes`: a hand-written standard-library evaluator of the same
criteria (version 1, `bench/handwritten.py`), doing the same work end to end: read the JSON
file, check every field of every intake (type, range, codes, required, the pain-scale and
`none`-trigger rules; a yes/no answer per intake, no messages), derive the derived facts,
evaluate every criterion recording every comparison (`triage_traced`), and write a JSON array
of results holding the codes and an explanation: each matched criterion with its comparisons
and the values they read, one line each (what `evaluate_intakes` writes, in fewer words).

It uses no Django and none of the app's validator or engine; it reads the fact registry's
table (types, ranges, codes) and `facts.derive` (pure standard-library modules), as a
hand-written program would copy them.

    .venv/bin/python bench/oracle_evaluate.py FILE > results.json
"""

import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.handwritten import triage_traced  # noqa: E402
from intake.rules.facts import INPUT_FACTS, derive  # noqa: E402

_TABLE = [
    (name, f.type, f.minimum, f.maximum, frozenset(f.choices), f.nullable, f.default)
    for name, f in INPUT_FACTS.items()
]
_KNOWN = {*INPUT_FACTS, "id", "clinical_notes"}


def checked(intake: object) -> dict | None:
    """The intake's input facts, or None when any rule fails."""
    if type(intake) is not dict or not _KNOWN.issuperset(intake):
        return None
    facts = {}
    for name, kind, low, high, choices, nullable, default in _TABLE:
        value = intake.get(name)
        if value is None:
            if default is not None:
                value = default
            elif not nullable:
                return None
        elif kind == "bool":
            if type(value) is not bool:
                return None
        elif kind == "int" or kind == "decimal":
            if type(value) is not int and (kind == "int" or type(value) is not float):
                return None
            if not math.isfinite(value) or value < low or value > high:
                return None
            if kind == "decimal":
                value = float(value)
        elif kind == "choice":
            if value not in choices:
                return None
        else:
            if type(value) is not list or len(value) < (low or 0) or len(set(value)) != len(value):
                return None
            if not all(type(code) is str and code in choices for code in value):
                return None
        facts[name] = value
    scale = facts["pain_scale"]
    for name in ("pain_now", "pain_worst"):
        if (facts[name] is None) != (scale == "not_assessable"):
            return None
        if scale == "fps_r" and facts[name] not in (0, 2, 4, 6, 8, 10):
            return None
    if facts["pain_now"] is not None and facts["pain_worst"] < facts["pain_now"]:
        return None
    if "none" in facts["triggers"] and len(facts["triggers"]) > 1:
        return None
    notes = intake.get("clinical_notes")
    if notes is not None and (type(notes) is not str or len(notes) > 5000):
        return None
    return facts


def explained(outcome: str, trace: list[dict]) -> str:
    lines, comparisons = [f"Suggestion: {outcome}"], []
    for entry in trace:
        if "code" not in entry:
            mark = "✓" if entry["result"] else "✗"
            comparisons.append(f"{entry['text']} — {entry['fact']} is {entry['value']} {mark}")
            continue
        if entry["matched"]:
            lines.append(f"  • {entry['code']} ({entry['kind']}): " + "; ".join(comparisons))
        comparisons = []
    return "\n".join(lines)


def evaluate_file(path: str) -> str:
    with open(path, encoding="utf-8") as handle:
        intakes = json.load(handle)
    results = []
    for index, intake in enumerate(intakes, start=1):
        facts = checked(intake)
        if facts is None:
            raise SystemExit(f"intake #{index} is not valid")
        outcome, red_flags, pathways, caveats, trace = triage_traced(derive(facts))
        results.append(
            {
                "id": intake.get("id"),
                "outcome": outcome,
                "red_flags": red_flags,
                "pathways": pathways,
                "caveats": caveats,
                "explanation": explained(outcome, trace),
            }
        )
    return json.dumps(results, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    sys.stdout.write(evaluate_file(sys.argv[1]))
