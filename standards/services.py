"""Outreach transitions. Each one locks the client's standing, checks the state it starts from,
saves with update_fields, and writes an OutreachStep and its audit row in one transaction; the
restrictions, the feedback exclusion, the notice and any referral case are written in the same
transaction through their own services.

    monitoring ─below standard─▶ improvement ─period over─▶ at standard: monitoring
                                     ▲                      below: due ─lead─▶ restrict (level 1, 2)
                                     └────────── extend ◀───────────┘        monitor, or refer (level 2)
    any state ─hard trigger─▶ enforcement ─lead─▶ monitoring
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from reputation.models import Capability, RestrictionKind
from reputation.services import end_client_feedback_exclusion, exclude_client_feedback
from reputation.standing import impose_restriction, lift_restriction
from standards import metrics
from standards.jobs import recompute_freelancers_job
from standards.models import (
    ClientAssessment,
    ClientStanding,
    OutreachDecision,
    OutreachNoticeKind,
    OutreachState,
    OutreachStep,
    OutreachTemplate,
    RestrictionLevel,
    Thresholds,
)
from standards.referrals import REFERRAL_POLICY, open_referral
from trustconsole.jobs import enqueue
from trustconsole.models import AuditAction, NoticeKind
from trustconsole.notices import queue_notice
from trustconsole.services import record

DECIDE_PERMISSION = "trustconsole.decide_outreach"
MIN_EXTENSION_DAYS, MAX_EXTENSION_DAYS = 7, 365


class StaleStanding(ValidationError):
    pass


def _locked(client_id, now):
    try:
        with transaction.atomic():
            ClientStanding.objects.get_or_create(client_id=client_id, defaults={"state_since": now})
    except IntegrityError:
        pass  # created by a concurrent transition; the lock below waits for it
    # Lock the standing row only: baseline and latest are nullable joins PostgreSQL cannot lock.
    related = ClientStanding.objects.select_related("client", "latest", "baseline")
    return related.select_for_update(of=("self",)).get(client_id=client_id)


def _move(actor, standing, action, *, to_state, now, level=None, decision="", reason="", fields=(), context=None):
    before = [standing.state, standing.level]
    from_state = standing.state
    standing.state, standing.state_since = to_state, now
    standing.level = standing.level if level is None else level
    standing.version += 1
    standing.save(update_fields=["state", "state_since", "level", "version", *fields])
    OutreachStep.objects.create(
        standing=standing,
        from_state=from_state,
        to_state=to_state,
        level=standing.level,
        decision=decision,
        actor=actor if isinstance(actor, get_user_model()) else None,
        reason=reason,
        at=now,
    )
    record(
        actor=actor,
        action=action,
        target=standing,
        subject_account=standing.client.external_id,
        case_id=standing.referral_case_id,
        reason=reason,
        changes={"state": [before[0], to_state], "level": [before[1], standing.level]},
        context=context or {},
    )


def _notice(actor, standing, kind, now, **values):
    template = OutreachTemplate.objects.filter(kind=kind).first()
    if template is None:
        raise ValidationError(f"There is no {OutreachNoticeKind(kind).label.lower()} template; an admin must add one.")
    client = standing.client
    subject, body = template.render({"account_name": client.name or client.external_id, **values})
    return queue_notice(
        actor=actor,
        kind=NoticeKind.CLIENT_OUTREACH,
        subject_account=client.external_id,
        to_email=client.email,
        subject=subject,
        body=body,
        case_id=standing.referral_case_id,
        now=now,
    )


def _period_values(period_ends_at, days):
    return {"period_days": str(days), "period_ends": f"{period_ends_at:%Y-%m-%d}"}


def start_outreach(*, actor, client_id, assessment_id, now=None):
    """Monitoring to an improvement period, with the outreach notice. The assessment must find the
    client below standard; it becomes the baseline progress is measured against."""
    now = now or timezone.now()
    thresholds = Thresholds.current()
    with transaction.atomic():
        standing = _locked(client_id, now)
        assessment = ClientAssessment.objects.get(pk=assessment_id, client_id=client_id)
        if standing.state != OutreachState.MONITORING:
            raise ValidationError(f"The client is in {standing.get_state_display().lower()}, not monitoring.")
        if not assessment.below_standard:
            raise ValidationError("The assessment finds the client at standard; there is nothing to reach out about.")
        standing.period_ends_at = now + timedelta(days=thresholds.improvement_days)
        standing.baseline = standing.latest = assessment
        notice = _notice(
            actor,
            standing,
            OutreachNoticeKind.OUTREACH,
            now,
            findings=metrics.findings_text(assessment.metrics),
            **_period_values(standing.period_ends_at, thresholds.improvement_days),
        )
        _move(
            actor,
            standing,
            AuditAction.OUTREACH_STARTED,
            to_state=OutreachState.IMPROVEMENT,
            now=now,
            reason="Below client standards: " + ", ".join(assessment.tripped),
            fields=["period_ends_at", "baseline", "latest"],
            context={"assessment": assessment.pk, "tripped": assessment.tripped, "notice": notice.pk},
        )
    return standing


def _back_to_monitoring(actor, standing, now, reason, decision=""):
    for restriction_id in standing.restriction_ids:
        lift_restriction(actor=actor, restriction_id=restriction_id, reason=reason, now=now)
    end_client_feedback_exclusion(
        actor=actor, account_id=standing.client_id, until=now, reason=reason, source=f"standards:{standing.pk}"
    )
    notice = _notice(actor, standing, OutreachNoticeKind.BACK_TO_MONITORING, now)
    lifted = standing.restriction_ids
    standing.period_ends_at, standing.baseline, standing.restriction_ids = None, None, []
    _move(
        actor,
        standing,
        AuditAction.OUTREACH_MONITORING,
        to_state=OutreachState.MONITORING,
        now=now,
        level=RestrictionLevel.NONE,
        decision=decision,
        reason=reason,
        fields=["period_ends_at", "baseline", "restriction_ids"],
        context={"lifted_restrictions": lifted, "notice": notice.pk},
    )


def follow_assessment(*, actor, assessment_id, now=None):
    """What the daily assessment does with one client: refer a new hard trigger, start outreach
    for a client newly below standard, and end improvement periods that are over. Returns the
    transition made, or "" when the state stays."""
    now = now or timezone.now()
    assessment = ClientAssessment.objects.get(pk=assessment_id)
    with transaction.atomic():
        standing = _locked(assessment.client_id, now)
        if standing.latest_id != assessment.pk:
            standing.latest = assessment
            standing.save(update_fields=["latest"])
        fresh = [t for t in assessment.hard_triggers if t["action"] not in standing.referred_actions]
        if fresh and standing.state != OutreachState.ENFORCEMENT:
            _refer(actor, standing, now, fresh[0]["policy"], triggers=fresh, reason="Hard trigger: confirmed finding")
            return "referred"
        if standing.state == OutreachState.MONITORING and assessment.below_standard:
            start_outreach(actor=actor, client_id=standing.client_id, assessment_id=assessment.pk, now=now)
            return "outreach"
        if standing.state == OutreachState.IMPROVEMENT and standing.period_ends_at <= now:
            if assessment.below_standard:
                _move(
                    actor,
                    standing,
                    AuditAction.OUTREACH_DUE,
                    to_state=OutreachState.DUE,
                    now=now,
                    reason="Still below standard at the end of the period: " + ", ".join(assessment.tripped),
                    context={"assessment": assessment.pk},
                )
                return "due"
            _back_to_monitoring(actor, standing, now, "At standard at the end of the improvement period")
            return "monitoring"
    return ""


def _refer(actor, standing, now, policy_code, *, triggers=(), reason, decision=""):
    client = standing.client
    case = open_referral(
        actor=actor,
        client=client,
        policy_code=policy_code,
        item_id=f"standards-{standing.pk}-{standing.version}",
        evidence={
            "tripped": standing.latest.tripped if standing.latest else [],
            "level": standing.level,
            "hard_triggers": list(triggers),
        },
        reason=reason,
        now=now,
    )
    standing.referral_case_id = case.pk
    standing.referred_actions = sorted({*standing.referred_actions, *(t["action"] for t in triggers)})
    standing.period_ends_at = None
    _move(
        actor,
        standing,
        AuditAction.OUTREACH_REFERRED,
        to_state=OutreachState.ENFORCEMENT,
        now=now,
        decision=decision,
        reason=reason,
        fields=["referral_case_id", "referred_actions", "period_ends_at"],
        context={"case": case.pk, "policy": policy_code, "hard_triggers": list(triggers)},
    )


def check_decision(standing, decision, reason, days):
    """{field: message} for a lead's decision that cannot be made from this state."""
    errors = {}
    if decision not in OutreachDecision.values:
        errors["decision"] = f"Choose one of {', '.join(OutreachDecision.values)}."
        return errors
    if not (reason or "").strip():
        errors["reason"] = "Say why; the client and the audit log will rest on it."
    allowed = (
        (OutreachState.DUE, OutreachState.ENFORCEMENT) if decision == OutreachDecision.MONITOR else (OutreachState.DUE,)
    )
    if standing.state not in allowed:
        errors["decision"] = f"The client is in {standing.get_state_display().lower()}; this decision is not open."
    elif decision == OutreachDecision.RESTRICT and standing.level >= RestrictionLevel.LEVEL_2:
        errors["decision"] = "Level 2 is the last restriction; refer the client to enforcement instead."
    elif decision == OutreachDecision.REFER and standing.level < RestrictionLevel.LEVEL_2:
        errors["decision"] = "Only a client at restriction level 2 is referred for suspension."
    if decision == OutreachDecision.EXTEND and not (
        isinstance(days, int) and MIN_EXTENSION_DAYS <= days <= MAX_EXTENSION_DAYS
    ):
        errors["days"] = f"Give {MIN_EXTENSION_DAYS} to {MAX_EXTENSION_DAYS} days."
    return errors


