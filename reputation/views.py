"""Admins' reputation pages: badge overrides from the account page, and the rule simulator
(drafts, their simulations, publishing)."""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from reputation import drafts, overrides, selectors
from reputation.forms import OverrideRequestForm, RejectOverrideForm
from reputation.models import Account, BadgeOverride, Simulation, SimulationStatus


def admins_only(view):
    @wraps(view)
    def guarded(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only admins do this.")
        return view(request, *args, **kwargs)

    return guarded


def _refusal(error):
    if isinstance(error, ValidationError):
        return "; ".join(error.messages)
    return str(error)


def _account_page(account):
    return redirect("cases:account", account.external_id)


@login_required
@admins_only
@require_POST
def request_override(request, external_id):
    account = get_object_or_404(Account, external_id=external_id)
    form = OverrideRequestForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            "Override not requested: "
            + "; ".join(f"{name}: {' '.join(errors)}" for name, errors in form.errors.items()),
        )
        return _account_page(account)
    data = form.cleaned_data
    try:
        override = overrides.request_override(
            actor=request.user,
            account_id=account.pk,
            tier=data["tier"],
            effect=data["effect"],
            reason=data["reason"],
            days=data["days"],
            renews_id=data["renews"],
        )
    except (ValidationError, PermissionDenied, BadgeOverride.DoesNotExist) as error:
        messages.error(request, "Override not requested: " + _refusal(error))
    else:
        waiting = override.status == "pending"
        messages.success(request, "Override waits for a second admin." if waiting else "Override in force.")
    return _account_page(account)


def _pending_override(external_id, override_id):
    return get_object_or_404(
        BadgeOverride.objects.select_related("account"), pk=override_id, account__external_id=external_id
    )


@login_required
@admins_only
@require_POST
def approve_override(request, external_id, override_id):
    override = _pending_override(external_id, override_id)
    try:
        overrides.approve_override(actor=request.user, override_id=override.pk)
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "Not approved: " + _refusal(error))
    else:
        messages.success(request, "Override approved and in force.")
    return _account_page(override.account)


@login_required
@admins_only
@require_POST
def reject_override(request, external_id, override_id):
    override = _pending_override(external_id, override_id)
    form = RejectOverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Not rejected: say why.")
        return _account_page(override.account)
    try:
        overrides.reject_override(actor=request.user, override_id=override.pk, reason=form.cleaned_data["reason"])
    except (ValidationError, PermissionDenied) as error:
        messages.error(request, "Not rejected: " + _refusal(error))
    else:
        messages.success(request, "Override rejected.")
    return _account_page(override.account)


@login_required
@admins_only
@require_GET
def draft_list(request):
    drafts_now = drafts.current_drafts()
    context = {
        "drafts": drafts_now,
        "changes": drafts.draft_changes(drafts_now),
        "simulations": selectors.recent_simulations(),
    }
    return render(request, "reputation/drafts.html", context)


@login_required
@admins_only
@require_POST
def start_simulation(request):
    try:
        simulation = drafts.request_simulation(actor=request.user)
    except ValidationError as error:
        messages.error(request, _refusal(error))
        return redirect("reputation:drafts")
    return redirect("reputation:simulation", simulation.pk)


@login_required
@admins_only
@require_GET
def simulation_detail(request, simulation_id):
    simulation = get_object_or_404(Simulation, pk=simulation_id)
    context = {
        "simulation": simulation,
        "running": simulation.status in (SimulationStatus.QUEUED, SimulationStatus.RUNNING),
        "publishable": simulation.status == SimulationStatus.DONE and simulation.drafts == drafts.current_drafts(),
    }
    template = "reputation/_simulation.html" if request.htmx else "reputation/simulation.html"
    return render(request, template, context)


@login_required
@admins_only
@require_POST
def publish_simulation(request, simulation_id):
    simulation = get_object_or_404(Simulation, pk=simulation_id)
    try:
        published = drafts.publish(actor=request.user, simulation_id=simulation.pk)
    except ValidationError as error:
        messages.error(request, "Not published: " + _refusal(error))
        return redirect("reputation:simulation", simulation.pk)
    messages.success(request, "Published " + ", ".join(str(row) for row in published) + ".")
    return redirect("reputation:drafts")
