"""The export form: profile, format, codes or labels, filters, and the purpose."""

from django import forms
from django.core.exceptions import ValidationError

from amps_screen import fields as strict
from exports.columns import Layout, Profile
from exports.pseudonyms import PseudonymKeyMissing, pseudonym_key
from exports.rows import DEFAULT_STATUSES, ExportOptions
from exports.services import allowed_profiles
from exports.writers import Format
from intake.models import IntakeStatus, Outcome

PURPOSE_MAX_LENGTH = 500
VALUES_CODES, VALUES_LABELS = "codes", "labels"


class ExportForm(forms.Form):
    profile = forms.ChoiceField(label="Profile", widget=forms.RadioSelect)
    format = forms.ChoiceField(label="Format", choices=Format.CHOICES, widget=forms.RadioSelect)
    layout = forms.ChoiceField(
        label="Layout of a patient's visits",
        choices=Layout.choices,
        required=False,  # a script that posts no layout gets the default
        initial=Layout.REPEATING,
        widget=forms.RadioSelect,
        help_text="REDCap imports the repeating-instrument and events layouts as they are; "
        "the README's REDCap section shows both.",
    )
    values = forms.ChoiceField(
        label="Values",
        choices=((VALUES_CODES, "Raw codes (re-importable)"), (VALUES_LABELS, "Labels")),
        initial=VALUES_CODES,
        widget=forms.RadioSelect,
    )
    bom = forms.BooleanField(
        label="Start the CSV with a byte-order mark (lets Excel read the accents)", required=False
    )
    date_from = strict.DateField(
        label="Intake date from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="A de-identified export selects whole months: the dates are widened to the "
        "first and last day of their months.",
    )
    date_to = strict.DateField(
        label="Intake date to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.MultipleChoiceField(
        label="Status",
        choices=IntakeStatus.choices,
        initial=list(DEFAULT_STATUSES),
        widget=forms.CheckboxSelectMultiple,
    )
    suggestion = forms.MultipleChoiceField(
        label="Suggestion (none ticked: every suggestion)",
        choices=Outcome.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    criteria_version = strict.IntegerField(
        label="Criteria set version (empty: every version)",
        required=False,
        min_value=1,
        max_value=1_000_000,
    )
    purpose = forms.CharField(
        label="Purpose",
        required=False,
        max_length=PURPOSE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Required for an identified export; kept in the access log with the export.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        allowed = allowed_profiles(user)
        self.fields["profile"].choices = [(p, Profile(p).label) for p in allowed]
        if allowed == [Profile.DEIDENTIFIED]:
            self.fields["profile"].help_text = (
                "Your role exports de-identified data only; identified and limited exports "
                "are made by a data manager."
            )
        self.fields["profile"].initial = Profile.DEIDENTIFIED
        self.fields["format"].initial = Format.CSV

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to",
                ValidationError("The end date is before the start date.", code="date_order"),
            )
        profile = data.get("profile")
        if profile == Profile.IDENTIFIED and not data.get("purpose", "").strip():
            self.add_error(
                "purpose",
                ValidationError(
                    "State the purpose of an identified export (it is kept in the access log).",
                    code="purpose_required",
                ),
            )
        if profile in (Profile.LIMITED, Profile.DEIDENTIFIED):
            try:
                pseudonym_key()
            except PseudonymKeyMissing as missing:
                self.add_error("profile", ValidationError(str(missing), code="no_pseudonym_key"))
        return data

    def options(self) -> ExportOptions:
        data = self.cleaned_data
        return ExportOptions(
            profile=data["profile"],
            layout=data["layout"] or Layout.REPEATING,
            labels=data["values"] == VALUES_LABELS,
            date_from=data["date_from"],
            date_to=data["date_to"],
            statuses=tuple(data["status"]),
            outcomes=tuple(data["suggestion"]),
            criteria_version=data["criteria_version"],
        )
