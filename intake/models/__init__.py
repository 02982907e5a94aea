"""Patients, intakes, criteria sets, the append-only screenings they produce, reviews, the
agreement counters and the access log — one module each; import them from here,
`intake.models`.

Field names are the data-dictionary names (`shared/intake-data-dictionary.md`). The triage
decision itself lives in `intake.rules`; models only store and hand over plain data.
"""

from audit.models import AppendOnlyError
from intake.models.agreement import (
    AgreementCount,
    AgreementKind,
    agreement_keys,
    recount_agreement,
)
from intake.models.criteria import (
    CriteriaSet,
    CriteriaSetQuerySet,
    CriteriaSetStatus,
    Criterion,
    CriterionKind,
    ReferenceCase,
)
from intake.models.outcomes import (
    OUTCOME_PRIORITY,
    URGENCY_PRIORITY,
    Outcome,
    Urgency,
)
from intake.models.patients import (
    IDENTITY_FIELDS,
    INTAKE_FACT_FIELDS,
    PATIENT_FACTS,
    PATIENT_FIELDS,
    Intake,
    IntakeQuerySet,
    IntakeStatus,
    Patient,
    VisitType,
    code_choices,
    completed_years,
    input_facts_of,
    model_values,
)
from intake.models.reviews import (
    Addendum,
    Decision,
    Disposition,
    OverrideReason,
    Review,
    sign_off,
)
from intake.models.screenings import Screening
from intake.models.tokens import SubmitToken

__all__ = [
    "IDENTITY_FIELDS",
    "INTAKE_FACT_FIELDS",
    "OUTCOME_PRIORITY",
    "PATIENT_FACTS",
    "PATIENT_FIELDS",
    "URGENCY_PRIORITY",
    "Addendum",
    "AgreementCount",
    "AgreementKind",
    "AppendOnlyError",
    "CriteriaSet",
    "CriteriaSetQuerySet",
    "CriteriaSetStatus",
    "Criterion",
    "CriterionKind",
    "Decision",
    "Disposition",
    "Intake",
    "IntakeQuerySet",
    "IntakeStatus",
    "Outcome",
    "OverrideReason",
    "Patient",
    "ReferenceCase",
    "Review",
    "Screening",
    "SubmitToken",
    "Urgency",
    "VisitType",
    "agreement_keys",
    "code_choices",
    "completed_years",
    "input_facts_of",
    "model_values",
    "recount_agreement",
    "sign_off",
]
