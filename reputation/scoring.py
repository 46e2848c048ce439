"""The success score, as pure functions of a freelancer's contracts and the parameters.

Nothing here touches the database: the recompute job feeds it plain facts, and the tests feed it
hand-made ones. See DESIGN.md "Reputation" and issue 5 for the definitions.
"""

import functools
import math
import statistics
from dataclasses import dataclass, field
from datetime import datetime

DAY_SECONDS = 86_400


def seconds(moment):
    """Times may be aware datetimes or epoch seconds (the recompute reads epochs: much cheaper)."""
    return moment.timestamp() if isinstance(moment, datetime) else moment


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


# Facts, feedback and ledger entries are made millions of times a night: plain slotted classes
# cost a fifth of frozen ones to build.
@dataclass(slots=True)
class Feedback:
    client_private: int | None  # 0-10
    client_public: int | None  # 1-5 stars
    at: datetime


@dataclass(slots=True)
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
    # Why the rater does not count, when credibility is 0 (a ledger exclusion code).
    not_credible_because: str = ""


# Ledger exclusion reasons.
NO_FEEDBACK = "no_feedback"
TOO_OLD = "older_than_max_age"
NOT_CREDIBLE = "rater_not_credible"
RATER_SUSPENDED = "rater_suspended"
RATER_LINKED = "rater_linked_to_freelancer"
RATER_BELOW_STANDARDS = "rater_below_client_standards"


@dataclass(slots=True)
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
    length = seconds(paid_until) - seconds(started_at)
    periods = max(0, int(length // (90 * DAY_SECONDS))) if earnings_cents else 0
    return min(params.max_contract_weight, band + periods)


def recency(at, now, params):
    age_days = (seconds(now) - seconds(at)) / DAY_SECONDS
    if age_days > params.max_age_days:
        return 0.0
    return 0.5 ** (max(0.0, age_days) / params.half_life_days)


def _beta_continued_fraction(a, b, x):
    # Lentz's method for the continued fraction of the regularised incomplete beta function.
    # Terms that come within TINY of zero are replaced by TINY. This loop runs some ten times per
    # score, millions of times a night: the checks are chained comparisons, and the even and the
    # odd step are written out rather than called.
    qab, qap, qam = a + b, a + 1, a - 1
    c, d = 1.0, 1 - qab * x / qap
    if -TINY < d < TINY:
        d = TINY
    d = 1 / d
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))  # the even step
        d = 1 + aa * d
        if -TINY < d < TINY:
            d = TINY
        d = 1 / d
        c = 1 + aa / c
        if -TINY < c < TINY:
            c = TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))  # the odd step
        d = 1 + aa * d
        if -TINY < d < TINY:
            d = TINY
        d = 1 / d
        c = 1 + aa / c
        if -TINY < c < TINY:
            c = TINY
        delta = d * c
        h *= delta
        if -1e-12 < delta - 1 < 1e-12:
            break
    return h


TINY = 1e-300


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


def beta_pdf(x, a, b):
    log_density = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    return math.exp(log_density + (a - 1) * math.log(x) + (b - 1) * math.log1p(-x))


@functools.lru_cache(maxsize=16)
def _normal_quantile(q):
    return statistics.NormalDist().inv_cdf(q)


def _beta_quantile_guess(q, a, b):
    """A first guess at the Beta(a, b) quantile: for a, b >= 1 the normal-deviate approximation
    of Abramowitz and Stegun 26.5.22, otherwise the power-law shape of the nearer tail."""
    if a >= 1 and b >= 1:
        z = _normal_quantile(1 - q)  # A&S write it with the upper-tail deviate
        lam = (z * z - 3) / 6
        h = 2 / (1 / (2 * a - 1) + 1 / (2 * b - 1))
        w = z * math.sqrt(h + lam) / h - (1 / (2 * b - 1) - 1 / (2 * a - 1)) * (lam + 5 / 6 - 2 / (3 * h))
        guess = a / (a + b * math.exp(2 * w))
    else:
        lower_tail = math.exp(a * math.log(a / (a + b))) / a
        upper_tail = math.exp(b * math.log(b / (a + b))) / b
        total = lower_tail + upper_tail
        guess = (a * total * q) ** (1 / a) if q < lower_tail / total else 1 - (b * total * (1 - q)) ** (1 / b)
    return min(max(guess, 1e-6), 1 - 1e-6)


def beta_quantile(q, a, b, tolerance=1e-10):
    """The x with I_x(a, b) = q: Halley's method from a close first guess, kept inside a
    bisection bracket so it always converges. Each step cubes the error, so once I_x is within
    a hundredth of the cube root of the tolerance, the next step is returned without one more
    costly I_x."""
    low, high = 0.0, 1.0
    x = _beta_quantile_guess(q, a, b)
    for _ in range(100):
        error = beta_cdf(x, a, b) - q
        if abs(error) < tolerance:
            return x
        if error < 0:
            low = x
        else:
            high = x
        density = beta_pdf(x, a, b)
        if density > 0:
            newton = error / density
            curvature = (a - 1) / x - (b - 1) / (1 - x)  # the density's log-derivative
            step = x - newton / max(0.5, 1 - 0.5 * newton * curvature)
        else:
            step = -1
        if low < step < high:
            if abs(error) < tolerance ** (1 / 3) / 100:
                return step
            x = step
        else:
            x = (low + high) / 2
        if high - low < tolerance:
            break
    return x


def _posterior_mean(weights_and_outcomes, params):
    total_weight = sum(w for w, _ in weights_and_outcomes)
    total = sum(w * y for w, y in weights_and_outcomes)
    return (params.prior_strength * params.prior_mean + total) / (params.prior_strength + total_weight)


