"""Enforcement: take an action on a case, hold it for four eyes, approve or reject it, reverse
it, and dismiss a case.

An action is built and checked the same way for the confirm screen's preview and for applying
it, so what the analyst previewed is exactly what is applied and sent.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.models import (
    ActionKind,
    ActionStatus,
    Case,
    CaseNote,
    CaseStatus,
    ContentItem,
    Detector,
    EnforcementAction,
    FourEyesRule,
    NoticeTemplate,
    Protection,
    QaVerdict,
    Reporter,
    Visibility,
)
from cases.selectors import case_content_items, counterparties, open_listings
from cases.services import qa
from cases.services.work import (
    audit_case,
    batch_context,
    bump_version,
    ensure_not_held_by_someone_else,
    lease_length,
    locked_case,
)
from reputation import standing
from reputation.models import Badge, BadgeTier, Capability, RestrictionKind
from trustconsole.models import AuditAction, NoticeKind
from trustconsole.notices import queue_notice
from trustconsole.services import record

STANDING_OF_ACTION = {
    ActionKind.RESTRICT: RestrictionKind.RESTRICT,
    ActionKind.SUSPEND: RestrictionKind.SUSPEND,
    ActionKind.BAN: RestrictionKind.BAN,
    ActionKind.REQUIRE_VERIFICATION: RestrictionKind.VERIFY,
}
TAKES_BADGES = {ActionKind.SUSPEND, ActionKind.BAN}
# A fraud finding is a hard failure for badges whatever the action: they go at once.
FRAUD_CATEGORY = "scams_and_fraud"


def takes_badges(kind, policy):
    return kind in TAKES_BADGES or policy.dsa_category == FRAUD_CATEGORY


# A case can take actions while someone reviews it and after a first action (several actions
# on one case), but not while one waits for approval.
ACTIONABLE = (CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED, CaseStatus.ACTIONED)
DISMISSABLE = (CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED)
# Other open cases a ban closes; one waiting for approval keeps its own decision.
SETTLEABLE = DISMISSABLE
MAX_DAYS = 3650


@dataclass
class ActionRequest:
    kind: str
    facts: str = ""
    internal_note: str = ""
    deviation_reason: str = ""
    content_item_ids: list = field(default_factory=list)
    capabilities: list = field(default_factory=list)
    duration_days: int | None = None
    verification_days: int | None = None
    protections: list = field(default_factory=list)


def strike_count(account, policy, now, exclude_case_id=None):
    """Unexpired strikes: earlier cases under the policy with an action still standing."""
    since = now - timedelta(days=policy.strike_window_days)
    actions = EnforcementAction.objects.filter(
        account=account, policy=policy, status=ActionStatus.APPLIED, applied_at__gte=since
    )
    if exclude_case_id:
        actions = actions.exclude(case_id=exclude_case_id)
    return actions.values("case_id").distinct().count()


def recommendation(case, now):
    """(strike number, recommended kind) from the policy's ladder; the last step repeats."""
    number = strike_count(case.account, case.policy, now, exclude_case_id=case.pk) + 1
    ladder = case.policy.ladder or [ActionKind.WARN]
    return number, ladder[min(number, len(ladder)) - 1]


def top_badge_tier(account):
    tiers = Badge.objects.filter(account=account, revoked_at__isnull=True).values_list("tier", flat=True)
    return max(tiers, key=BadgeTier.rank, default="")


def four_eyes_rule_for(kind, account):
    """The first active rule that holds this action, or None."""
    tier = top_badge_tier(account)
    for rule in FourEyesRule.objects.filter(active=True, action_kind=kind):
        if rule.holds(kind, tier, account.lifetime_earnings_cents):
            return rule
    return None


