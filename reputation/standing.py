"""The standing service: restrictions on accounts, the status they imply, and badges an
enforcement takes away or gives back. Cases calls these; they never look at cases.

Every function locks the account row first, so two decisions about one account are applied one
after the other and the derived status is never computed from a stale set of restrictions.
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from reputation.models import (
    STATUS_OF_KIND,
    STATUS_RANK,
    Account,
    AccountStatus,
    Badge,
    Capability,
    Restriction,
    RestrictionKind,
)
from trustconsole.models import AuditAction
from trustconsole.services import record


def _locked_account(account_id):
    return Account.objects.select_for_update().get(pk=account_id)


def status_from(restrictions):
    kinds = [STATUS_OF_KIND[r.kind] for r in restrictions]
    return max(kinds, key=STATUS_RANK.index, default=AccountStatus.ACTIVE)


def _refresh_status(account, now):
    before = account.status
    account.status = status_from(Restriction.objects.filter(account=account).active_at(now))
    if account.status != before:
        account.save(update_fields=["status", "updated_at"])
    return before, account.status


def _when(moment):
    return moment.isoformat() if moment else None


def impose_restriction(
    *,
    actor,
    account_id,
    kind,
    capabilities=(),
    limits=None,
    ends_at=None,
    deadline=None,
    reason,
    source,
    case_id=None,
    now=None,
):
    now = now or timezone.now()
    if kind not in RestrictionKind.values:
        raise ValidationError(f"Unknown restriction {kind!r}.")
    capabilities = sorted(set(capabilities)) if kind == RestrictionKind.RESTRICT else sorted(Capability.values)
    if not capabilities or set(capabilities) - set(Capability.values):
        raise ValidationError(f"Choose capabilities from {', '.join(Capability.values)}.")
    if ends_at is not None and ends_at <= now:
        raise ValidationError("A restriction must end in the future.")
    with transaction.atomic():
        account = _locked_account(account_id)
        restriction = Restriction.objects.create(
            account=account,
            kind=kind,
            capabilities=capabilities,
            starts_at=now,
            ends_at=ends_at,
            deadline=deadline,
            reason=reason,
            limits=limits or {},
            source=source,
        )
        before, after = _refresh_status(account, now)
        record(
            actor=actor,
            action=AuditAction.RESTRICTION_IMPOSED,
            target=restriction,
            subject_account=account.external_id,
            case_id=case_id,
            reason=reason,
            changes={"status": [before, after], "restriction": [None, kind]},
            context={
                "capabilities": capabilities,
                "limits": limits or {},
                "ends_at": _when(ends_at),
                "source": source,
            },
        )
    return restriction


def lift_restriction(*, actor, restriction_id, reason, case_id=None, now=None):
    """Lift one restriction; a no-op (False) when it is already lifted."""
    now = now or timezone.now()
    with transaction.atomic():
        account_id = Restriction.objects.values_list("account_id", flat=True).get(pk=restriction_id)
        account = _locked_account(account_id)
        restriction = Restriction.objects.get(pk=restriction_id)
        if restriction.lifted_at is not None:
            return False
        restriction.lifted_at, restriction.lift_reason = now, reason
        restriction.save(update_fields=["lifted_at", "lift_reason"])
        before, after = _refresh_status(account, now)
        record(
            actor=actor,
            action=AuditAction.RESTRICTION_LIFTED,
            target=restriction,
            subject_account=account.external_id,
            case_id=case_id,
            reason=reason,
            changes={"status": [before, after], "restriction": [restriction.kind, None]},
            context={"capabilities": restriction.capabilities, "source": restriction.source},
        )
    return True


def lift_expired_restrictions(*, actor, now=None):
    """The scheduled sweep: lift what has run out, lift identity checks that are done, and turn
    an identity check whose deadline passed unverified into a suspension until verified."""
    now = now or timezone.now()
    lifted = 0
    expired = Restriction.objects.filter(lifted_at__isnull=True, ends_at__lte=now).values_list("pk", flat=True)
    for pk in list(expired):
        lifted += lift_restriction(actor=actor, restriction_id=pk, reason="expired", now=now)
    checks = Restriction.objects.filter(lifted_at__isnull=True, kind=RestrictionKind.VERIFY).select_related("account")
    for check in list(checks):
        if check.account.identity_verified:
            lifted += lift_restriction(actor=actor, restriction_id=check.pk, reason="identity verified", now=now)
        elif check.deadline and check.deadline <= now:
            with transaction.atomic():
                impose_restriction(
                    actor=actor,
                    account_id=check.account_id,
                    kind=RestrictionKind.SUSPEND,
                    reason="identity not verified by the deadline",
                    source=check.source,
                    now=now,
                )
                lifted += lift_restriction(
                    actor=actor, restriction_id=check.pk, reason="deadline passed: suspended until verified", now=now
                )
    return lifted


def revoke_badges(*, actor, account_id, reason, source, case_id=None, now=None):
    """Take away every badge the account holds; returns the ids, for a reversal to give back."""
    now = now or timezone.now()
    with transaction.atomic():
        account = _locked_account(account_id)
        badges = list(Badge.objects.filter(account=account, revoked_at__isnull=True))
        for badge in badges:
            badge.revoked_at, badge.revoked_reason, badge.revoked_source = now, reason, source
            badge.save(update_fields=["revoked_at", "revoked_reason", "revoked_source"])
            record(
                actor=actor,
                action=AuditAction.BADGE_REVOKED,
                target=badge,
                subject_account=account.external_id,
                case_id=case_id,
                reason=reason,
                changes={"badge": [badge.tier, None]},
                context={"source": source},
            )
    return [badge.pk for badge in badges]


def restore_badges(*, actor, badge_ids, reason, case_id=None):
    """Give back badges a reversed decision took; one already re-earned is left as it is."""
    restored = []
    with transaction.atomic():
        for badge in Badge.objects.select_related("account").filter(pk__in=badge_ids).order_by("pk"):
            _locked_account(badge.account_id)
            if badge.revoked_at is None:
                continue
            if Badge.objects.filter(account_id=badge.account_id, tier=badge.tier, revoked_at__isnull=True).exists():
                continue
            badge.revoked_at, badge.revoked_reason, badge.revoked_source = None, "", ""
            badge.save(update_fields=["revoked_at", "revoked_reason", "revoked_source"])
            record(
                actor=actor,
                action=AuditAction.BADGE_RESTORED,
                target=badge,
                subject_account=badge.account.external_id,
                case_id=case_id,
                reason=reason,
                changes={"badge": [None, badge.tier]},
            )
            restored.append(badge.pk)
    return restored


def ends_after(now, days):
    return now + timedelta(days=days) if days else None
