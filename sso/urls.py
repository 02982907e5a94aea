from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("sso/start/", views.SignInStart.as_view(), name="start"),
    path("sso/callback/", views.SignInCallback.as_view(), name="callback"),
    path("sso/refused/", views.refused, name="refused"),
    path("sso/sign-out/", views.sign_out, name="sign_out"),
]