def _check(case, request, recommended):
    errors = {}
    if request.kind not in ActionKind.values:
        errors["kind"] = f"Choose one of {', '.join(ActionKind.values)}."
    if request.kind != recommended and not request.deviation_reason.strip():
        errors["deviation_reason"] = (
            f"The ladder recommends {ActionKind(recommended).label.lower()}; say why you chose otherwise."
        )
    if not request.facts.strip():
        errors["facts"] = "State the facts the account will read in its statement of reasons."
    if request.kind == ActionKind.REMOVE_CONTENT:
        allowed = set(case_content_items(case).values_list("pk", flat=True))
        chosen = set(request.content_item_ids)
        if not chosen:
            errors["content_item_ids"] = "Choose the content to remove."
        elif chosen - allowed:
            errors["content_item_ids"] = "Only content named in this case's signals can be removed here."
    bad_capabilities = not request.capabilities or set(request.capabilities) - set(Capability.values)
    if request.kind == ActionKind.RESTRICT and bad_capabilities:
        errors["capabilities"] = f"Choose capabilities from {', '.join(Capability.values)}."
    days = request.duration_days
    if request.kind == ActionKind.SUSPEND and not days:
        errors["duration_days"] = "A suspension needs a duration in days."
    if days is not None and not 1 <= days <= MAX_DAYS:
        errors["duration_days"] = f"Between 1 and {MAX_DAYS} days."
    if request.kind == ActionKind.REQUIRE_VERIFICATION and not 1 <= (request.verification_days or 0) <= 90:
        errors["verification_days"] = "Give the account between 1 and 90 days to verify."
    if set(request.protections) - set(Protection.values):
        errors["protections"] = f"Choose protections from {', '.join(Protection.values)}."
    if errors:
        raise ValidationError(errors)


def _describe_scope(action, content_items):
    if action.kind == ActionKind.REMOVE_CONTENT:
        return "; ".join(f"{item.get_content_type_display()} {item.external_id}" for item in content_items)
    if action.kind == ActionKind.RESTRICT:
        return ", ".join(Capability(c).label.lower() for c in action.capabilities)
    if action.kind in (ActionKind.SUSPEND, ActionKind.BAN, ActionKind.REQUIRE_VERIFICATION):
        return "your whole account"
    return "a formal warning; nothing is restricted"


def _describe_duration(action):
    if action.kind == ActionKind.REQUIRE_VERIFICATION:
        return f"until you verify your identity; verify within {action.verification_days} days"
    if action.kind in (ActionKind.RESTRICT, ActionKind.SUSPEND):
        return f"{action.duration_days} days" if action.duration_days else "until further notice"
    if action.kind == ActionKind.BAN:
        return "permanent"
    return "not applicable"


def _yes_no(flag):
    return "yes" if flag else "no"


def notice_values(case, action, content_items, appeal_until, outcome=""):
    return {
        "account_name": case.account.name or case.account.external_id,
        "decision": action.get_kind_display(),
        "scope": _describe_scope(action, content_items),
        "duration": _describe_duration(action),
        "facts": action.facts,
        "policy": f"{case.policy.code} {case.policy.title}",
        "tos_url": case.policy.tos_url,
        "automated_detection": _yes_no(action.automated_detection),
        "automated_decision": _yes_no(action.automated_decision),
        "appeal_until": f"{appeal_until:%Y-%m-%d}",
        "appeal_how": "reply to this message or use the appeal link in your account's notifications",
        "case": f"#{case.pk}",
        "outcome": outcome,
    }


def notice_template(kind):
    template = NoticeTemplate.objects.filter(kind=kind).first()
    if template is None:
        raise ValidationError(f"There is no notice template for {kind}; an admin must add one before it can be sent.")
    return template


