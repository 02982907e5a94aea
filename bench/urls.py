"""The app's URLs plus the baseline of the submit benchmark: a bare Django view that binds a
form with the intake form's fields (the same number and kinds, without our rules), saves one
row and redirects to a bare page about that row (as the app redirects to the intake's page)."""

import copy

from django import forms
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
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


def bare_saved(request, pk: int):
    patient = get_object_or_404(Patient, pk=pk)
    return HttpResponse(f"<p>Saved {patient.mrn}.</p>")


urlpatterns = [
    path("bench/bare-form/", bare_form_save),
    path("bench/bare-form/<int:pk>/", bare_saved),
    *app_urlpatterns,
]
