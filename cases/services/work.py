"""Working a case: claim (a lease), renew, release, reassign, escalate, notes.

Every write takes the case version the person's page was rendered with; a stale one is refused,
so a second tab or a second analyst fails loudly instead of acting twice.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.models import Case, CaseNote, CaseStatus
from trustconsole.db import first_unlocked
from trustconsole.models import AuditAction
from trustconsole.services import record

CLAIMABLE = (CaseStatus.OPEN, CaseStatus.IN_REVIEW)


class StaleCase(ValidationError):
    pass


def lease_length():
    return timedelta(minutes=settings.CASE_LEASE_MINUTES)


def audit_case(actor, action, case, changes=None, reason="", context=None):
    record(
        actor=actor,
        action=action,
        target=case,
        subject_account=case.account.external_id,
        case_id=case.pk,
        changes=changes or {},
        reason=reason,
        context=context or {},
    )


def _username(user):
    return user.get_username() if user else None


def check_version(case, expected_version):
    """Refuse a write made against an older version of the case than the stored one."""
    if expected_version is not None and case.version != int(expected_version):
        raise StaleCase(
            f"Case #{case.pk} changed since you opened it (your version {expected_version}, now {case.version}). "
            "Reload it to see what changed; nothing was done."
        )


def locked_case(case_id, expected_version):
    """The case, row-locked for this transaction, if it is still at the version the page showed."""
    case = Case.objects.select_for_update().select_related("account").get(pk=case_id)
    check_version(case, expected_version)
    return case


def holds_lease(case, user, now):
    return case.assignee_id == user.pk and case.lease_expires_at is not None and case.lease_expires_at > now


def ensure_not_held_by_someone_else(case, actor, now):
    if case.assignee_id and case.assignee_id != actor.pk and case.lease_expires_at and case.lease_expires_at > now:
        holder = case.assignee.get_username()
        if not actor.has_perm("trustconsole.reassign_cases"):
            raise PermissionDenied(f"{holder} is working on this case until {case.lease_expires_at:%H:%M} UTC.")


def bump_version(case, fields):
    case.version += 1
    case.save(update_fields=[*fields, "version"])


def _next_candidate(queue, now):
    candidates = Case.objects.filter(queue=queue, status__in=CLAIMABLE).unclaimed_at(now).order_by("-priority", "id")
    # Sixteen analysts pressing "next" at once each get a different case.
    return first_unlocked(candidates)


def claim_next_case(*, actor, queue, now=None):
    """Lease the highest-priority unclaimed case of a queue to the actor; None when there is none."""
    now = now or timezone.now()
    for _ in range(5):
        with transaction.atomic():
            case = _next_candidate(queue, now)
            if case is None:
                return None
            before = (_username(case.assignee), case.status)
            # Compare-and-set on the version: on SQLite (no SKIP LOCKED) a racing claim loses here.
            won = Case.objects.filter(pk=case.pk, version=case.version).update(
                assignee=actor,
                lease_expires_at=now + lease_length(),
                claimed_at=now,
                status=CaseStatus.IN_REVIEW,
                version=F("version") + 1,
            )
            if not won:
                continue
            case.refresh_from_db()
            audit_case(
                actor,
                AuditAction.CASE_CLAIMED,
                case,
                {"assignee": [before[0], actor.get_username()], "status": [before[1], case.status]},
            )
            return case
    return None


def renew_lease(*, actor, case_id, now=None):
    """Keep the lease while the case page is open. A heartbeat, so it is not audited and does not
    change the version (which would make the analyst's own forms stale)."""
    now = now or timezone.now()
    renewed = Case.objects.filter(pk=case_id, assignee=actor, lease_expires_at__gt=now, status__in=CLAIMABLE).update(
        lease_expires_at=now + lease_length()
    )
    return bool(renewed)


def release_case(*, actor, case_id, expected_version, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        case = locked_case(case_id, expected_version)
        if case.assignee_id is None:
            return case
        if case.assignee_id != actor.pk and not actor.has_perm("trustconsole.reassign_cases"):
            raise PermissionDenied("Only the analyst holding the case, or a lead, can release it.")
        before = _username(case.assignee)
        case.assignee, case.lease_expires_at = None, None
        if case.status == CaseStatus.IN_REVIEW:
            case.status = CaseStatus.OPEN
        bump_version(case, ["assignee", "lease_expires_at", "status"])
        audit_case(actor, AuditAction.CASE_RELEASED, case, {"assignee": [before, None]})
    return case


def batch_context(batch):
    return {"batch": str(batch)} if batch else None


def reassign_case(*, actor, case_id, assignee, expected_version, now=None, batch=None):
    """Leads give a case to someone (a fresh lease in their name)."""
    now = now or timezone.now()
    if not actor.has_perm("trustconsole.reassign_cases"):
        raise PermissionDenied("Only leads reassign cases.")
    if not assignee.has_perm("trustconsole.work_cases"):
        raise ValidationError(f"{assignee.get_username()} does not work cases.")
    with transaction.atomic():
        case = locked_case(case_id, expected_version)
        if case.status not in (*CLAIMABLE, CaseStatus.ESCALATED):
            raise ValidationError(f"Case #{case.pk} is {case.get_status_display().lower()}; it cannot be reassigned.")
        if case.assignee_id == assignee.pk:
            return case
        before = _username(case.assignee)
        case.assignee, case.lease_expires_at, case.claimed_at = assignee, now + lease_length(), now
        bump_version(case, ["assignee", "lease_expires_at", "claimed_at"])
        audit_case(
            actor,
            AuditAction.CASE_REASSIGNED,
            case,
            {"assignee": [before, assignee.get_username()]},
            context=batch_context(batch),
        )
    return case


def escalate_case(*, actor, case_id, expected_version, reason, now=None, batch=None):
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why the case goes to the leads.")
    with transaction.atomic():
        case = locked_case(case_id, expected_version)
        ensure_not_held_by_someone_else(case, actor, now)
        if case.status not in CLAIMABLE:
            raise ValidationError(f"Case #{case.pk} is {case.get_status_display().lower()}; it cannot be escalated.")
        before = case.status
        case.status, case.assignee, case.lease_expires_at = CaseStatus.ESCALATED, None, None
        bump_version(case, ["status", "assignee", "lease_expires_at"])
        audit_case(
            actor,
            AuditAction.CASE_ESCALATED,
            case,
            {"status": [before, case.status]},
            reason=reason,
            context=batch_context(batch),
        )
    return case


def add_case_note(*, actor, case_id, expected_version, text, now=None):
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationError("A note needs some text.")
    with transaction.atomic():
        case = locked_case(case_id, expected_version)
        ensure_not_held_by_someone_else(case, actor, now)
        note = CaseNote.objects.create(case=case, author=actor, text=text)
        bump_version(case, [])
        audit_case(actor, AuditAction.CASE_NOTE_ADDED, case, {"note": [None, note.pk]})
    return note
