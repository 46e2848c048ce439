from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseNotFound, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from trustconsole import selectors, services
from trustconsole.forms import ConsolePasswordChangeForm
from trustconsole.roles import roles_of


@login_required
@require_GET
def home(request):
    return render(request, "trustconsole/home.html", {"roles": roles_of(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    form = ConsolePasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.change_password(
            actor=request.user, user=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)
        messages.success(request, "Your password was changed.")
        return redirect("home")
    return render(request, "registration/password_change_form.html", {"form": form})


@never_cache
@require_GET
def healthz(request):
    """For load balancers: no login, no secrets, 503 when a dependency is down."""
    checks = {"database": "up" if selectors.database_is_up() else "down"}
    if settings.REDIS_URL:
        checks["redis"] = "up" if selectors.redis_is_up(settings.REDIS_URL) else "down"
    else:
        checks["redis"] = "not configured"
    healthy = "down" not in checks.values()
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks}, status=200 if healthy else 503
    )


def no_rq_scheduler(request, scheduler_index):
    return HttpResponseNotFound(
        "Scheduled jobs are run by RQ's built-in scheduler inside `make worker`; rq-scheduler is not used.",
        content_type="text/plain",
    )
