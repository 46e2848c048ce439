"""Badge rules as pure functions: does a week's figures meet a tier's bar or keep bar, how many
weeks of the window met it, what the weekly evaluation should do, and when a badge could come.

Nothing here reads the database; reputation.evaluation feeds it figures and history.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta

WEEK = timedelta(days=7)

# What the evaluation does to one account and tier.
AWARD, WARN, CLEAR_WARNING, DEMOTE, KEEP, NOTHING = "award", "warn", "clear_warning", "demote", "keep", "nothing"


@dataclass(frozen=True)
class Figures:
    """What one week's evaluation judges an account on."""

    score: float
    lower_bound: float
    public: bool
    earnings_12m_cents: int
    tenure_days: int
    distinct_clients: int
    largest_contract_cents: int
    # Days since the last restriction or enforcement (0 while one is in force), None if never.
    days_since_trouble: float | None
    # Days since a contract was last active (0 while one runs), None if never.
    days_since_active: float | None

    def as_json(self):
        return asdict(self)


@dataclass(frozen=True)
class Rule:
    tier: str
    version: int | None
    min_score: float
    min_lower_bound: float
    keep_score: float
    keep_lower_bound: float
    min_earnings_12m_cents: int = 0
    min_tenure_days: int = 0
    min_distinct_clients: int = 0
    min_largest_contract_cents: int = 0
    clean_days: int = 90
    active_within_days: int = 90
    required_weeks: int = 1
    window_weeks: int = 1
    warning_weeks: int = 2

    @classmethod
    def of(cls, row):
        return cls(**{name: getattr(row, name) for name in cls.__dataclass_fields__})


def shortfalls(rule, figures, keep=False):
    """The conditions of the bar (or the keep bar) these figures miss, by name; empty when met."""
    score_bar, lower_bar = (rule.keep_score, rule.keep_lower_bound) if keep else (rule.min_score, rule.min_lower_bound)
    checks = {
        "public score": figures.public,
        "score": figures.score >= score_bar,
        "lower bound": figures.lower_bound >= lower_bar,
        "12-month earnings": figures.earnings_12m_cents >= rule.min_earnings_12m_cents,
        "tenure": figures.tenure_days >= rule.min_tenure_days,
        "distinct clients": figures.distinct_clients >= rule.min_distinct_clients,
        "large contract": figures.largest_contract_cents >= rule.min_largest_contract_cents,
        "good standing": figures.days_since_trouble is None or figures.days_since_trouble > rule.clean_days,
        "recent activity": figures.days_since_active is not None
        and figures.days_since_active <= rule.active_within_days,
    }
    return [name for name, ok in checks.items() if not ok]


def meets(rule, figures, keep=False):
    return not shortfalls(rule, figures, keep)


def monday_of(day):
    return day - timedelta(days=day.weekday())


def window(week, rule):
    """The Mondays of the rule's window that ends with this week, oldest first."""
    return [week - WEEK * back for back in range(rule.window_weeks - 1, -1, -1)]


def weeks_met(met_weeks, week, rule):
    """How many weeks of the window ending this week met the bar (met_weeks: a set of Mondays)."""
    return sum(1 for monday in window(week, rule) if monday in met_weeks)


def eligible(met_weeks, week, rule):
    return week in met_weeks and weeks_met(met_weeks, week, rule) >= rule.required_weeks


def decide(rule, *, held, warning_since, met_weeks, kept_now, week):
    """The weekly step for one tier. met_weeks includes this week when its bar was met; kept_now
    says whether this week met the keep bar. Hard failures are handled before this is asked."""
    if not held:
        return AWARD if eligible(met_weeks, week, rule) else NOTHING
    if kept_now:
        return CLEAR_WARNING if warning_since else KEEP
    if warning_since is None:
        return DEMOTE if rule.warning_weeks == 0 else WARN
    if (week - warning_since) >= WEEK * rule.warning_weeks:
        return DEMOTE
    return KEEP


def projected_week(met_weeks, week, rule):
    """The first Monday from next week on when the badge could be awarded if every week from
    now on met the bar; None when this week already qualifies."""
    if eligible(met_weeks, week, rule):
        return None
    future = set(met_weeks)
    candidate = week
    for _ in range(rule.window_weeks + 1):
        candidate = candidate + WEEK
        future.add(candidate)
        if eligible(future, candidate, rule):
            return candidate
    return None  # not reached: a window of met weeks always qualifies


def as_date(value):
    return value if isinstance(value, date) else date.fromisoformat(value)
