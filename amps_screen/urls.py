from django.contrib import admin
from django.urls import include, path

from intake import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Before admin/: the admin's own login URL is sent to our sign-in page.
    path("", include("accounts.urls")),
    path("", include("sso.urls")),
    path("", include("smart.urls")),
    path("admin/", admin.site.urls),
    path("documents/", include("documents.urls")),
    path("jobs/", include("jobs.urls")),
    path("", include("intake.urls")),
    path("", include("interop.urls")),
    path("", include("exports.urls")),
    path("", include("privacy.urls")),
    path("", include("imports.urls")),
]