def build_action(*, actor, case, request, now):
    """The unsaved action with its statement of reasons rendered; raises ValidationError (or
    NoticeIncomplete) when anything is missing. Used for the preview and for applying."""
    strike, recommended = recommendation(case, now)
    _check(case, request, recommended)
    action = EnforcementAction(
        case=case,
        account=case.account,
        policy=case.policy,
        kind=request.kind,
        strike_number=strike,
        recommended_kind=recommended,
        deviation_reason=request.deviation_reason.strip() if request.kind != recommended else "",
        capabilities=sorted(set(request.capabilities)) if request.kind == ActionKind.RESTRICT else [],
        duration_days=request.duration_days if request.kind in (ActionKind.RESTRICT, ActionKind.SUSPEND) else None,
        verification_days=request.verification_days if request.kind == ActionKind.REQUIRE_VERIFICATION else None,
        facts=request.facts.strip(),
        internal_note=request.internal_note.strip(),
        automated_detection=case.has_detections,
        protections=sorted(set(request.protections)),
        proposed_by=actor,
        created_at=now,
    )
    content_items = list(case_content_items(case).filter(pk__in=request.content_item_ids))
    appeal_until = now + timedelta(days=settings.APPEAL_WINDOW_DAYS)
    values = notice_values(case, action, content_items, appeal_until)
    action.notice_subject, action.notice_body = notice_template(request.kind).render(values)
    action.chosen_content = content_items
    return action


def _reporter_accounts(case):
    return [
        reporter.account
        for reporter in Reporter.objects.filter(signals__case=case).distinct().select_related("account")
    ]


def _settle_sources(case, actioned):
    """The case's outcome counts toward its detectors' and reporters' accuracy."""
    detector_ids = [int(s.split(":")[1]) for s in case.sources if s.startswith("detector:")]
    reporter_ids = [int(s.split(":")[1]) for s in case.sources if s.startswith("reporter:")]
    bump = {"decided_cases": F("decided_cases") + 1}
    if actioned:
        bump["actioned_cases"] = F("actioned_cases") + 1
    Detector.objects.filter(pk__in=detector_ids).update(**bump)
    Reporter.objects.filter(pk__in=reporter_ids).update(**bump)


def _tell_reporters(actor, case, outcome, now):
    template = notice_template("reporter_outcome")
    for account in _reporter_accounts(case):
        values = {"account_name": account.name or "there", "case": f"#{case.pk}", "outcome": outcome}
        subject, body = template.render(values)
        queue_notice(
            actor=actor,
            kind=NoticeKind.REPORTER_OUTCOME,
            subject_account=account.external_id,
            to_email=account.email,
            subject=subject,
            body=body,
            case_id=case.pk,
            now=now,
        )


def _close_case(actor, case, status, now, reporter_outcome, decided_by, decided_at, verdict):
    first_close = case.closed_at is None
    case.status, case.closed_at, case.assignee, case.lease_expires_at = status, now, None, None
    case.decided_by, case.decided_at = decided_by, decided_at
    bump_version(case, ["status", "closed_at", "assignee", "lease_expires_at", "decided_by", "decided_at"])
    qa.sample_decided_case(actor, case, verdict, now)
    if first_close:
        _settle_sources(case, actioned=status == CaseStatus.ACTIONED)
        _tell_reporters(actor, case, reporter_outcome, now)


def _set_visibility(actor, items, visibility, action, reason):
    before = {}
    for item in items:
        if item.visibility == visibility:
            continue
        before[str(item.pk)] = item.visibility
        record(
            actor=actor,
            action=AuditAction.CONTENT_VISIBILITY_CHANGED,
            target=item,
            subject_account=action.account.external_id,
            case_id=action.case_id,
            reason=reason,
            changes={"visibility": [item.visibility, visibility]},
            context={"action_id": action.pk},
        )
        item.visibility = visibility
        item.save(update_fields=["visibility"])
    return before


def _carry_out_protections(actor, action, effects, now):
    if Protection.HOLD_OPEN_LISTINGS in action.protections:
        items = list(open_listings(action.account).select_for_update())
        held = _set_visibility(actor, items, Visibility.HELD, action, "held while the account is restricted")
        effects.setdefault("content", {}).update(held)
    if Protection.NOTIFY_COUNTERPARTIES in action.protections:
        template = notice_template("counterparty")
        outcome = "support will contact you about finishing or ending it safely."
        for other in counterparties(action.account):
            subject, body = template.render({"account_name": other.name or "there", "outcome": outcome})
            queue_notice(
                actor=actor,
                kind=NoticeKind.COUNTERPARTY,
                subject_account=other.external_id,
                to_email=other.email,
                subject=subject,
                body=body,
                action_id=action.pk,
                now=now,
            )
            effects.setdefault("counterparties_notified", []).append(other.external_id)


