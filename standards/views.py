"""Client standards for leads (and auditors, who read): who is below standard and why, the
queue of outreach decisions due, one client's progress, and the decision itself."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases.views import error_messages
from reputation.models import Account
from standards import selectors, services
from standards.filters import StandingFilter
from standards.forms import DecisionForm
from standards.models import ClientStanding, OutreachState
from standards.services import DECIDE_PERMISSION

read_standards = permission_required("trustconsole.view_dashboards", raise_exception=True)
decide_outreach = permission_required(DECIDE_PERMISSION, raise_exception=True)


def _offset(request):
    raw = request.GET.get("offset", "0")
    return min(int(raw), 100_000) if raw.isdigit() else 0


@login_required
@read_standards
@require_GET
def standings_list(request):
    filters = StandingFilter(request.GET or None, queryset=selectors.list_queryset())
    offset = _offset(request)
    # An invalid filter shows its errors and no rows rather than quietly ignoring the bad part.
    valid = not filters.is_bound or filters.is_valid()
    rows, more = selectors.standings_for_list(filters.qs if valid else filters.queryset.none(), offset)
    return render(
        request,
        "standards/list.html",
        {"filter": filters, "rows": rows, "more": more, "next_offset": offset + selectors.PAGE, "offset": offset},
    )


@login_required
@read_standards
@require_GET
def decision_queue(request):
    return render(request, "standards/queue.html", {"rows": selectors.decisions_due()})


def _standing_of(external_id):
    client = get_object_or_404(Account, external_id=external_id)
    standing = ClientStanding.objects.filter(client=client).select_related("latest", "baseline", "client").first()
    if standing is None:
        standing = ClientStanding(client=client, state_since=client.first_seen_at)
    return client, standing


@login_required
@read_standards
@require_GET
def client_standards(request, external_id):
    client, standing = _standing_of(external_id)
    progress = selectors.progress(standing)
    form = DecisionForm(initial={"version": standing.version})
    return render(
        request,
        "standards/client.html",
        {
            "client": client,
            "standing": standing,
            "progress": progress,
            "contracts": selectors.evidence_contracts(progress),
            "restrictions": selectors.standards_restrictions(standing),
            "steps": selectors.steps(standing) if standing.pk else [],
            "form": form,
            "may_decide": request.user.has_perm(DECIDE_PERMISSION),
            "decidable": [OutreachState.DUE, OutreachState.ENFORCEMENT],
        },
    )


@login_required
@decide_outreach
@require_POST
def decide(request, external_id):
    client = get_object_or_404(Account, external_id=external_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        for name, errors in form.errors.items():
            messages.error(request, f"Nothing decided: {name}: {' '.join(errors)}")
        return redirect("standards:client", external_id)
    data = form.cleaned_data
    try:
        services.decide(
            actor=request.user,
            client_id=client.pk,
            expected_version=data["version"],
            decision=data["decision"],
            reason=data["reason"],
            days=data["days"],
        )
    except (ValidationError, PermissionDenied) as error:
        for message in error_messages(error):
            messages.error(request, f"Nothing decided: {message}")
    else:
        messages.success(request, "Decision recorded.")
    return redirect("standards:client", external_id)
