from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("intakes/", views.intake_list, name="intake_list"),
]
