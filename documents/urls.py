from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("cases/<uuid:uuid>/letter/", views.letter_print, name="letter_print"),
    path("cases/<uuid:uuid>/letter/pdf/", views.letter_pdf, name="letter_pdf"),
    path("cases/<uuid:uuid>/sheets/<slug:kind>/", views.sheet_print, name="sheet_print"),
    path("cases/<uuid:uuid>/sheets/<slug:kind>/pdf/", views.sheet_pdf, name="sheet_pdf"),
]