def decide(*, actor, client_id, expected_version, decision, reason, days=None, now=None):
    """A lead's decision on a client whose re-evaluation is due (or who was referred)."""
    now = now or timezone.now()
    if not actor.has_perm(DECIDE_PERMISSION):
        raise PermissionDenied("Only leads decide outreach.")
    thresholds = Thresholds.current()
    with transaction.atomic():
        standing = _locked(client_id, now)
        if standing.version != expected_version:
            raise StaleStanding(
                "This client's standing changed since you opened the page; nothing was changed. "
                "Reload and decide again."
            )
        errors = check_decision(standing, decision, reason, days)
        if errors:
            raise ValidationError(errors)
        reason = reason.strip()
        if decision == OutreachDecision.MONITOR:
            _back_to_monitoring(actor, standing, now, reason, decision)
        elif decision == OutreachDecision.REFER:
            _refer(actor, standing, now, REFERRAL_POLICY, reason=reason, decision=decision)
        elif decision == OutreachDecision.EXTEND:
            _new_period(actor, standing, now, days, reason, decision, AuditAction.OUTREACH_EXTENDED, {})
        else:
            _restrict(actor, standing, now, reason, thresholds)
    return standing


def _new_period(actor, standing, now, days, reason, decision, action, context, fields=(), level=None):
    standing.period_ends_at = now + timedelta(days=days)
    _move(
        actor,
        standing,
        action,
        to_state=OutreachState.IMPROVEMENT,
        now=now,
        level=level,
        decision=decision,
        reason=reason,
        fields=["period_ends_at", *fields],
        context={"period_ends_at": standing.period_ends_at.isoformat(), **context},
    )


