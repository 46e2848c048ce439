"""Appeals: filed against an applied action within its window, decided by a lead who neither
took nor approved the action. Overturning reverses every effect of the action."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import OPEN_STATUSES, ActionStatus, Appeal, AppealStatus, Case, CaseStatus, EnforcementAction
from cases.selectors import case_content_items
from cases.services.enforcement import notice_template, notice_values, reverse_action
from cases.services.work import audit_case, bump_version, locked_case
from trustconsole.models import AuditAction, NoticeKind
from trustconsole.notices import queue_notice
from trustconsole.services import record

MAX_STATEMENT = 8000
OVERTURNED = "appeal overturned"


class AppealRefused(ValidationError):
    """Filing is refused for a reason the caller can act on (window closed, already appealed)."""


def file_appeal(*, actor, action_id, statement, filed_via, client_appeal_id="", now=None):
    """Returns (appeal, created). A repeat of the same client id returns the first appeal."""
    now = now or timezone.now()
    statement = statement.strip()
    if not statement:
        raise ValidationError({"statement": "Say what the account disputes."})
    if len(statement) > MAX_STATEMENT:
        raise ValidationError({"statement": f"At most {MAX_STATEMENT} characters."})
    with transaction.atomic():
        action = EnforcementAction.objects.select_for_update().select_related("account").get(pk=action_id)
        existing = Appeal.objects.filter(action=action).first()
        if existing is not None:
            if client_appeal_id and existing.client_appeal_id == client_appeal_id:
                return existing, False
            raise AppealRefused(f"Action {action.pk} was already appealed (appeal {existing.pk}).")
        if action.status != ActionStatus.APPLIED:
            raise AppealRefused(f"Only an applied action can be appealed; this one is {action.get_status_display()}.")
        if action.appeal_until and now > action.appeal_until:
            raise AppealRefused(f"The appeal window closed on {action.appeal_until:%Y-%m-%d}.")
        try:
            with transaction.atomic():
                appeal = Appeal.objects.create(
                    action=action,
                    statement=statement,
                    filed_at=now,
                    filed_via=filed_via,
                    client_appeal_id=client_appeal_id,
                )
        except IntegrityError as error:
            raise AppealRefused(f"Action {action.pk} was already appealed.") from error
        record(
            actor=actor,
            action=AuditAction.APPEAL_FILED,
            target=appeal,
            subject_account=action.account.external_id,
            case_id=action.case_id,
            changes={"status": [None, appeal.status]},
            context={"action_id": action.pk, "filed_via": filed_via},
        )
    return appeal, True


def _notify(actor, appeal, case, kind, outcome, now):
    action = appeal.action
    values = notice_values(case, action, list(case_content_items(case)), action.appeal_until or now, outcome=outcome)
    subject, body = notice_template(kind).render(values)
    queue_notice(
        actor=actor,
        kind=NoticeKind.APPEAL_DECISION,
        subject_account=case.account.external_id,
        to_email=case.account.email,
        subject=subject,
        body=body,
        case_id=case.pk,
        action_id=action.pk,
        now=now,
    )


def _settle_case_after_overturn(actor, case, reopen, now):
    """Reopen the case for a fresh review, or, when nothing else stands on it, close it as no
    violation. A case cannot reopen while another open case covers the same account and policy."""
    before = case.status
    still_standing = case.actions.filter(status=ActionStatus.APPLIED).exists()
    if reopen:
        other_open = (
            Case.objects.filter(account=case.account, policy=case.policy, status__in=OPEN_STATUSES)
            .exclude(pk=case.pk)
            .first()
        )
        if other_open:
            raise ValidationError(f"Case #{other_open.pk} is already open for this account and policy; work that one.")
        case.status, case.closed_at = CaseStatus.OPEN, None
        bump_version(case, ["status", "closed_at"])
        audit_case(
            actor, AuditAction.CASE_REOPENED, case, {"status": [before, case.status]}, reason="appeal overturned"
        )
    elif not still_standing and case.status == CaseStatus.ACTIONED:
        case.status = CaseStatus.DISMISSED
        bump_version(case, ["status"])
        audit_case(
            actor, AuditAction.CASE_DISMISSED, case, {"status": [before, case.status]}, reason="appeal overturned"
        )


def decide_appeal(*, actor, appeal_id, outcome, note, reopen=False, now=None):
    now = now or timezone.now()
    note = note.strip()
    if outcome not in ("uphold", "overturn"):
        raise ValidationError({"outcome": "Choose uphold or overturn."})
    if not note:
        raise ValidationError({"note": "Give the reason for the decision; the account reads it."})
    if not actor.has_perm("trustconsole.decide_appeals"):
        raise PermissionDenied("Only leads decide appeals.")
    with transaction.atomic():
        appeal = Appeal.objects.select_for_update().select_related("action__account").get(pk=appeal_id)
        action = EnforcementAction.objects.select_for_update().get(pk=appeal.action_id)
        appeal.action = action
        if actor.pk in (action.proposed_by_id, action.approved_by_id):
            raise PermissionDenied("You took or approved this action; another lead must decide its appeal.")
        if appeal.status != AppealStatus.OPEN:
            raise ValidationError(f"This appeal is already {appeal.get_status_display().lower()}.")
        case = locked_case(action.case_id, None)
        appeal.status = AppealStatus.UPHELD if outcome == "uphold" else AppealStatus.OVERTURNED
        appeal.decided_by, appeal.decided_at, appeal.decision_note = actor, now, note
        appeal.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
        if outcome == "overturn":
            reverse_action(actor=actor, action=action, reason=f"appeal {appeal.pk} overturned: {note}", now=now)
            _settle_case_after_overturn(actor, case, reopen, now)
        record(
            actor=actor,
            action=AuditAction.APPEAL_UPHELD if outcome == "uphold" else AuditAction.APPEAL_OVERTURNED,
            target=appeal,
            subject_account=case.account.external_id,
            case_id=case.pk,
            reason=note,
            changes={"status": [AppealStatus.OPEN, appeal.status]},
            context={"action_id": action.pk, "reopened": bool(reopen and outcome == "overturn")},
        )
        kind = "appeal_upheld" if outcome == "uphold" else "appeal_overturned"
        _notify(actor, appeal, case, kind, note, now)
    return appeal
