"""Reads of the reputation app for the console's pages."""

from dataclasses import dataclass, field

from django.utils import timezone

from reputation import badge_rules, evaluation
from reputation.models import (
    Badge,
    BadgeOverride,
    BadgeTier,
    BadgeWeek,
    OverrideStatus,
    Simulation,
)


@dataclass
class TierStanding:
    """One tier on the account page: held or not, what the rules compute, any override."""

    tier: str
    label: str
    held: Badge | None = None
    ruled: bool = False
    weeks: list = field(default_factory=list)  # [(Monday, met, kept)] oldest first
    weeks_met: int = 0
    required_weeks: int = 0
    window_weeks: int = 0
    eligible: bool = False
    shortfalls: list = field(default_factory=list)
    projected: object = None
    override: BadgeOverride | None = None


def badge_standing(account, now=None):
    """Per tier: held badge, the weekly record of the rule's window, whether the rules would
    award it now, what falls short this week, the projected award week, and any override."""
    now = now or timezone.now()
    rules = evaluation.rules_in_force()
    week = evaluation.latest_week()
    since = week - badge_rules.WEEK * (max((r.window_weeks for r in rules.values()), default=1) - 1)
    recorded = {row.week: row for row in BadgeWeek.objects.filter(account=account, week__gte=since, week__lte=week)}
    held = {b.tier: b for b in Badge.objects.filter(account=account, revoked_at__isnull=True)}
    in_force = {o.tier: o for o in BadgeOverride.objects.filter(account=account, status=OverrideStatus.ACTIVE)}
    figures = evaluation.figures_of([account.pk], now).get(account.pk)
    standings = []
    for tier in BadgeTier:
        standing = TierStanding(tier=tier.value, label=tier.label, held=held.get(tier), override=in_force.get(tier))
        rule = rules.get(tier)
        if rule is not None:
            met_weeks = {monday for monday, row in recorded.items() if tier in row.met}
            standing.ruled = True
            standing.weeks = [
                (monday, monday in met_weeks, monday in recorded and tier in recorded[monday].kept)
                for monday in badge_rules.window(week, rule)
            ]
            standing.weeks_met = badge_rules.weeks_met(met_weeks, week, rule)
            standing.required_weeks, standing.window_weeks = rule.required_weeks, rule.window_weeks
            standing.eligible = badge_rules.eligible(met_weeks, week, rule)
            standing.shortfalls = badge_rules.shortfalls(rule, figures) if figures else ["no score yet"]
            if not standing.held and not standing.eligible:
                standing.projected = badge_rules.projected_week(met_weeks, week, rule)
        standings.append(standing)
    return standings


def badge_history(account):
    return list(Badge.objects.filter(account=account).order_by("-awarded_at", "-pk"))


def account_overrides(account):
    return list(
        BadgeOverride.objects.filter(account=account)
        .select_related("requested_by", "approved_by")
        .order_by("-requested_at")[:20]
    )


def recent_simulations(limit=10):
    return list(Simulation.objects.select_related("requested_by").order_by("-requested_at")[:limit])
