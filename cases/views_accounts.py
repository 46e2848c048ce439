"""The account page: standing, score with its ledger and what changed, badges, contracts, cases.

It lives in cases because it shows cases too (imports go cases → reputation, never back).
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from cases import selectors
from reputation import scoring
from reputation import selectors as reputation_selectors
from reputation.forms import OverrideRequestForm
from reputation.models import Account, Badge, Contract, Restriction
from reputation.scores import last_two_snapshots
from reputation.services import reveal_private_feedback
from reputation.views import admins_only


def _may_see_account(user):
    # Case workers and auditors read accounts; admins do too, for scores and overrides.
    return user.has_perm("trustconsole.view_cases") or user.is_staff


def _ledger_rows(snapshot, exact):
    rows = []
    for entry in snapshot.ledger if snapshot else []:
        rows.append(
            {
                "contract_id": entry["contract_id"],
                "excluded": entry["excluded"],
                "weight": entry["weight"],
                "points": entry["points"],
                "outcome": entry["outcome"] if exact else scoring.outcome_band(entry["outcome"]),
            }
        )
    return rows


@login_required
@require_GET
def account_detail(request, external_id):
    if not _may_see_account(request.user):
        raise PermissionDenied("Your role does not read accounts.")
    account = get_object_or_404(Account, external_id=external_id)
    snapshots = last_two_snapshots(account)
    latest = snapshots[0] if snapshots else None
    exact = request.user.is_staff or request.user.has_perm("trustconsole.approve_actions")
    change = None
    if len(snapshots) == 2:
        change = scoring.explain_change(
            snapshots[1].ledger, latest.ledger, snapshots[1].params_version, latest.params_version
        )
    contracts = selectors.account_contracts(account)
    context = {
        "account": account,
        "snapshot": latest,
        "previous": snapshots[1] if len(snapshots) == 2 else None,
        "exact": exact,
        "ledger": _ledger_rows(latest, exact),
        "change": change,
        "restrictions": list(Restriction.objects.filter(account=account).active_at(timezone.now())),
        "badges": list(Badge.objects.filter(account=account, revoked_at__isnull=True).order_by("-awarded_at")),
        "tiers": reputation_selectors.badge_standing(account),
        "badge_history": reputation_selectors.badge_history(account),
        "overrides": reputation_selectors.account_overrides(account) if request.user.is_staff else [],
        "override_form": OverrideRequestForm() if request.user.is_staff else None,
        "contracts": contracts,
        "cases": selectors.account_cases(account),
        "may_reveal": request.user.is_staff,
    }
    return render(request, "cases/account.html", context)


@login_required
@admins_only
@require_POST
def reveal_private(request, external_id, contract_id):
    contract = get_object_or_404(Contract.objects.select_related("freelancer"), pk=contract_id)
    if contract.freelancer.external_id != external_id:
        raise PermissionDenied("That contract is not this account's.")
    value = reveal_private_feedback(actor=request.user, contract=contract)
    return render(request, "cases/private_feedback.html", {"contract": contract, "value": value})
