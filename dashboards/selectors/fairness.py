"""Fairness and client standards: action and badge rates by country against the base
population, and the outreach funnel."""

from django.db.models import Count, Q

from cases.models import ActionStatus, EnforcementAction
from dashboards.selectors.common import rate
from reputation.models import Account, AccountKind, Badge
from standards.models import ClientStanding, OutreachDecision, OutreachState, OutreachStep
from trustconsole.replica import on_replica

# Countries with fewer accounts than this are pooled, so a rate never rests on a handful of
# people (and nobody is singled out by it).
MIN_POPULATION = 30
# The four-fifths rule of thumb: a rate more than 25 % above, or 20 % below, the whole
# population's is flagged for a look.
HIGH_RATIO, LOW_RATIO = 1.25, 0.8
POOLED = "Other"
FREELANCING = (AccountKind.FREELANCER, AccountKind.AGENCY)


def _ratio(part_rate, overall_rate):
    return part_rate / overall_rate if part_rate is not None and overall_rate else None


def _flag(ratio):
    return ratio is not None and (ratio >= HIGH_RATIO or ratio <= LOW_RATIO)


@on_replica
def fairness_by_country(period):
    """Per country: accounts, and the share of them with an action applied in the period;
    freelancers (and agencies), and the share of them holding a badge now. Each rate is set
    against the same rate over everyone; small countries are pooled into "Other"."""
    population = Account.objects.values("country").annotate(
        accounts=Count("id"), freelancers=Count("id", filter=Q(kind__in=FREELANCING))
    )
    actioned = (
        EnforcementAction.objects.filter(
            applied_at__gte=period.start,
            applied_at__lt=period.end,
            status__in=(ActionStatus.APPLIED, ActionStatus.REVERSED),
        )
        .values("account__country")
        .annotate(n=Count("account_id", distinct=True))
    )
    badged = (
        Badge.objects.filter(revoked_at__isnull=True, account__kind__in=FREELANCING)
        .values("account__country")
        .annotate(n=Count("account_id", distinct=True))
    )
    actioned = {row["account__country"]: row["n"] for row in actioned}
    badged = {row["account__country"]: row["n"] for row in badged}
    rows = {}
    for item in population:
        country = item["country"] or "??"
        key = country if item["accounts"] >= MIN_POPULATION else POOLED
        row = rows.setdefault(key, {"country": key, "accounts": 0, "freelancers": 0, "actioned": 0, "badged": 0})
        row["accounts"] += item["accounts"]
        row["freelancers"] += item["freelancers"]
        row["actioned"] += actioned.get(item["country"], 0)
        row["badged"] += badged.get(item["country"], 0)
    total = {
        name: sum(row[name] for row in rows.values()) for name in ("accounts", "freelancers", "actioned", "badged")
    }
    overall_action = rate(total["actioned"], total["accounts"])
    overall_badge = rate(total["badged"], total["freelancers"])
    out = []
    for row in rows.values():
        action_rate = rate(row["actioned"], row["accounts"])
        badge_rate = rate(row["badged"], row["freelancers"])
        action_ratio, badge_ratio = _ratio(action_rate, overall_action), _ratio(badge_rate, overall_badge)
        out.append(
            {
                **row,
                "population_share": rate(row["accounts"], total["accounts"]),
                "action_rate": action_rate,
                "action_ratio": action_ratio,
                "action_flag": _flag(action_ratio),
                "badge_rate": badge_rate,
                "badge_ratio": badge_ratio,
                "badge_flag": _flag(badge_ratio),
            }
        )
    out.sort(key=lambda row: (row["country"] == POOLED, -row["accounts"], row["country"]))
    return {"rows": out, "total": total, "action_rate": overall_action, "badge_rate": overall_badge}


FUNNEL = [
    ("Outreach notice sent", Q(from_state=OutreachState.MONITORING, to_state=OutreachState.IMPROVEMENT)),
    ("Re-evaluation due", Q(to_state=OutreachState.DUE)),
    ("Restricted: level 1", Q(decision=OutreachDecision.RESTRICT, level=1)),
    ("Restricted: level 2", Q(decision=OutreachDecision.RESTRICT, level=2)),
    ("Referred to enforcement", Q(to_state=OutreachState.ENFORCEMENT)),
    ("Improved: back to monitoring", Q(to_state=OutreachState.MONITORING)),
]


@on_replica
def outreach_funnel(period):
    """Distinct clients who reached each outreach step in the period (a hard trigger refers a
    client without the earlier steps), and where clients stand now."""
    counts = OutreachStep.objects.filter(at__gte=period.start, at__lt=period.end).aggregate(
        **{f"step_{n}": Count("standing_id", distinct=True, filter=q) for n, (_, q) in enumerate(FUNNEL)}
    )
    steps = [{"label": label, "clients": counts[f"step_{n}"]} for n, (label, _) in enumerate(FUNNEL)]
    notified = steps[0]["clients"]
    for step in steps:
        step["of_notified"] = rate(step["clients"], notified)
    labels = dict(OutreachState.choices)
    now = ClientStanding.objects.exclude(state=OutreachState.MONITORING, level=0).values("state", "level")
    now = now.annotate(n=Count("id")).order_by("state", "level")
    return {"steps": steps, "now": [{**row, "label": labels[row["state"]]} for row in now]}