def _lock_cases_a_ban_writes(case_id, kind):
    """Before a ban takes its case: lock that case and the ones it will settle, in key order.

    The grouper locks open cases in key order and takes the audit chain's lock last. A ban that
    locked its other cases only when settling them, after its first audit row, would hold the
    chain while waiting for a case the grouper holds, and the grouper would wait for the chain.
    """
    if kind != ActionKind.BAN:
        return
    account_id = Case.objects.filter(pk=case_id).values_list("account_id", flat=True).first()
    cases = Case.objects.filter(pk=case_id) | _settleable_cases(account_id, case_id)
    list(cases.select_for_update().order_by("pk").values_list("pk", flat=True))


def _settleable_cases(account_id, banned_case_id):
    return Case.objects.filter(account_id=account_id, status__in=SETTLEABLE).exclude(pk=banned_case_id)


def _settle_other_cases(actor, action, case, now):
    """A ban settles the account's other open cases: there is nothing left to decide in them.
    They are locked already (`_lock_cases_a_ban_writes`); this finds them again, with any case
    the grouper opened for the account since, which it committed and so holds no lock on."""
    settled = []
    others = _settleable_cases(action.account_id, case.pk).select_for_update().select_related("account").order_by("pk")
    for other in others:
        before = other.status
        other.status, other.closed_at, other.assignee, other.lease_expires_at = CaseStatus.ACTIONED, now, None, None
        bump_version(other, ["status", "closed_at", "assignee", "lease_expires_at"])
        audit_case(
            actor,
            AuditAction.CASE_SETTLED,
            other,
            {"status": [before, other.status]},
            reason=f"settled by the ban in case #{case.pk}",
            context={"action_id": action.pk},
        )
        settled.append(other.pk)
    return settled


def reopen_settled_cases(actor, action, reason):
    """Undo a ban's settling: reopen each case it closed, unless a newer one covers it."""
    for other in Case.objects.select_for_update().filter(pk__in=(action.effects or {}).get("settled_cases", [])):
        covered = Case.objects.still_open().filter(account_id=other.account_id, policy_id=other.policy_id).exists()
        if other.status != CaseStatus.ACTIONED or covered:
            continue
        before = other.status
        other.status, other.closed_at = CaseStatus.OPEN, None
        bump_version(other, ["status", "closed_at"])
        audit_case(actor, AuditAction.CASE_REOPENED, other, {"status": [before, other.status]}, reason=reason)


