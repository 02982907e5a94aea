"""Function views: fetch with an access check, bind a form, call one service, redirect."""

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache


def home(request: HttpRequest) -> HttpResponse:
    """Send each user to their role's home page."""
    user = request.user
    if user.has_perm("intake.sign_review"):
        return redirect("intake:intake_list")
    if user.has_perm("intake.add_intake"):
        return redirect("intake:intake_list")
    if user.is_staff and user.has_perm("intake.change_criteriaset"):
        return redirect("admin:index")
    return render(request, "no_role.html", status=403)


@login_not_required
@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not. No login, no detail."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def intake_list(request: HttpRequest) -> HttpResponse:
    return render(request, "intake/intake_list.html", {"page_obj": None})
