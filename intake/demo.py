"""Synthetic, clinically plausible intakes for demos and benchmarks (never real patients).

Each intake starts from one of the shared examples (diffuse AMPS, CRPS-like, labs not done,
inflammatory, febrile, non-amplified) and is varied with a seeded random generator, so the
same seed always gives the same data. Every generated intake passes the JSON validator.
"""

import random
from datetime import date, timedelta

from intake.rules import facts, validation

GIVEN_NAMES = (
    "Ava", "Noah", "Mia", "Leo", "Isla", "Ezra", "Zara", "Kai", "Maya", "Finn",
    "Nia", "Omar", "Lena", "Ravi", "Ines", "Theo", "Yara", "Sami", "Elif", "Jude",
)  # fmt: skip
FAMILY_NAMES = (
    "Okafor", "Nguyen", "Silva", "Kowalski", "Haddad", "Murphy", "Tanaka", "Novak",
    "Ibrahim", "Larsen", "Moreau", "Rossi", "Chen", "Patel", "Jones", "Garcia",
)  # fmt: skip
RED_FLAG_BOOLS = tuple(
    name for name in facts.RED_FLAG_FIELDS if facts.INPUT_FACTS[name].type == facts.BOOL
)


def synthetic_intake(rng: random.Random, base: dict) -> dict:
    """One varied copy of an example intake (JSON format), still valid."""
    intake = {key: value for key, value in base.items() if key not in ("id", "clinical_notes")}
    intake["age_years"] = rng.randint(6, 17)
    intake.setdefault("visit_type", facts.VISIT_TYPE_INITIAL)
    intake["pain_duration_weeks"] = max(0, base["pain_duration_weeks"] + rng.randint(-6, 20))
    if rng.random() < 0.3:
        sites = list(base["pain_sites"])
        rng.shuffle(sites)
        intake["pain_sites"] = sorted(sites[: max(1, len(sites) - rng.randint(0, 3))])
    if intake["pain_scale"] == "nrs":
        now = rng.randint(2, 9)
        intake["pain_now"], intake["pain_worst"] = now, min(10, now + rng.randint(0, 2))
    intake["school_days_missed_4wk"] = rng.randint(0, 12)
    intake["morning_stiffness_minutes"] = rng.choice((0, 0, 5, 10, 15, 20, 45))
    if rng.random() < 0.08:  # an occasional red flag on top of the example's own
        intake[rng.choice(RED_FLAG_BOOLS)] = True
    if intake.get("esr_mm_hr") is not None:
        intake["esr_mm_hr"] = max(0, intake["esr_mm_hr"] + rng.randint(-4, 6))
    return intake


def synthetic_intakes(count: int, *, examples: list[dict], seed: int = 20261122):
    """`count` (intake JSON, given name, family name, date of birth, intake date) tuples."""
    rng = random.Random(seed)  # noqa: S311 - reproducible synthetic data, not security
    today = date(2026, 11, 1)
    for index in range(count):
        intake = synthetic_intake(rng, examples[index % len(examples)])
        _, errors = validation.validate_intake(intake)
        if errors:  # the variations above keep every rule; this guards the generator itself
            raise ValueError(f"generated an invalid intake: {errors[0]}")
        intake_date = today - timedelta(days=rng.randint(0, 365))
        born = intake_date - timedelta(days=365 * intake["age_years"] + rng.randint(30, 330))
        yield intake, rng.choice(GIVEN_NAMES), rng.choice(FAMILY_NAMES), born, intake_date
