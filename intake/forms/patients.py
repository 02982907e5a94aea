"""Patient forms: an identity correction (with its reason) and the patient search box."""

import copy

from django import forms
from django.db.models import Max, Min
from django.utils import timezone

from amps_screen import fields as strict
from intake.forms.intake import MAX_AGE_YEARS, MRN_PATTERN
from intake.models import PATIENT_FIELDS, Patient, completed_years

REASON_MAX_LENGTH = 500


class PatientCorrectionForm(forms.ModelForm):
    """A patient's identity as it should be, and why it was wrong. It binds a copy of the
    patient, so the page shows the record as stored until services.correct_patient_identity
    saves the correction (with the reason, in the patient's history)."""

    reason = forms.CharField(
        label="Reason for the correction",
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the patient's history with your name and the time, e.g. "
        "“Date of birth mistyped at registration; checked against the birth certificate.”",
    )

    class Meta:
        model = Patient
        fields = PATIENT_FIELDS
        field_classes = {"date_of_birth": strict.DateField}
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, instance=copy.copy(patient), **kwargs)
        self.patient = patient

    def clean_reason(self) -> str:
        reason = self.cleaned_data["reason"].strip()
        if not reason:
            raise forms.ValidationError("Say why the identity is corrected.", code="required")
        return reason

    def clean_mrn(self) -> str:
        mrn = self.cleaned_data["mrn"].strip()
        if not MRN_PATTERN.match(mrn):
            raise forms.ValidationError("Use 1-20 letters, digits or hyphens.", code="invalid_mrn")
        if Patient.objects.filter(mrn=mrn).exclude(pk=self.patient.pk).exists():
            raise forms.ValidationError(
                "MRN %(mrn)s belongs to another patient. Check the MRN.",
                code="mrn_taken",
                params={"mrn": mrn},
            )
        return mrn

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born > timezone.localdate():
            raise forms.ValidationError("The date of birth is in the future.", code="future")
        visits = self.patient.intakes.aggregate(first=Min("intake_date"), last=Max("intake_date"))
        if visits["first"] and born > visits["first"]:
            raise forms.ValidationError(
                "The date of birth is after the patient's first intake (%(day)s).",
                code="after_intake",
                params={"day": f"{visits['first']:%-d %b %Y}"},
            )
        if visits["last"] and completed_years(born, visits["last"]) > MAX_AGE_YEARS:
            raise forms.ValidationError(
                "The patient must be under 22 years old at every intake.", code="too_old"
            )
        return born

    def clean(self):
        cleaned = super().clean()
        values = self.identity_values()
        if not self.errors and all(values[name] == getattr(self.patient, name) for name in values):
            raise forms.ValidationError(
                "Nothing was changed: correct at least one value.", code="unchanged"
            )
        return cleaned

    def identity_values(self) -> dict:
        return {
            name: self.cleaned_data[name] for name in PATIENT_FIELDS if name in self.cleaned_data
        }


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Name or MRN",
        max_length=100,
        required=False,
        help_text="A full name in either order, part of a name, or part of an MRN.",
    )
