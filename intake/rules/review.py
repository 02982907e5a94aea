"""The review rules: which dispositions a reviewer's decision allows, and the one-line summary
of what a signature says.

Pure Python, standard library only. Agreeing with a suggestion commits the reviewer to a
disposition that fits it; an override (with its coded reason) is the way to choose anything
else. The table ALLOWED_DISPOSITIONS is the one place this is decided.
"""

from __future__ import annotations

from .engine import OUTCOME_LABELS, Outcome

AGREE, OVERRIDE = "agree", "override"
DECISION_LABELS = {AGREE: "Agree with the suggestion", OVERRIDE: "Override the suggestion"}

AMPS_PROGRAMME = "amps_programme"
INFLAMMATORY_WORKUP = "inflammatory_workup"
OTHER_REFERRAL = "other_referral"
NO_FURTHER_ACTION = "no_further_action"
DISPOSITIONS = (AMPS_PROGRAMME, INFLAMMATORY_WORKUP, OTHER_REFERRAL, NO_FURTHER_ACTION)
DISPOSITION_LABELS = {
    AMPS_PROGRAMME: "AMPS programme",
    INFLAMMATORY_WORKUP: "Inflammatory work-up",
    OTHER_REFERRAL: "Other referral",
    NO_FURTHER_ACTION: "No further action",
}

OVERRIDE_REASON_LABELS = {
    "clinical_judgement": "Clinical judgement",
    "missing_information": "Missing information",
    "criteria_do_not_apply": "The criteria do not apply to this patient",
    "data_entry_error": "Data entry error",
    "other": "Other (explain in the comment)",
}

#: (decision, suggestion) -> the dispositions that may be signed with it. Agreeing with a
#: referral cannot send the child to the AMPS programme or to no further action; agreeing
#: with "consider AMPS" cannot send them to an inflammatory work-up; "indeterminate" commits
#: to nothing. An override may choose any disposition: its coded reason says why.
ALLOWED_DISPOSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (AGREE, Outcome.REFER): frozenset({INFLAMMATORY_WORKUP, OTHER_REFERRAL}),
    (AGREE, Outcome.CONSIDER_AMPS): frozenset({AMPS_PROGRAMME, OTHER_REFERRAL, NO_FURTHER_ACTION}),
    (AGREE, Outcome.INDETERMINATE): frozenset(DISPOSITIONS),
    (OVERRIDE, Outcome.REFER): frozenset(DISPOSITIONS),
    (OVERRIDE, Outcome.CONSIDER_AMPS): frozenset(DISPOSITIONS),
    (OVERRIDE, Outcome.INDETERMINATE): frozenset(DISPOSITIONS),
}


def allowed_dispositions(decision: str, suggestion: str) -> tuple[str, ...]:
    """The dispositions a decision on a suggestion allows, in display order."""
    allowed = ALLOWED_DISPOSITIONS[decision, suggestion]
    return tuple(d for d in DISPOSITIONS if d in allowed)


def disposition_problem(decision: str, suggestion: str, disposition: str) -> str | None:
    """None when the disposition fits the decision on the suggestion; else the reason, in
    words a reviewer reads beside the disposition field."""
    if disposition in ALLOWED_DISPOSITIONS[decision, suggestion]:
        return None
    fitting = " or ".join(
        _lower(DISPOSITION_LABELS[d]) for d in allowed_dispositions(decision, suggestion)
    )
    return (
        f"Agreeing with “{OUTCOME_LABELS[suggestion]}” cannot go with "
        f"“{DISPOSITION_LABELS[disposition]}”: agreeing fits {fitting}. To choose "
        f"{_lower(DISPOSITION_LABELS[disposition])}, override the suggestion and give the "
        "coded reason."
    )


def signature_summary(
    *, decision: str, suggestion: str, disposition: str, override_reason: str = ""
) -> str:
    """What a signature says, in one line:
    "Agree: refer for inflammatory work-up → disposition: inflammatory work-up"."""
    if decision == OVERRIDE:
        reason = OVERRIDE_REASON_LABELS.get(override_reason, "").split(" (")[0]
        said = f"Override ({_lower(reason)})" if reason else "Override"
    else:
        said = "Agree"
    return (
        f"{said}: {_lower(OUTCOME_LABELS[suggestion])} → disposition: "
        f"{_lower(DISPOSITION_LABELS[disposition])}"
    )


def _lower(label: str) -> str:
    """A label inside a sentence: its first letter lower-cased unless it is an acronym."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]
