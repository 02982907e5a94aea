from django.urls import path

from jobs import views

app_name = "jobs"
urlpatterns = [
    path("<uuid:job_id>/", views.job_detail, name="detail"),
    path("<uuid:job_id>/progress", views.job_progress, name="progress"),
    path("<uuid:job_id>/retry", views.job_retry, name="retry"),
]
