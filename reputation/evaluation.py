"""The weekly badge evaluation: every freelancer's figures against the rules in force, recorded
as a BadgeWeek, then badges awarded, warned, cleared or demoted.

It runs in chunks of accounts, each in one transaction that locks its accounts first (so an
enforcement decision on one of them waits, and never sees half a step). A run killed between
chunks resumes after its last committed account; running the same week again changes nothing
that is already right, because every step compares against the stored state first.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from reputation import badge_rules, standing
from reputation.models import (
    Account,
    AccountKind,
    AccountStatus,
    Badge,
    BadgeEvaluation,
    BadgeOverride,
    BadgeRule,
    BadgeSource,
    BadgeTier,
    BadgeWeek,
    Contract,
    OverrideStatus,
    Restriction,
    ScoreSnapshot,
)
from trustconsole.models import AuditAction
from trustconsole.services import record, record_many

HARD_FAILURES = (AccountStatus.SUSPENDED, AccountStatus.BANNED)
SCORE_WINDOW_DAYS = 730
# Badge history read per account: enough for the longest window a rule may ask for.
HISTORY_WEEKS = 52


def rules_in_force():
    """{tier: Rule}, the latest published version of each ruled tier."""
    rules = {}
    for row in BadgeRule.objects.published().order_by("tier", "-version"):
        rules.setdefault(row.tier, badge_rules.Rule.of(row))
    return rules


def _days(now, moment):
    return None if moment is None else max(0.0, (now - moment).total_seconds() / 86_400)


def figures_of(account_ids, now):
    """{account id: Figures} for accounts with a finished score snapshot as of now."""
    latest = ScoreSnapshot.objects.filter(account=OuterRef("pk"), run__finished_at__isnull=False, as_of__lte=now)
    contracts = Contract.objects.filter(freelancer=OuterRef("pk"), started_at__lte=now).values("freelancer")
    recent = Q(ended_at__isnull=True) | Q(ended_at__gte=now - timedelta(days=365))
    in_window = Q(ended_at__isnull=True) | Q(ended_at__gte=now - timedelta(days=SCORE_WINDOW_DAYS))
    restrictions = Restriction.objects.filter(account=OuterRef("pk"), starts_at__lte=now).values("account")
    enforced = Badge.objects.filter(account=OuterRef("pk"), revoked_source__startswith="action:").values("account")
    rows = (
        Account.objects.filter(pk__in=account_ids)
        .annotate(
            snapshot_id=Subquery(latest.order_by("-as_of").values("pk")[:1]),
            earnings_12m=Subquery(contracts.filter(recent).annotate(total=Sum("earnings_cents")).values("total")),
            largest=Subquery(contracts.filter(in_window).annotate(top=Max("earnings_cents")).values("top")),
            last_active=Subquery(contracts.annotate(last=Max(Coalesce("ended_at", now))).values("last")),
            last_restriction=Subquery(restrictions.annotate(last=Max("starts_at")).values("last")),
            last_badge_loss=Subquery(enforced.annotate(last=Max("revoked_at")).values("last")),
        )
        .values(
            "pk",
            "joined_at",
            "snapshot_id",
            "earnings_12m",
            "largest",
            "last_active",
            "last_restriction",
            "last_badge_loss",
        )
    )
    rows = [row for row in rows if row["snapshot_id"]]
    restricted_now = set(
        Restriction.objects.filter(account__in=[row["pk"] for row in rows])
        .active_at(now)
        .values_list("account_id", flat=True)
    )
    snapshots = {
        s["pk"]: s
        for s in ScoreSnapshot.objects.filter(pk__in=[row["snapshot_id"] for row in rows]).values(
            "pk", "score", "lower_bound", "public", "distinct_clients"
        )
    }
    figures = {}
    for row in rows:
        snapshot = snapshots[row["snapshot_id"]]
        troubles = [moment for moment in (row["last_restriction"], row["last_badge_loss"]) if moment]
        figures[row["pk"]] = badge_rules.Figures(
            score=snapshot["score"],
            lower_bound=snapshot["lower_bound"],
            public=snapshot["public"],
            earnings_12m_cents=row["earnings_12m"] or 0,
            tenure_days=int(_days(now, row["joined_at"]) or 0),
            distinct_clients=snapshot["distinct_clients"],
            largest_contract_cents=row["largest"] or 0,
            days_since_trouble=0.0 if row["pk"] in restricted_now else _days(now, max(troubles, default=None)),
            days_since_active=_days(now, row["last_active"]),
        )
    return figures


def _history(account_ids, week):
    """{account id: {tier: set of Mondays whose bar was met}} over the longest window."""
    since = week - badge_rules.WEEK * (HISTORY_WEEKS - 1)
    met = {}
    rows = BadgeWeek.objects.filter(account__in=account_ids, week__gte=since, week__lte=week)
    for account_id, monday, tiers in rows.values_list("account_id", "week", "met"):
        for tier in tiers:
            met.setdefault(account_id, {}).setdefault(tier, set()).add(monday)
    return met


def _record_weeks(accounts, figures, rules, week):
    """Store this week's findings (replacing an earlier run of the same week); returns them.
    Every account's figures are kept, met or not, so that the rule simulator can judge a draft
    over the whole window; weeks older than the longest window that met nothing are dropped."""
    account_ids = [a.pk for a in accounts]
    BadgeWeek.objects.filter(account__in=account_ids, week=week).delete()
    BadgeWeek.objects.filter(
        account__in=account_ids, week__lt=week - badge_rules.WEEK * (HISTORY_WEEKS - 1), met=[], kept=[]
    ).delete()
    found, rows = {}, []
    for account in accounts:
        facts = figures.get(account.pk)
        if facts is None:
            continue
        met = [tier for tier, rule in rules.items() if badge_rules.meets(rule, facts)]
        kept = [tier for tier, rule in rules.items() if badge_rules.meets(rule, facts, keep=True)]
        found[account.pk] = (met, kept)
        rows.append(BadgeWeek(account=account, week=week, met=met, kept=kept, figures=facts.as_json()))
    BadgeWeek.objects.bulk_create(rows)
    return found


def out_of_reach(tier, held, *, holds_it):
    """Top Rated Plus is reached from Top Rated: not evaluated for an account that holds
    neither, and not kept once Top Rated is gone. `held`: the tiers held, lower tiers already
    decided this week (the tiers are stepped in order)."""
    return tier == BadgeTier.TOP_RATED_PLUS and BadgeTier.TOP_RATED not in held and not holds_it


def _audit(account, action, badge, **fields):
    return {"action": action, "target": badge, "subject_account": account.external_id, **fields}


def _step_tier(account, tier, rule, facts, kept, met_weeks, badge, week, now, audit):
    """Apply one tier's weekly decision; returns the badge held afterwards (or None)."""
    decision = badge_rules.decide(
        rule,
        held=badge is not None,
        warning_since=badge.warning_since if badge else None,
        met_weeks=met_weeks,
        kept_now=tier in kept,
        week=week,
    )
    context = {"week": week, "rule_version": rule.version, "weeks_met": badge_rules.weeks_met(met_weeks, week, rule)}
    if decision == badge_rules.AWARD:
        badge = _award(account, tier, rule, now, audit, context)
    elif decision == badge_rules.WARN:
        badge.warning_since = week
        badge.save(update_fields=["warning_since"])
        shortfalls = badge_rules.shortfalls(rule, facts, keep=True) if facts else ["no score"]
        audit.append(_audit(account, AuditAction.BADGE_WARNED, badge, context={**context, "shortfalls": shortfalls}))
    elif decision == badge_rules.CLEAR_WARNING:
        audit.append(
            _audit(
                account,
                AuditAction.BADGE_WARNING_CLEARED,
                badge,
                changes={"warning_since": [badge.warning_since, None]},
            )
        )
        badge.warning_since = None
        badge.save(update_fields=["warning_since"])
    elif decision == badge_rules.DEMOTE:
        reason = f"below the keep bar since the week of {badge.warning_since or week}"
        _revoke(account, badge, reason, now, audit, context)
        badge = None
    return badge


