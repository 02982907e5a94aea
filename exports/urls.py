from django.urls import path

from exports import views

app_name = "exports"

urlpatterns = [
    path("exports/", views.export_page, name="export_page"),
]
