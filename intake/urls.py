from django.urls import path

from intake import views

app_name = "intake"

urlpatterns = [
    path("intakes/", views.intake_list, name="intake_list"),
    path("intakes/new/", views.intake_create, name="intake_create"),
    path("intakes/<uuid:uuid>/", views.intake_detail, name="intake_detail"),
    path("intakes/<uuid:uuid>/edit/", views.intake_edit, name="intake_edit"),
]
