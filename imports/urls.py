from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("imports/redcap/", views.redcap_import, name="redcap_import"),
    path("imports/redcap/<uuid:job_id>/", views.import_job, name="import_job"),
    path("imports/redcap/<uuid:job_id>/import", views.import_start, name="import_start"),
]
