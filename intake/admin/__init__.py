"""The criteria admin: criteria sets with their criteria, reference cases, and the
draft -> try it -> impact preview -> publish cycle (design.md, "Criteria sets, criteria and
outcomes"). One module per subject; import from here, `intake.admin`.

Patients, intakes and screenings are deliberately not registered here: an editor sees a past
case only by its case number, as facts (see criteria_sets.py). Their change history is on the
auditors' pages (record_history.py).
"""

from django.contrib import admin

from intake.admin.criteria_sets import CriteriaSetAdmin, CriterionInline
from intake.admin.criteria_table import criteria_table
from intake.admin.history import CRITERIA_HISTORY_LIMIT, ReadableHistory, criteria_history
from intake.admin.record_history import PatientHistoryAdmin
from intake.admin.reference import EXAMPLE_EXPRESSIONS, TYPE_WORDS, fact_reference
from intake.admin.reference_cases import ReferenceCaseAdmin

admin.site.site_header = "amps_screen administration"
admin.site.site_title = "amps_screen administration"
admin.site.index_title = "Criteria administration"

__all__ = [
    "CRITERIA_HISTORY_LIMIT",
    "EXAMPLE_EXPRESSIONS",
    "TYPE_WORDS",
    "CriteriaSetAdmin",
    "CriterionInline",
    "PatientHistoryAdmin",
    "ReadableHistory",
    "ReferenceCaseAdmin",
    "criteria_history",
    "criteria_table",
    "fact_reference",
]