def _award(account, tier, rule, now, audit, context):
    badge = Badge.objects.create(
        account=account, tier=tier, awarded_at=now, source=BadgeSource.RULES, source_ref=f"rule v{rule.version}"
    )
    audit.append(_audit(account, AuditAction.BADGE_AWARDED, badge, changes={"badge": [None, tier]}, context=context))
    return badge


def _revoke(account, badge, reason, now, audit, context):
    badge.revoked_at, badge.revoked_reason, badge.revoked_source = now, reason, "evaluation"
    badge.save(update_fields=["revoked_at", "revoked_reason", "revoked_source"])
    audit.append(
        _audit(
            account,
            AuditAction.BADGE_REVOKED,
            badge,
            reason=reason,
            changes={"badge": [badge.tier, None]},
            context={**context, "source": "evaluation"},
        )
    )


def _evaluate_chunk(actor, account_ids, rules, week, now):
    accounts = list(Account.objects.select_for_update().filter(pk__in=account_ids).order_by("pk"))
    figures = figures_of(account_ids, now)
    found = _record_weeks(accounts, figures, rules, week)
    history = _history(account_ids, week)
    held = {}
    for badge in Badge.objects.filter(account__in=account_ids, revoked_at__isnull=True):
        held.setdefault(badge.account_id, {})[badge.tier] = badge
    overridden = set(
        BadgeOverride.objects.filter(account__in=account_ids, status=OverrideStatus.ACTIVE).values_list(
            "account_id", "tier"
        )
    )
    audit = []
    for account in accounts:
        badges = held.get(account.pk, {})
        if account.status in HARD_FAILURES:
            if badges:
                standing.revoke_badges(
                    actor=actor, account_id=account.pk, reason=f"account {account.status}", source="evaluation", now=now
                )
            continue
        _, kept = found.get(account.pk, ([], []))
        for tier, rule in rules.items():
            if (account.pk, tier) in overridden:
                continue
            if out_of_reach(tier, badges, holds_it=tier in badges):
                continue
            met_weeks = history.get(account.pk, {}).get(tier, set())
            facts = figures.get(account.pk)
            badge = _step_tier(account, tier, rule, facts, kept, met_weeks, badges.get(tier), week, now, audit)
            if badge is None:
                badges.pop(tier, None)
            else:
                badges[tier] = badge
        plus = badges.get(BadgeTier.TOP_RATED_PLUS)
        lost_its_base = out_of_reach(BadgeTier.TOP_RATED_PLUS, badges, holds_it=False)
        if plus and lost_its_base and (account.pk, BadgeTier.TOP_RATED_PLUS) not in overridden:
            _revoke(account, plus, "Top Rated was lost", now, audit, {"week": week})
    if audit:
        record_many([{"actor": actor, **row} for row in audit])


