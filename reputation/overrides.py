"""Badge overrides: an admin grants or revokes one tier for one account, with a reason, for at
most 90 days. Above Top Rated a second admin must approve first. While in force the override
beats the weekly rules; when it expires the rules decide again at once.

Each function locks the account, changes the override and the badge, and writes its audit rows
in one transaction.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from reputation import evaluation
from reputation.models import (
    MAX_OVERRIDE_DAYS,
    Account,
    AccountKind,
    Badge,
    BadgeOverride,
    BadgeSource,
    BadgeTier,
    OverrideEffect,
    OverrideStatus,
)
from trustconsole.models import AuditAction
from trustconsole.services import record, record_many

OPEN = (OverrideStatus.PENDING, OverrideStatus.ACTIVE)


def _require_admin(actor):
    if not getattr(actor, "is_staff", False):
        raise PermissionDenied("Only admins decide badge overrides.")


def check_request(*, account, tier, effect, reason, days, renews=None):
    """Every reason a request would be refused, as {field: message}; empty when it is valid."""
    errors = {}
    if account.kind == AccountKind.CLIENT:
        errors["account"] = "Clients do not hold freelancer badges."
    if tier not in BadgeTier.values:
        errors["tier"] = "Choose a badge tier."
    if effect not in OverrideEffect.values:
        errors["effect"] = "Choose grant or revoke."
    if not (reason or "").strip():
        errors["reason"] = "Say why the rules should not decide this badge."
    if not isinstance(days, int) or not 1 <= days <= MAX_OVERRIDE_DAYS:
        errors["days"] = f"An override lasts 1 to {MAX_OVERRIDE_DAYS} days; renew it to go on."
    open_ones = BadgeOverride.objects.filter(account=account, tier=tier, status__in=OPEN)
    if renews is not None:
        if renews.account_id != account.pk or renews.tier != tier or renews.status != OverrideStatus.ACTIVE:
            errors["renews"] = "Only an override in force for this account and tier can be renewed."
        open_ones = open_ones.exclude(pk=renews.pk)
    if "tier" not in errors and open_ones.exists():
        errors["tier"] = "This account already has an override for this badge waiting or in force."
    return errors


def request_override(*, actor, account_id, tier, effect, reason, days, renews_id=None, now=None):
    """Ask for an override; up to Top Rated it takes effect at once, above it waits."""
    _require_admin(actor)
    now = now or timezone.now()
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        renews = BadgeOverride.objects.select_for_update().get(pk=renews_id) if renews_id else None
        errors = check_request(account=account, tier=tier, effect=effect, reason=reason, days=days, renews=renews)
        if errors:
            raise ValidationError(errors)
        override = BadgeOverride.objects.create(
            account=account,
            tier=tier,
            effect=effect,
            reason=reason.strip(),
            days=days,
            requested_by=actor,
            requested_at=now,
            renews=renews,
        )
        audit = [
            {
                "action": AuditAction.OVERRIDE_REQUESTED,
                "target": override,
                "subject_account": account.external_id,
                "reason": override.reason,
                "context": {"tier": tier, "effect": effect, "days": days, "renews": renews_id},
            }
        ]
        if not override.needs_second_admin:
            _activate(account, override, now, audit)
        record_many([{"actor": actor, **row} for row in audit])
    return override


def approve_override(*, actor, override_id, now=None):
    _require_admin(actor)
    now = now or timezone.now()
    with transaction.atomic():
        override = _locked_pending(override_id)
        if override.requested_by_id == actor.pk:
            raise PermissionDenied("A second admin must approve: you asked for this override.")
        account = override.account
        override.approved_by = actor
        audit = [
            {
                "action": AuditAction.OVERRIDE_APPROVED,
                "target": override,
                "subject_account": account.external_id,
                "context": {"tier": override.tier, "effect": override.effect, "requested_by": override.requested_by_id},
            }
        ]
        _activate(account, override, now, audit)
        record_many([{"actor": actor, **row} for row in audit])
    return override


def reject_override(*, actor, override_id, reason, now=None):
    _require_admin(actor)
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the override is rejected."})
    now = now or timezone.now()
    with transaction.atomic():
        override = _locked_pending(override_id)
        override.status, override.decided_at, override.ended_reason = OverrideStatus.REJECTED, now, reason.strip()
        override.save(update_fields=["status", "decided_at", "ended_reason"])
        record(
            actor=actor,
            action=AuditAction.OVERRIDE_REJECTED,
            target=override,
            subject_account=override.account.external_id,
            reason=override.ended_reason,
            changes={"status": [OverrideStatus.PENDING, OverrideStatus.REJECTED]},
        )
    return override


def expire_overrides(*, actor, now=None):
    """The scheduled sweep: end overrides past their expiry and let the rules decide again."""
    now = now or timezone.now()
    due = BadgeOverride.objects.filter(status=OverrideStatus.ACTIVE, expires_at__lte=now).values_list("pk", flat=True)
    expired = 0
    for override_id in list(due):
        with transaction.atomic():
            override = BadgeOverride.objects.select_related("account").get(pk=override_id)
            account = Account.objects.select_for_update().get(pk=override.account_id)
            override = BadgeOverride.objects.select_for_update().get(pk=override_id)
            if override.status != OverrideStatus.ACTIVE:
                continue  # renewed or expired by a concurrent sweep
            override.status, override.ended_reason = OverrideStatus.EXPIRED, "expired"
            override.save(update_fields=["status", "ended_reason"])
            audit = [
                {
                    "action": AuditAction.OVERRIDE_EXPIRED,
                    "target": override,
                    "subject_account": account.external_id,
                    "changes": {"status": [OverrideStatus.ACTIVE, OverrideStatus.EXPIRED]},
                    "context": {"tier": override.tier, "effect": override.effect},
                }
            ]
            evaluation.settle_tier(actor=actor, account=account, tier=override.tier, now=now, audit=audit)
            record_many([{"actor": actor, **row} for row in audit])
            expired += 1
    return expired


def _locked_pending(override_id):
    account_id = BadgeOverride.objects.values_list("account_id", flat=True).get(pk=override_id)
    Account.objects.select_for_update().get(pk=account_id)
    override = BadgeOverride.objects.select_for_update().select_related("account").get(pk=override_id)
    if override.status != OverrideStatus.PENDING:
        raise ValidationError(f"This override is {override.get_status_display().lower()}, not waiting for approval.")
    return override


def _activate(account, override, now, audit):
    """Put the override in force and make the badge follow it; a renewal replaces its original."""
    if override.renews_id:
        original = override.renews
        if original.status != OverrideStatus.ACTIVE:
            raise ValidationError("The override being renewed is no longer in force.")
        original.status, original.ended_reason = OverrideStatus.RENEWED, f"renewed by override {override.pk}"
        original.save(update_fields=["status", "ended_reason"])
    override.status, override.decided_at, override.starts_at = OverrideStatus.ACTIVE, now, now
    override.expires_at = now + timedelta(days=override.days)
    override.save(update_fields=["status", "approved_by", "decided_at", "starts_at", "expires_at"])
    badge = Badge.objects.filter(account=account, tier=override.tier, revoked_at__isnull=True).first()
    source = f"override:{override.pk}"
    if override.effect == OverrideEffect.GRANT and badge is None:
        badge = Badge.objects.create(
            account=account, tier=override.tier, awarded_at=now, source=BadgeSource.OVERRIDE, source_ref=source
        )
        audit.append(
            {
                "action": AuditAction.BADGE_AWARDED,
                "target": badge,
                "subject_account": account.external_id,
                "reason": override.reason,
                "changes": {"badge": [None, override.tier]},
                "context": {"source": source},
            }
        )
    elif override.effect == OverrideEffect.REVOKE and badge is not None:
        badge.revoked_at, badge.revoked_reason, badge.revoked_source = now, override.reason, source
        badge.save(update_fields=["revoked_at", "revoked_reason", "revoked_source"])
        audit.append(
            {
                "action": AuditAction.BADGE_REVOKED,
                "target": badge,
                "subject_account": account.external_id,
                "reason": override.reason,
                "changes": {"badge": [override.tier, None]},
                "context": {"source": source},
            }
        )
