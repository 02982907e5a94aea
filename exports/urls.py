from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.export_page, name="export_page"),
    path("exports/data-dictionary.csv", views.data_dictionary, name="data_dictionary"),
    path("exports/jobs/<uuid:job_id>/", views.export_job, name="export_job"),
    path(
        "exports/jobs/<uuid:job_id>/download", views.export_job_download, name="export_job_download"
    ),
]