def _restrict(actor, standing, now, reason, thresholds):
    level = standing.level + 1
    source = f"standards:{standing.pk}"
    context = {}
    if level == RestrictionLevel.LEVEL_1:
        restriction = impose_restriction(
            actor=actor,
            account_id=standing.client_id,
            kind=RestrictionKind.RESTRICT,
            capabilities=[Capability.UNFUNDED_WORK, Capability.CONTRACTS_OVER_CAP],
            limits={"max_concurrent_contracts": thresholds.contract_cap},
            reason=reason,
            source=source,
            now=now,
        )
        described = f"milestones funded before work starts; at most {thresholds.contract_cap} contracts at a time"
        kind = OutreachNoticeKind.RESTRICTED_1
    else:
        restriction = impose_restriction(
            actor=actor,
            account_id=standing.client_id,
            kind=RestrictionKind.RESTRICT,
            capabilities=[Capability.JOB_POSTS],
            reason=reason,
            source=source,
            now=now,
        )
        since = now - timedelta(days=thresholds.exclusion_lookback_days)
        affected = exclude_client_feedback(
            actor=actor, account_id=standing.client_id, since=since, reason=reason, source=source
        )
        if affected:
            enqueue("reputation", recompute_freelancers_job, affected)
        described = "job posting paused; your feedback no longer counts in freelancers' scores"
        kind = OutreachNoticeKind.RESTRICTED_2
        context = {"feedback_excluded_since": since.isoformat(), "freelancers_rescored": affected}
    standing.restriction_ids = [*standing.restriction_ids, restriction.pk]
    notice = _notice(
        actor,
        standing,
        kind,
        now,
        restrictions=described,
        **_period_values(now + timedelta(days=thresholds.improvement_days), thresholds.improvement_days),
    )
    _new_period(
        actor,
        standing,
        now,
        thresholds.improvement_days,
        reason,
        OutreachDecision.RESTRICT,
        AuditAction.OUTREACH_RESTRICTED,
        {
            "restriction": restriction.pk,
            "capabilities": restriction.capabilities,
            "limits": restriction.limits,
            "notice": notice.pk,
            **context,
        },
        fields=["restriction_ids"],
        level=level,
    )
