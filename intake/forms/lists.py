"""Filters of the intake list. They carry no patient data, so they may sit in the URL."""

from django import forms
from django.db.models import Exists, OuterRef

from amps_screen import fields as strict
from intake.models import IntakeStatus, Outcome, Review, Urgency, code_choices

YES_NO_ANY = [("", "Either"), ("yes", "Reviewed"), ("no", "Not reviewed")]


class IntakeDateRangeForm(forms.Form):
    """An intake-date range, either end optional; the end may not come before the start."""

    date_from = strict.DateField(
        label="Intake from", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = strict.DateField(
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

    def within_dates(self, intakes):
        """The intakes whose intake date is in the range (of a valid form)."""
        if self.cleaned_data["date_from"]:
            intakes = intakes.filter(intake_date__gte=self.cleaned_data["date_from"])
        if self.cleaned_data["date_to"]:
            intakes = intakes.filter(intake_date__lte=self.cleaned_data["date_to"])
        return intakes


class IntakeListFilterForm(IntakeDateRangeForm):
    status = forms.ChoiceField(choices=[("", "Any status"), *IntakeStatus.choices], required=False)
    suggestion = forms.ChoiceField(
        choices=[("", "Any suggestion"), *Outcome.choices], required=False
    )
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=[("", "Any urgency"), *[(u.value, u.text) for u in Urgency]],
        required=False,
    )
    reviewed = forms.ChoiceField(label="Review", choices=YES_NO_ANY, required=False)
    visit_type = forms.ChoiceField(
        label="Visit", choices=[("", "Any visit"), *code_choices("visit_type")], required=False
    )
    mine = forms.BooleanField(label="My drafts only", required=False)

    def narrow(self, intakes, *, user):
        """The intakes that pass every valid filter (an invalid form filters nothing, and
        says why beside the field)."""
        if not self.is_valid():
            return intakes
        data = self.cleaned_data
        if data["status"]:
            intakes = intakes.filter(status=data["status"])
        if data["suggestion"]:
            intakes = intakes.filter(current_screening__outcome=data["suggestion"])
        if data["urgency"] == Urgency.ROUTINE:
            # A referral screened before urgencies existed reads as routine, as in the queue.
            intakes = intakes.filter(
                current_screening__outcome=Outcome.REFER,
                current_screening__urgency__in=(Urgency.ROUTINE, ""),
            )
        elif data["urgency"]:
            intakes = intakes.filter(current_screening__urgency=data["urgency"])
        if data["reviewed"]:
            reviewed = Exists(Review.objects.filter(intake=OuterRef("pk")))
            intakes = intakes.filter(reviewed if data["reviewed"] == "yes" else ~reviewed)
        if data["visit_type"]:
            intakes = intakes.filter(visit_type=data["visit_type"])
        intakes = self.within_dates(intakes)
        if data["mine"]:
            intakes = intakes.filter(status=IntakeStatus.DRAFT, created_by=user)
        return intakes

    @property
    def active(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.values())
