"""The amps_screen rules: the fact registry, intake validation, the criteria language and the
engine that turns an intake's facts into a suggestion (refer / consider AMPS / indeterminate).

Pure Python, standard library only: no Django, no app modules (a test enforces it).

Typical use:

    inputs, errors = validate_intake(data)       # or the facts of a stored intake
    criteria = CompiledCriteria(DEFAULT_CRITERIA)  # compile once per criteria set
    result = criteria.evaluate(derive(inputs))    # Result: outcome, codes, trace
"""

from .defaults import DEFAULT_CRITERIA
from .engine import (
    KIND_LABELS,
    KINDS,
    OUTCOME_LABELS,
    OUTCOMES,
    URGENCIES,
    URGENCY_ACTIONS,
    URGENCY_LABELS,
    URGENCY_TIMEFRAMES,
    CompiledCriteria,
    CriterionSpec,
    Outcome,
    Result,
    content_hash,
)
from .facts import (
    BUDAPEST_CATEGORIES,
    DERIVED_FACTS,
    FACTS,
    FUNCTION_FIELDS,
    INPUT_FACTS,
    LAB_FIELDS,
    PAIN_SITE_CODES,
    PAIN_SITES,
    RED_FLAG_FIELDS,
    SSS_ITEMS,
    TRIGGER_CODES,
    BudapestCategory,
    Fact,
    PainSite,
    derive,
)
from .language import CompiledExpression, ExpressionError, check_expression, compile_expression
from .validation import FieldError, validate_intake

__all__ = [
    "BUDAPEST_CATEGORIES",
    "DEFAULT_CRITERIA",
    "DERIVED_FACTS",
    "FACTS",
    "FUNCTION_FIELDS",
    "INPUT_FACTS",
    "KINDS",
    "KIND_LABELS",
    "LAB_FIELDS",
    "OUTCOMES",
    "OUTCOME_LABELS",
    "PAIN_SITES",
    "PAIN_SITE_CODES",
    "RED_FLAG_FIELDS",
    "SSS_ITEMS",
    "TRIGGER_CODES",
    "URGENCIES",
    "URGENCY_ACTIONS",
    "URGENCY_TIMEFRAMES",
    "URGENCY_LABELS",
    "BudapestCategory",
    "CompiledCriteria",
    "CompiledExpression",
    "CriterionSpec",
    "ExpressionError",
    "Fact",
    "FieldError",
    "Outcome",
    "PainSite",
    "Result",
    "check_expression",
    "compile_expression",
    "content_hash",
    "derive",
    "validate_intake",
]
