from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("audit/patients/", views.patient_search, name="patient_search"),
    path("audit/patients/<uuid:uuid>/", views.patient_timeline, name="patient_timeline"),
]
