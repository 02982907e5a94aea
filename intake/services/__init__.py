"""Writes that span models, one transaction each; views call exactly one of these.

Split by subject (intakes, reviews, criteria sets); import them from here, `intake.services`.
"""

from intake.services.criteria import (
    DEFAULT_RED_FLAG_CODES,
    IMPACT_CASE_LIMIT,
    ChangedCase,
    CriterionChange,
    DraftCheck,
    DraftExists,
    FailingCase,
    Impact,
    PublishRefused,
    check_draft,
    compare_criteria,
    new_draft,
    preview_impact,
    publish_criteria_set,
    red_flag_warnings,
)
from intake.services.intakes import (
    AlreadySubmitted,
    FormTokenRefused,
    IdentityKept,
    IntakeLocked,
    PatientRegisteredMeanwhile,
    save_intake,
    screen_intake,
)
from intake.services.reviews import AlreadySigned, NotReviewable, add_addendum, record_review

__all__ = [
    "DEFAULT_RED_FLAG_CODES",
    "IMPACT_CASE_LIMIT",
    "AlreadySigned",
    "AlreadySubmitted",
    "ChangedCase",
    "CriterionChange",
    "DraftCheck",
    "DraftExists",
    "FailingCase",
    "FormTokenRefused",
    "IdentityKept",
    "Impact",
    "IntakeLocked",
    "NotReviewable",
    "PatientRegisteredMeanwhile",
    "PublishRefused",
    "add_addendum",
    "check_draft",
    "compare_criteria",
    "new_draft",
    "preview_impact",
    "publish_criteria_set",
    "record_review",
    "red_flag_warnings",
    "save_intake",
    "screen_intake",
]
