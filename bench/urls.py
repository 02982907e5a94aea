"""The app's URLs plus the baseline of the submit benchmark: a bare Django view that binds a
form with the intake form's fields (the same number and kinds, without our rules), saves one
row and redirects."""

import copy

from django import forms
from django.shortcuts import redirect
from django.urls import path

from amps_screen.urls import urlpatterns as app_urlpatterns
from intake.forms import IntakeForm
from intake.models import Patient

INTAKE_FIELDS = IntakeForm().fields


class BareForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = copy.deepcopy(INTAKE_FIELDS)


def bare_form_save(request):
    form = BareForm(request.POST)
    if not form.is_valid():
        raise ValueError(form.errors)
    data = form.cleaned_data
    patient = Patient.objects.create(
        mrn=data["mrn"],
        given_name=data["given_name"],
        family_name=data["family_name"],
        date_of_birth=data["date_of_birth"],
        sex=data["sex"],
    )
    return redirect(f"/bench/bare-form/{patient.pk}/")


urlpatterns = [path("bench/bare-form/", bare_form_save), *app_urlpatterns]
