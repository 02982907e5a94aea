"""The app's forms, by subject: the intake, the review, the criteria admin.

Import them from here, `intake.forms`.
"""

from intake.forms.criteria_admin import (
    CompareVersionsForm,
    CriterionAdminForm,
    IntakeJSONField,
    PublishForm,
    ReferenceCaseAdminForm,
    SaveReferenceCaseForm,
    TryItCaseForm,
    TryItFactsForm,
    TryItForm,
    parse_json_text,
)
from intake.forms.intake import (
    ACTION_DRAFT,
    ACTION_SUBMIT,
    TRI_STATE_LABS,
    YES_NO_DETAIL_FIELDS,
    YES_NO_FIELDS,
    IntakeForm,
    IntakeSearchForm,
    blank_form_cache_key,
    error_summary,
)
from intake.forms.lists import IntakeListFilterForm
from intake.forms.patients import PatientCorrectionForm, PatientSearchForm
from intake.forms.review import (
    ACTION_CHECK,
    ACTION_SIGN,
    AddendumForm,
    ReviewForm,
    ReviewQueueFilterForm,
)

__all__ = [
    "ACTION_CHECK",
    "ACTION_DRAFT",
    "ACTION_SIGN",
    "ACTION_SUBMIT",
    "TRI_STATE_LABS",
    "YES_NO_DETAIL_FIELDS",
    "YES_NO_FIELDS",
    "AddendumForm",
    "CompareVersionsForm",
    "CriterionAdminForm",
    "IntakeForm",
    "IntakeJSONField",
    "IntakeListFilterForm",
    "IntakeSearchForm",
    "PatientCorrectionForm",
    "PatientSearchForm",
    "PublishForm",
    "ReferenceCaseAdminForm",
    "ReviewForm",
    "ReviewQueueFilterForm",
    "SaveReferenceCaseForm",
    "TryItCaseForm",
    "TryItFactsForm",
    "TryItForm",
    "blank_form_cache_key",
    "error_summary",
    "parse_json_text",
]
