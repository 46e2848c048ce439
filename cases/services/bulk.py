"""Bulk work: dismiss, escalate or reassign many cases as one background job. Each case goes
through the same service as a single click (its own transaction, lease and status checks) and
gets its own audit row tied to the batch; the job records progress after every case, so a
rerun after a crash carries on where it stopped."""

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import BulkKind, BulkOperation, BulkStatus, Case
from cases.services import enforcement, work
from trustconsole.jobs import enqueue
from trustconsole.models import AuditAction
from trustconsole.services import record


def start_bulk(*, actor, kind, case_ids, reason="", assignee=None, now=None):
    now = now or timezone.now()
    reason = reason.strip()
    case_ids = sorted({int(pk) for pk in case_ids})
    if kind not in BulkKind.values:
        raise ValidationError(f"Choose one of {', '.join(BulkKind.values)}.")
    if not case_ids:
        raise ValidationError("Select at least one case.")
    if len(case_ids) > settings.BULK_CASE_CAP:
        raise ValidationError(f"At most {settings.BULK_CASE_CAP} cases at once; narrow the filters.")
    if kind == BulkKind.REASSIGN:
        if not actor.has_perm("trustconsole.reassign_cases"):
            raise PermissionDenied("Only leads reassign cases.")
        if assignee is None:
            raise ValidationError("Choose who gets the cases.")
    elif not reason:
        raise ValidationError("Give the reason; it is recorded on every case.")
    with transaction.atomic():
        operation = BulkOperation.objects.create(
            actor=actor, kind=kind, reason=reason, assignee=assignee, case_ids=case_ids, created_at=now
        )
        record(
            actor=actor,
            action=AuditAction.BULK_STARTED,
            target=operation,
            reason=reason,
            context={"kind": kind, "cases": len(case_ids), "assignee": assignee.get_username() if assignee else None},
        )
        from cases.jobs import run_bulk_job  # the job module imports this one

        enqueue("default", run_bulk_job, str(operation.pk), job_id=f"bulk-{operation.pk}")
    return operation


def _one(operation, case_id):
    common = {"actor": operation.actor, "case_id": case_id, "expected_version": None, "batch": operation.pk}
    if operation.kind == BulkKind.DISMISS:
        enforcement.dismiss_case(reason=operation.reason, **common)
    elif operation.kind == BulkKind.ESCALATE:
        work.escalate_case(reason=operation.reason, **common)
    else:
        work.reassign_case(assignee=operation.assignee, **common)


def run_bulk(*, operation_id):
    operation = BulkOperation.objects.select_related("actor", "assignee").get(pk=operation_id)
    if operation.status == BulkStatus.DONE:
        return operation
    operation.status = BulkStatus.RUNNING
    operation.save(update_fields=["status"])
    handled = set(operation.done_ids) | {int(pk) for pk in operation.failures}
    for case_id in operation.case_ids:
        if case_id in handled:
            continue
        try:
            _one(operation, case_id)
            operation.done_ids.append(case_id)
        except (ValidationError, PermissionDenied) as error:
            messages = error.messages if isinstance(error, ValidationError) else [str(error)]
            operation.failures[str(case_id)] = " ".join(messages)
        except Case.DoesNotExist:
            operation.failures[str(case_id)] = "no such case"
        operation.save(update_fields=["done_ids", "failures"])
    with transaction.atomic():
        operation.status, operation.finished_at = BulkStatus.DONE, timezone.now()
        operation.save(update_fields=["status", "finished_at"])
        record(
            actor=operation.actor,
            action=AuditAction.BULK_FINISHED,
            target=operation,
            changes={"status": [BulkStatus.RUNNING, BulkStatus.DONE]},
            context={"done": len(operation.done_ids), "failed": len(operation.failures)},
        )
    return operation
