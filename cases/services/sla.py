"""The periodic sweep of open cases: lapsed leases, SLA breaches, and re-ranking as cases age;
and signals whose grouping job was lost, grouped late rather than never."""

from django.db import transaction
from django.utils import timezone

from cases.models import OPEN_STATUSES, Case, CaseStatus
from cases.services.grouping import best_source_accuracies, group_pending_signals, reprioritise
from trustconsole.db import update_rows
from trustconsole.models import AuditAction
from trustconsole.services import record, record_many

CHUNK = 2000


def _events(actor, action, cases, changes):
    return [
        {
            "actor": actor,
            "action": action,
            "target": case,
            "subject_account": case.account.external_id,
            "case_id": case.pk,
            "changes": changes,
        }
        for case in cases
    ]


def release_lapsed_leases(*, actor, now):
    with transaction.atomic():
        lapsed = list(
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account", "assignee")
            .filter(status=CaseStatus.IN_REVIEW, lease_expires_at__lt=now)
        )
        events = [
            {
                "actor": actor,
                "action": AuditAction.CASE_RELEASED,
                "target": case,
                "subject_account": case.account.external_id,
                "case_id": case.pk,
                "reason": "lease lapsed",
                "changes": {"assignee": [case.assignee.get_username(), None], "status": [case.status, CaseStatus.OPEN]},
            }
            for case in lapsed
        ]
        for case in lapsed:
            case.status, case.assignee, case.lease_expires_at = CaseStatus.OPEN, None, None
            case.version += 1
        update_rows(Case, lapsed, ["status", "assignee", "lease_expires_at", "version"])
        record_many(events)
    return len(lapsed)


def mark_breaches(*, actor, now):
    with transaction.atomic():
        breached = list(
            Case.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account")
            .filter(status__in=OPEN_STATUSES, due_at__lt=now, sla_breached=False)
        )
        for case in breached:
            case.sla_breached = True
        update_rows(Case, breached, ["sla_breached"])
        record_many(_events(actor, AuditAction.CASE_SLA_BREACHED, breached, {"sla_breached": [False, True]}))
    return len(breached)


def rerank_open_cases(*, actor, now):
    """Recompute priority for every open case, a chunk at a time (memory stays flat)."""
    last_id, changed = 0, 0
    while True:
        with transaction.atomic():
            chunk = list(
                Case.objects.select_related("account", "policy")
                .filter(status__in=OPEN_STATUSES, pk__gt=last_id)
                .order_by("pk")[:CHUNK]
            )
            if not chunk:
                break
            accuracies = best_source_accuracies(chunk)
            moved = []
            for case in chunk:
                before = case.priority
                reprioritise(case, case.account, case.policy, accuracies[case.pk], now)
                if case.priority != before:
                    moved.append(case)
            # Priority only: the version stays, so no analyst's open form goes stale because time passed.
            update_rows(Case, moved, ["priority", "priority_parts"])
            changed += len(moved)
            last_id = chunk[-1].pk
    if changed:
        record(actor=actor, action=AuditAction.CASE_REPRIORITISED, context={"cases": changed, "at": now.isoformat()})
    return changed


def sweep_open_cases(*, actor, now=None):
    now = now or timezone.now()
    return {
        # First, so that cases the stragglers open are ranked and checked in this sweep too.
        "grouped": group_pending_signals(actor=actor, now=now),
        "released": release_lapsed_leases(actor=actor, now=now),
        "breached": mark_breaches(actor=actor, now=now),
        "reranked": rerank_open_cases(actor=actor, now=now),
    }
