"""Sign-in and sign-out (Django's views, our templates), two-factor pages and the keep-alive.

Included at the site root without an app namespace: the URL names (`login`, `logout`,
`two_factor_setup`, …) are the ones Django's settings and templates expect.
"""

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import RedirectView

from accounts import views

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("accounts/2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path(
        "accounts/2fa/recovery-codes/",
        views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path("session/keepalive/", views.session_keepalive, name="session_keepalive"),
    # One sign-in page for everyone, with its throttling and second factor: the admin's too.
    path(
        "admin/login/",
        login_not_required(RedirectView.as_view(pattern_name="login", query_string=True)),
        name="admin_login_redirect",
    ),
]