def evaluate_badges(*, actor, week=None, run=None, account_ids=None, chunk_size=500, now=None, after_chunk=None):
    """Evaluate every freelancer (or the given ones) for one week; resumes a run it is given."""
    now = now or timezone.now()
    rules = rules_in_force()
    if run is None:
        run = BadgeEvaluation.objects.create(
            week=week or badge_rules.monday_of(now.date()),
            started_at=now,
            rule_versions={tier: rule.version for tier, rule in rules.items()},
        )
    accounts = Account.objects.exclude(kind=AccountKind.CLIENT).order_by("pk")
    if account_ids is not None:
        accounts = accounts.filter(pk__in=account_ids)
    while True:
        ids = list(accounts.filter(pk__gt=run.last_account_id).values_list("pk", flat=True)[:chunk_size])
        if not ids:
            break
        with transaction.atomic():
            _evaluate_chunk(actor, ids, rules, run.week, now)
            run.last_account_id, run.accounts_done = ids[-1], run.accounts_done + len(ids)
            run.save(update_fields=["last_account_id", "accounts_done"])
        if after_chunk:
            after_chunk(run)
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        record(
            actor=actor,
            action=AuditAction.BADGES_EVALUATED,
            target=run,
            context={"week": run.week, "accounts": run.accounts_done, "rule_versions": run.rule_versions},
        )
    return run


def unfinished_evaluation():
    return BadgeEvaluation.objects.filter(finished_at__isnull=True).order_by("-started_at").first()


def latest_week():
    """The week of the latest finished evaluation, or this week when none ran yet."""
    run = BadgeEvaluation.objects.filter(finished_at__isnull=False).order_by("-week").first()
    return run.week if run else badge_rules.monday_of(timezone.now().date())


def settle_tier(*, actor, account, tier, now, audit):
    """After an override ends: the badge follows the computed result again, at once (the
    override, not the account, held it, so there is no warning period). Expert-Vetted has no
    rule: it stays as the last decision about it left it. Call with the account locked."""
    rule = rules_in_force().get(tier)
    if rule is None:
        return
    week = latest_week()
    met_weeks = _history([account.pk], week).get(account.pk, {}).get(tier, set())
    should_hold = account.status not in HARD_FAILURES and badge_rules.eligible(met_weeks, week, rule)
    badge = Badge.objects.filter(account=account, tier=tier, revoked_at__isnull=True).first()
    context = {"week": week, "rule_version": rule.version, "weeks_met": badge_rules.weeks_met(met_weeks, week, rule)}
    if should_hold and badge is None:
        _award(account, tier, rule, now, audit, context)
    elif should_hold and badge.source != BadgeSource.RULES:
        audit.append(
            _audit(
                account, AuditAction.BADGE_AWARDED, badge, changes={"source": [badge.source, "rules"]}, context=context
            )
        )
        badge.source, badge.source_ref = BadgeSource.RULES, f"rule v{rule.version}"
        badge.save(update_fields=["source", "source_ref"])
    elif not should_hold and badge is not None:
        _revoke(account, badge, "override ended and the rules do not award it", now, audit, context)
