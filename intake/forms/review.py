"""The review form (signed with the password), the queue's filters, and addenda."""

from django import forms

from intake.models import (
    Decision,
    Disposition,
    Outcome,
    OverrideReason,
)


class ReviewForm(forms.Form):
    """Agree or override, a disposition, and the reviewer's password as the signature."""

    decision = forms.ChoiceField(choices=Decision.choices, widget=forms.RadioSelect)
    override_reason = forms.ChoiceField(
        label="Reason for overriding",
        choices=[("", "Choose a reason…"), *OverrideReason.choices],
        required=False,
    )
    comment = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=2000,
        help_text="Required when the reason is “Other”.",
    )
    disposition = forms.ChoiceField(choices=Disposition.choices, widget=forms.RadioSelect)
    note = forms.CharField(
        label="Note", widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000
    )
    password = forms.CharField(
        label="Your password (signature)",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Re-enter your password to sign. Signing locks the case.",
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(
                "That is not your password; the review was not signed.", code="wrong_password"
            )
        return password

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        reason = cleaned.get("override_reason")
        if decision == Decision.OVERRIDE and not reason:
            self.add_error(
                "override_reason",
                forms.ValidationError("Give the reason for overriding.", code="required"),
            )
        if decision == Decision.OVERRIDE and reason == OverrideReason.OTHER:
            if not cleaned.get("comment", "").strip():
                self.add_error(
                    "comment",
                    forms.ValidationError(
                        "Explain the reason in a comment when it is “Other”.", code="required"
                    ),
                )
        return cleaned

    def review_values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("decision", "override_reason", "comment", "disposition", "note")
        }


class ReviewQueueFilterForm(forms.Form):
    """Filters of the review queue. They carry no patient data, so they may sit in the URL."""

    outcome = forms.ChoiceField(choices=[("", "All suggestions"), *Outcome.choices], required=False)
    date_from = forms.DateField(
        label="Intake from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="Intake to", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error(
                "date_to", forms.ValidationError("This is before the start date.", code="order")
            )
        return cleaned

    def narrow(self, waiting, *, mrn: str = ""):
        """The waiting intakes within the intake-date range (when valid) and of the MRN.
        The outcome filter is applied by the view, after it has counted every outcome."""
        if self.is_valid():
            if self.cleaned_data["date_from"]:
                waiting = waiting.filter(intake_date__gte=self.cleaned_data["date_from"])
            if self.cleaned_data["date_to"]:
                waiting = waiting.filter(intake_date__lte=self.cleaned_data["date_to"])
        if mrn:
            waiting = waiting.filter(patient__mrn__iexact=mrn)
        return waiting


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Stored with your name and the time; the signed record is not changed.",
    )
