"""The review form (signed with the password), the queue's filters, and addenda."""

from django import forms

from intake.forms.lists import IntakeDateRangeForm
from intake.models import (
    Decision,
    Disposition,
    Outcome,
    OverrideReason,
    Patient,
    Urgency,
)
from intake.rules import review as review_rules
from intake.search import matching_patients

#: The review form's two actions: sign (password required), or check what would be signed
#: (never signs; also what a missing or unknown action does).
ACTION_SIGN, ACTION_CHECK = "sign", "check"


class ReviewForm(forms.Form):
    """Agree or override, a disposition, and the reviewer's password as the signature.

    `suggestion` is the screening's outcome: the review rules say which dispositions agreeing
    with it allows. With `signing` false (checking what would be signed) the password is
    neither required nor checked."""

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

    def __init__(self, *args, user, suggestion: str, signing: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.suggestion = suggestion
        self.signing = signing
        if not signing:
            self.fields["password"].required = False

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.signing:
            return ""
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
        disposition = cleaned.get("disposition")
        if decision and disposition:
            problem = review_rules.disposition_problem(decision, self.suggestion, disposition)
            if problem:
                self.add_error(
                    "disposition", forms.ValidationError(problem, code="contradicts_decision")
                )
        return cleaned

    def summary(self) -> str:
        """What would be signed, from the choices made so far ("" until a decision and a
        disposition are chosen); shown beside the password field."""
        decision, disposition = self.data.get("decision"), self.data.get("disposition")
        if decision not in Decision.values or disposition not in Disposition.values:
            return ""
        reason = self.data.get("override_reason", "")
        return review_rules.signature_summary(
            decision=decision,
            suggestion=self.suggestion,
            disposition=disposition,
            override_reason=reason if reason in OverrideReason.values else "",
        )

    def summaries(self) -> dict:
        """Every summary (or refusal) the choices can give, keyed "decision|reason|disposition",
        for the page's script to show as they change: computed here, so that the script and
        the server always agree."""
        table = {}
        for decision in Decision.values:
            reasons = ["", *OverrideReason.values] if decision == Decision.OVERRIDE else [""]
            for reason in reasons:
                for disposition in Disposition.values:
                    problem = review_rules.disposition_problem(
                        decision, self.suggestion, disposition
                    )
                    text = problem or review_rules.signature_summary(
                        decision=decision,
                        suggestion=self.suggestion,
                        disposition=disposition,
                        override_reason=reason,
                    )
                    table[f"{decision}|{reason}|{disposition}"] = {
                        "text": text,
                        "refused": bool(problem),
                    }
        return table

    def review_values(self) -> dict:
        return {
            name: self.cleaned_data[name]
            for name in ("decision", "override_reason", "comment", "disposition", "note")
        }


class ReviewQueueFilterForm(IntakeDateRangeForm):
    """Filters of the review queue. They carry no patient data, so they may sit in the URL."""

    outcome = forms.ChoiceField(choices=[("", "All suggestions"), *Outcome.choices], required=False)
    urgency = forms.ChoiceField(
        label="Referral urgency",
        choices=[("", "Any urgency"), *Urgency.choices],
        required=False,
    )

    def narrow(self, waiting, *, term: str = ""):
        """The waiting intakes within the intake-date range (when valid) and of the patients
        whose name or MRN holds every word of `term` (the staff's patient search). The
        outcome and urgency filters are applied by the view, after it has counted each."""
        if self.is_valid():
            waiting = self.within_dates(waiting)
            if self.cleaned_data["date_from"] or self.cleaned_data["date_to"]:
                waiting = waiting.in_queue_order_within_dates()
        if term:
            waiting = waiting.filter(patient__in=matching_patients(Patient.objects.all(), term))
        return waiting


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Stored with your name and the time; the signed record is not changed.",
    )
