"""The change history of patient records (patients, intakes, reviews, addenda) on the auditors'
read-only history pages (audit.admin.HistoryAdmin): only users holding the view permissions
(the Auditor role, or superusers) see them, not criteria editors."""

from django.contrib import admin

from audit.admin import HistoryAdmin
from intake.models import Addendum, Intake, Patient, Review


@admin.register(Patient.history.model)
class PatientHistoryAdmin(HistoryAdmin):
    search_fields = ("mrn", "family_name")

    def accessed(self, entry) -> dict:
        return {"patient": entry.instance}


@admin.register(Intake.history.model)
class IntakeHistoryAdmin(HistoryAdmin):
    search_fields = ("patient__mrn", "patient__family_name")
    list_select_related = ("history_user", "patient")

    def accessed(self, entry) -> dict:
        return {"intake": entry.instance}


class _OfAnIntake(HistoryAdmin):
    def accessed(self, entry) -> dict:
        return {"intake": entry.instance.intake}


@admin.register(Review.history.model)
class ReviewHistoryAdmin(_OfAnIntake):
    search_fields = ("intake__patient__mrn",)
    list_select_related = ("history_user", "intake__patient", "reviewer")


@admin.register(Addendum.history.model)
class AddendumHistoryAdmin(_OfAnIntake):
    search_fields = ("intake__patient__mrn",)
    list_select_related = ("history_user", "intake__patient", "author")