def _apply(actor, action, case, now):
    effects = {}
    source = f"action:{action.pk}"
    reason = f"{action.get_kind_display()} under {case.policy.code} (case #{case.pk})"
    if action.kind == ActionKind.REMOVE_CONTENT:
        items = list(action.content_items.select_for_update())
        effects["content"] = _set_visibility(actor, items, Visibility.REMOVED, action, reason)
    action.ends_at = standing.ends_after(now, action.duration_days)
    if action.kind in STANDING_OF_ACTION:
        restriction = standing.impose_restriction(
            actor=actor,
            account_id=action.account_id,
            kind=STANDING_OF_ACTION[action.kind],
            capabilities=action.capabilities,
            ends_at=action.ends_at,
            deadline=standing.ends_after(now, action.verification_days),
            reason=reason,
            source=source,
            case_id=case.pk,
            now=now,
        )
        effects["restrictions"] = [restriction.pk]
    if takes_badges(action.kind, case.policy):
        effects["badges"] = standing.revoke_badges(
            actor=actor, account_id=action.account_id, reason=reason, source=source, case_id=case.pk, now=now
        )
    _carry_out_protections(actor, action, effects, now)
    if action.kind == ActionKind.BAN:
        effects["settled_cases"] = _settle_other_cases(actor, action, case, now)
    before_status = action.status
    action.status, action.applied_at, action.effects = ActionStatus.APPLIED, now, effects
    action.appeal_until = now + timedelta(days=settings.APPEAL_WINDOW_DAYS)
    notice = queue_notice(
        actor=actor,
        kind=NoticeKind.STATEMENT_OF_REASONS,
        subject_account=case.account.external_id,
        to_email=case.account.email,
        subject=action.notice_subject,
        body=action.notice_body,
        case_id=case.pk,
        action_id=action.pk,
        now=now,
    )
    action.notice_id = notice.pk
    action.save(update_fields=["status", "applied_at", "ends_at", "appeal_until", "effects", "notice_id"])
    case_before = case.status
    if case.status != CaseStatus.ACTIONED:
        _close_case(
            actor,
            case,
            CaseStatus.ACTIONED,
            now,
            "we found a breach of our rules and acted on it.",
            decided_by=action.proposed_by,
            decided_at=action.created_at,
            verdict=action.kind,
        )
    else:
        bump_version(case, [])
    record(
        actor=actor,
        action=AuditAction.ACTION_APPLIED,
        target=action,
        subject_account=case.account.external_id,
        case_id=case.pk,
        reason=action.deviation_reason,
        changes={"status": [before_status or None, action.status], "case_status": [case_before, case.status]},
        context={
            "kind": action.kind,
            "policy": case.policy.code,
            "strike": action.strike_number,
            "recommended": action.recommended_kind,
            "capabilities": action.capabilities,
            "ends_at": action.ends_at,
            "protections": action.protections,
            "effects": effects,
            "proposed_by": action.proposed_by.get_username(),
            "approved_by": action.approved_by.get_username() if action.approved_by else None,
        },
    )


def take_action(*, actor, case_id, expected_version, request, now=None):
    """Apply an action to a case, or hold it for a second person when a four-eyes rule says so."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock_cases_a_ban_writes(case_id, request.kind)
        case = locked_case(case_id, expected_version)
        ensure_not_held_by_someone_else(case, actor, now)
        if case.status not in ACTIONABLE:
            raise ValidationError(f"Case #{case.pk} is {case.get_status_display().lower()}; no action can be taken.")
        action = build_action(actor=actor, case=case, request=request, now=now)
        rule = four_eyes_rule_for(action.kind, case.account)
        action.status = ActionStatus.PENDING_APPROVAL if rule else ""
        action.save()
        action.content_items.set(action.chosen_content)
        if rule is None:
            _apply(actor, action, case, now)
            return action
        before = case.status
        case.status, case.assignee, case.lease_expires_at = CaseStatus.PENDING_APPROVAL, None, None
        bump_version(case, ["status", "assignee", "lease_expires_at"])
        record(
            actor=actor,
            action=AuditAction.ACTION_PROPOSED,
            target=action,
            subject_account=case.account.external_id,
            case_id=case.pk,
            reason=action.deviation_reason,
            changes={"status": [None, action.status], "case_status": [before, case.status]},
            context={"kind": action.kind, "rule": str(rule), "strike": action.strike_number},
        )
    return action


def _locked_pending(action_id, actor):
    action = EnforcementAction.objects.select_for_update().select_related("proposed_by").get(pk=action_id)
    if not actor.has_perm("trustconsole.approve_actions"):
        raise PermissionDenied("Only leads approve actions.")
    if action.proposed_by_id == actor.pk:
        raise PermissionDenied("You proposed this action; another lead must decide it.")
    if action.status != ActionStatus.PENDING_APPROVAL:
        raise ValidationError(f"This action is already {action.get_status_display().lower()}.")
    return action


def _reported_by(case, user):
    email = (user.email or "").strip().lower()
    return bool(email) and any(account.email.lower() == email for account in _reporter_accounts(case))


def approve_action(*, actor, action_id, now=None):
    now = now or timezone.now()
    with transaction.atomic():
        action = _locked_pending(action_id, actor)
        _lock_cases_a_ban_writes(action.case_id, action.kind)
        case = locked_case(action.case_id, None)
        if _reported_by(case, actor):
            raise PermissionDenied("You reported this case; another lead must decide it.")
        action.approved_by = actor
        action.save(update_fields=["approved_by"])
        record(
            actor=actor,
            action=AuditAction.ACTION_APPROVED,
            target=action,
            subject_account=case.account.external_id,
            case_id=case.pk,
            changes={"approved_by": [None, actor.get_username()]},
        )
        _apply(actor, action, case, now)
    return action


def reject_action(*, actor, action_id, note, now=None):
    """The case goes back to its proposer, with the lead's note on it."""
    now = now or timezone.now()
    note = note.strip()
    if not note:
        raise ValidationError("Say why you reject it; the analyst reads this.")
    with transaction.atomic():
        action = _locked_pending(action_id, actor)
        case = locked_case(action.case_id, None)
        action.status = ActionStatus.REJECTED
        action.save(update_fields=["status"])
        CaseNote.objects.create(case=case, author=actor, text=f"Rejected {action.get_kind_display().lower()}: {note}")
        before = case.status
        case.status, case.assignee, case.lease_expires_at = (
            CaseStatus.IN_REVIEW,
            action.proposed_by,
            now + lease_length(),
        )
        bump_version(case, ["status", "assignee", "lease_expires_at"])
        record(
            actor=actor,
            action=AuditAction.ACTION_REJECTED,
            target=action,
            subject_account=case.account.external_id,
            case_id=case.pk,
            reason=note,
            changes={"status": [ActionStatus.PENDING_APPROVAL, action.status], "case_status": [before, case.status]},
        )
    return action


