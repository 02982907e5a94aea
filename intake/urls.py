from django.urls import path

from intake import views
from intake.views import agreement, patients

app_name = "intake"

urlpatterns = [
    path("intakes/", views.intake_list, name="intake_list"),
    path("intakes/new/", views.intake_create, name="intake_create"),
    path("intakes/<uuid:uuid>/", views.intake_detail, name="intake_detail"),
    path("intakes/<uuid:uuid>/edit/", views.intake_edit, name="intake_edit"),
    path("intakes/<uuid:uuid>/addenda/", views.addendum_create, name="addendum_create"),
    path("patients/", patients.patient_search, name="patient_search"),
    path("patients/<uuid:uuid>/", patients.patient_detail, name="patient_detail"),
    path("patients/<uuid:uuid>/correct/", patients.patient_correct, name="patient_correct"),
    path("patients/<uuid:uuid>/visits/new/", patients.visit_create, name="visit_create"),
    path("review/", views.review_queue, name="review_queue"),
    path("review/next/", views.review_next, name="review_next"),
    path("review/live/", views.review_queue_live, name="review_queue_live"),
    path("review/agreement/", agreement.review_agreement, name="review_agreement"),
    path("review/<uuid:uuid>/", views.review_create, name="review_create"),
]