def _by_client(entries):
    groups = {}
    for entry in entries:
        groups.setdefault(entry.client_id, []).append(entry)
    return list(groups.values())


def _cap_per_client(groups, params):
    """Scale each client's weights down to the cap together; returns each group's raw weights."""
    raw = []
    for group in groups:
        weights = [e.weight for e in group]
        raw.append(weights)
        total = sum(weights)
        if total > params.max_client_weight:
            for entry in group:
                entry.weight *= params.max_client_weight / total
    return raw


def _points(groups, raw, score, numerator, denominator, params):
    """Each entry's contribution: S minus S without it. Linear in the number of contracts: only
    the removed entry's own client group is re-capped."""
    cap = params.max_client_weight
    for group, weights in zip(groups, raw, strict=True):
        raw_total = sum(weights)
        if raw_total <= cap:  # uncapped, and so is what is left: only the entry itself goes
            for entry in group:
                without = (numerator - entry.weight * entry.outcome) / (denominator - entry.weight)
                entry.points = 100 * (score - without)
            continue
        group_num = sum(e.weight * e.outcome for e in group)
        group_den = sum(e.weight for e in group)
        for index, entry in enumerate(group):
            rest = raw_total - weights[index]
            scale = cap / rest if rest > cap else 1.0
            pairs = enumerate(zip(weights, group, strict=True))
            new_num = sum(w * scale * e.outcome for k, (w, e) in pairs if k != index)
            without = (numerator - group_num + new_num) / (denominator - group_den + rest * scale)
            entry.points = 100 * (score - without)


def compute(contracts, now, params=Parameters()):
    """The score of one freelancer from their contracts, with its ledger."""
    now = seconds(now)  # once, not per contract: this runs for millions of contracts a night
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
            entry.excluded = facts.not_credible_because or NOT_CREDIBLE
            continue
        paid_until = facts.ended_at or rated_at
        entry.outcome = y
        entry.weight = (
            size_weight(facts.earnings_cents, facts.started_at, paid_until, params) * facts.credibility * decay
        )
        counted.append(entry)
    groups = _by_client(counted)
    raw = _cap_per_client(groups, params)
    total_weight = weighted_outcomes = squares = 0.0
    for entry in counted:
        total_weight += entry.weight
        weighted_outcomes += entry.weight * entry.outcome
        squares += entry.weight * entry.weight
    prior_successes = params.prior_strength * params.prior_mean
    numerator, denominator = prior_successes + weighted_outcomes, params.prior_strength + total_weight
    score = numerator / denominator
    _points(groups, raw, score, numerator, denominator, params)
    # The posterior Beta(alpha, beta): prior plus weighted successes and weighted failures.
    alpha = numerator
    beta = params.prior_strength - prior_successes + total_weight - weighted_outcomes
    lower = beta_quantile(params.lower_quantile, alpha, beta)
    return Score(
        score=score,
        lower_bound=lower,
        effective_sample_size=(total_weight**2 / squares) if squares else 0.0,
        eligible_contracts=len(counted),
        distinct_clients=len(groups),
        public=len(counted) >= params.public_min_contracts and len(groups) >= params.public_min_clients,
        ledger=ledger,
    )


def score_from_ledger(ledger, params=Parameters()):
    """S again from a stored ledger: what "why is my score X" answers rest on."""
    return _posterior_mean([(e["weight"], e["outcome"]) for e in ledger if not e["excluded"]], params)


def explain_change(old_ledger, new_ledger, old_version, new_version):
    """Why the score moved between two snapshots, in buckets of contracts: each bucket lists the
    contracts and the sum of their change in points. A contract whose outcome and weight are
    unchanged is left out, though its points shift when others change."""
    old = {e["contract_id"]: e for e in old_ledger}
    new = {e["contract_id"]: e for e in new_ledger}
    buckets = {name: {"contracts": [], "points": 0.0} for name in CHANGE_BUCKETS}

    def add(bucket, contract_id, points):
        buckets[bucket]["contracts"].append(contract_id)
        buckets[bucket]["points"] += points

    for contract_id in sorted(old.keys() | new.keys()):
        before, after = old.get(contract_id), new.get(contract_id)
        was_counted = bool(before) and not before["excluded"]
        is_counted = bool(after) and not after["excluded"]
        delta = (after["points"] if is_counted else 0.0) - (before["points"] if was_counted else 0.0)
        if is_counted and not was_counted:
            add("exclusion_removed" if before and before["excluded"] else "new_outcome", contract_id, delta)
        elif was_counted and not is_counted:
            add("aged_out" if after and after["excluded"] == TOO_OLD else "exclusion_added", contract_id, delta)
        elif is_counted and old_version != new_version:
            add("parameters", contract_id, delta)
        elif is_counted and abs(after["outcome"] - before["outcome"]) > 1e-9:
            add("outcome_changed", contract_id, delta)
        elif is_counted and abs(after["weight"] - before["weight"]) > 1e-9:
            add("decay", contract_id, delta)
    return {name: bucket for name, bucket in buckets.items() if bucket["contracts"]}


CHANGE_BUCKETS = (
    "new_outcome",
    "outcome_changed",
    "decay",
    "aged_out",
    "exclusion_added",
    "exclusion_removed",
    "parameters",
)


def outcome_band(outcome):
    """What analysts see instead of the outcome itself, so private feedback stays private."""
    if outcome is None:
        return "none"
    return "positive" if outcome >= 0.8 else "mixed" if outcome >= 0.5 else "negative"