def reverse_action(*, actor, action, reason, now):
    """Undo every effect of an applied action; call inside the caller's transaction with the
    action locked."""
    effects = action.effects or {}
    for restriction_id in effects.get("restrictions", []):
        standing.lift_restriction(
            actor=actor, restriction_id=restriction_id, reason=reason, case_id=action.case_id, now=now
        )
    restored = effects.get("content", {})
    items = ContentItem.objects.select_for_update().filter(pk__in=[int(pk) for pk in restored])
    for item in items:
        _set_visibility(actor, [item], restored[str(item.pk)], action, reason)
    standing.restore_badges(actor=actor, badge_ids=effects.get("badges", []), reason=reason, case_id=action.case_id)
    reopen_settled_cases(actor, action, reason)
    action.status, action.reversed_at = ActionStatus.REVERSED, now
    action.save(update_fields=["status", "reversed_at"])
    record(
        actor=actor,
        action=AuditAction.ACTION_REVERSED,
        target=action,
        subject_account=action.account.external_id,
        case_id=action.case_id,
        reason=reason,
        changes={"status": [ActionStatus.APPLIED, ActionStatus.REVERSED]},
        context={"kind": action.kind, "effects": effects},
    )


def dismiss_case(*, actor, case_id, expected_version, reason, now=None, batch=None):
    now = now or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError("Say why there is no violation.")
    with transaction.atomic():
        case = locked_case(case_id, expected_version)
        ensure_not_held_by_someone_else(case, actor, now)
        if case.status not in DISMISSABLE:
            raise ValidationError(f"Case #{case.pk} is {case.get_status_display().lower()}; it cannot be dismissed.")
        before = case.status
        _close_case(
            actor,
            case,
            CaseStatus.DISMISSED,
            now,
            "we found no breach of our rules.",
            decided_by=actor,
            decided_at=now,
            verdict=QaVerdict.NO_VIOLATION,
        )
        audit_case(
            actor,
            AuditAction.CASE_DISMISSED,
            case,
            {"status": [before, case.status]},
            reason=reason,
            context=batch_context(batch),
        )
    return case
