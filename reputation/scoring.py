"""The success score, as pure functions of a freelancer's contracts and the parameters.

Nothing here touches the database: the recompute job feeds it plain facts, and the tests feed it
hand-made ones. See DESIGN.md "Reputation" and issue 5 for the definitions.
"""

import math
from dataclasses import dataclass, field
from datetime import datetime

DAY_SECONDS = 86_400


@dataclass(frozen=True)
class Parameters:
    prior_mean: float = 0.85
    prior_strength: float = 4.0
    private_share: float = 0.7
    half_life_days: float = 180.0
    max_age_days: float = 730.0
    max_contract_weight: float = 8.0
    max_client_weight: float = 8.0
    lower_quantile: float = 0.10
    public_min_contracts: int = 2
    public_min_clients: int = 2
    version: int = 0


@dataclass(frozen=True)
class Feedback:
    client_private: int | None  # 0-10
    client_public: int | None  # 1-5 stars
    at: datetime


@dataclass(frozen=True)
class ContractFacts:
    contract_id: int
    client_id: int
    earnings_cents: int
    started_at: datetime
    ended_at: datetime | None
    feedback: Feedback | None
    dispute_lost_by_freelancer: bool = False
    # 0 when the client is flagged by client standards, suspended or linked to the freelancer;
    # 0.5 for a new unverified client; else 1 (see credibility_of).
    credibility: float = 1.0


# Ledger exclusion reasons.
NO_FEEDBACK = "no_feedback"
TOO_OLD = "older_than_max_age"
NOT_CREDIBLE = "rater_not_credible"


@dataclass
class LedgerEntry:
    contract_id: int
    client_id: int
    outcome: float | None = None
    weight: float = 0.0
    points: float = 0.0
    excluded: str = ""


@dataclass
class Score:
    score: float
    lower_bound: float
    effective_sample_size: float
    eligible_contracts: int
    distinct_clients: int
    public: bool
    ledger: list = field(default_factory=list)

    @property
    def public_percent(self):
        return round(100 * self.score) if self.public else None


def outcome(feedback, dispute_lost_by_freelancer, params):
    """y in [0, 1]: private feedback weighs most; a dispute the freelancer lost counts 0."""
    if dispute_lost_by_freelancer:
        return 0.0
    if feedback is None:
        return None
    private = None if feedback.client_private is None else feedback.client_private / 10
    public = None if feedback.client_public is None else (feedback.client_public - 1) / 4
    if private is not None and public is not None:
        return params.private_share * private + (1 - params.private_share) * public
    return private if private is not None else public


def size_weight(earnings_cents, started_at, paid_until, params):
    """1, 1.25 or 1.5 by earnings band, plus one for each full 90 days with payments, capped."""
    dollars = earnings_cents / 100
    band = 1.0 if dollars <= 250 else 1.25 if dollars <= 1000 else 1.5
    periods = max(0, int((paid_until - started_at).total_seconds() // (90 * DAY_SECONDS))) if earnings_cents else 0
    return min(params.max_contract_weight, band + periods)


def recency(at, now, params):
    age_days = (now - at).total_seconds() / DAY_SECONDS
    if age_days > params.max_age_days:
        return 0.0
    return 0.5 ** (max(0.0, age_days) / params.half_life_days)


def _beta_continued_fraction(a, b, x):
    # Lentz's method for the continued fraction of the regularised incomplete beta function.
    tiny, qab, qap, qam = 1e-300, a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    d = 1 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1 + aa * d
        d = 1 / (d if abs(d) > tiny else tiny)
        c = 1 + aa / c if abs(1 + aa / c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-12:
            break
    return h


def beta_cdf(x, a, b):
    """The regularised incomplete beta function I_x(a, b)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_continued_fraction(b, a, 1 - x) / b


def beta_quantile(q, a, b):
    """The x with I_x(a, b) = q, by bisection (60 halvings: far below a tenth of a point)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        middle = (low + high) / 2
        if beta_cdf(middle, a, b) < q:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _posterior_mean(weights_and_outcomes, params):
    total_weight = sum(w for w, _ in weights_and_outcomes)
    total = sum(w * y for w, y in weights_and_outcomes)
    return (params.prior_strength * params.prior_mean + total) / (params.prior_strength + total_weight)


def _cap_per_client(entries, params):
    by_client = {}
    for entry in entries:
        by_client.setdefault(entry.client_id, []).append(entry)
    for group in by_client.values():
        total = sum(e.weight for e in group)
        if total > params.max_client_weight:
            for entry in group:
                entry.weight *= params.max_client_weight / total


def compute(contracts, now, params=Parameters()):
    """The score of one freelancer from their contracts, with its ledger."""
    ledger, counted = [], []
    for facts in sorted(contracts, key=lambda c: c.contract_id):
        entry = LedgerEntry(facts.contract_id, facts.client_id)
        ledger.append(entry)
        y = outcome(facts.feedback, facts.dispute_lost_by_freelancer, params)
        if y is None:
            entry.excluded = NO_FEEDBACK
            continue
        rated_at = facts.feedback.at if facts.feedback else (facts.ended_at or now)
        decay = recency(rated_at, now, params)
        if decay == 0:
            entry.excluded = TOO_OLD
            continue
        if facts.credibility <= 0:
            entry.excluded = NOT_CREDIBLE
            continue
        paid_until = facts.ended_at or rated_at
        entry.outcome = y
        entry.weight = (
            size_weight(facts.earnings_cents, facts.started_at, paid_until, params) * facts.credibility * decay
        )
        counted.append(entry)
    _cap_per_client(counted, params)
    pairs = [(e.weight, e.outcome) for e in counted]
    score = _posterior_mean(pairs, params)
    for entry in counted:
        without = [(e.weight, e.outcome) for e in counted if e is not entry]
        entry.points = 100 * (score - _posterior_mean(without, params))
    total_weight = sum(w for w, _ in pairs)
    alpha = params.prior_strength * params.prior_mean + sum(w * y for w, y in pairs)
    beta = params.prior_strength * (1 - params.prior_mean) + sum(w * (1 - y) for w, y in pairs)
    lower = beta_quantile(params.lower_quantile, alpha, beta)
    squares = sum(w * w for w, _ in pairs)
    clients = {e.client_id for e in counted}
    return Score(
        score=score,
        lower_bound=lower,
        effective_sample_size=(total_weight**2 / squares) if squares else 0.0,
        eligible_contracts=len(counted),
        distinct_clients=len(clients),
        public=len(counted) >= params.public_min_contracts and len(clients) >= params.public_min_clients,
        ledger=ledger,
    )


def score_from_ledger(ledger, params=Parameters()):
    """S again from a stored ledger: what "why is my score X" answers rest on."""
    return _posterior_mean([(e["weight"], e["outcome"]) for e in ledger if not e["excluded"]], params)
