"""Client metrics over a rolling window, as pure functions of a client's facts.

The database half (facts_of) reads a chunk of clients with a few set-based queries; `assess`
turns one client's facts into metrics, each with its value, its limit, whether it tripped, the
freelancers behind it and the evidence (contract, case and action ids) a lead can open.
"""

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from reputation import scoring

DAY = timedelta(days=1)

CLIENT_SCORE = "client_score"
POOR_RATERS = "poor_raters"
DISPUTES_LOST = "disputes_lost"
GHOSTING = "ghosting"
REFUNDS = "refunds_after_delivery"
CONDUCT = "conduct_findings"
HIRE_RATE = "hire_rate"
METRIC_LABELS = {
    CLIENT_SCORE: "Freelancer-rated client score",
    POOR_RATERS: "Freelancers rating the client poorly",
    DISPUTES_LOST: "Disputes lost",
    GHOSTING: "Submitted work left unanswered",
    REFUNDS: "Refunds or cancellations after delivery",
    CONDUCT: "Confirmed conduct findings",
    HIRE_RATE: "Hire rate",
}
# Confirmed by an analyst, so not the freelancers' word alone: outside the minimum-sample rule.
VERIFIED_METRICS = {CONDUCT}
# Shown, never a trigger.
INFORMATIONAL_METRICS = {HIRE_RATE}


@dataclass(frozen=True)
class ClientContract:
    contract_id: int
    freelancer_id: int
    earnings_cents: int
    started_at: datetime
    ended_at: datetime | None
    stars: int | None  # the freelancer's rating of the client
    rated_at: datetime | None
    dispute_lost_by_client: bool = False
    work_submitted_at: datetime | None = None
    client_responded_at: datetime | None = None
    refund_after_delivery_at: datetime | None = None
    linked: bool = False


@dataclass(frozen=True)
class Finding:
    action_id: int
    case_id: int
    policy: str
    at: datetime


@dataclass
class ClientFacts:
    contracts: list = field(default_factory=list)
    # (contract id, freelancer id, stars, at): ratings given during long contracts.
    interim: list = field(default_factory=list)
    findings: list = field(default_factory=list)
    # (policy code, case id, action id): confirmed findings under hard-trigger policies.
    hard_triggers: list = field(default_factory=list)
    job_posts: int = 0


def in_window(moment, start, end):
    return moment is not None and start <= moment <= end


def _metric(value, limit, tripped, freelancers=(), evidence=(), **extra):
    return {
        "value": value,
        "limit": limit,
        "tripped": bool(tripped),
        "freelancers": sorted(set(freelancers)),
        "evidence": list(evidence),
        **extra,
    }


def client_score(facts, as_of, thresholds, params):
    """The success-score model applied to freelancers' ratings of the client: stars are the
    outcome, the freelancer is the rater (capped per rater), a dispute the client lost is 0 and
    linked freelancers do not count. Only ratings inside the window count."""
    params = replace(params, max_age_days=thresholds.window_days)
    latest_interim = {}
    for contract_id, _freelancer, stars, at in sorted(facts.interim, key=lambda row: row[3]):
        if stars is not None and at <= as_of:
            latest_interim[contract_id] = scoring.Feedback(None, stars, at)
    rows = []
    for c in facts.contracts:
        final = c.stars is not None and c.rated_at is not None and c.rated_at <= as_of
        feedback = scoring.Feedback(None, c.stars, c.rated_at) if final else latest_interim.get(c.contract_id)
        ended = c.ended_at if c.ended_at and c.ended_at <= as_of else None
        rows.append(
            scoring.ContractFacts(
                c.contract_id,
                c.freelancer_id,
                c.earnings_cents,
                c.started_at,
                ended,
                feedback,
                dispute_lost_by_freelancer=c.dispute_lost_by_client,
                credibility=0.0 if c.linked else 1.0,
                not_credible_because=scoring.RATER_LINKED if c.linked else "",
            )
        )
    result = scoring.compute(rows, as_of, params)
    counted = [entry for entry in result.ledger if not entry.excluded]
    raters = {entry.client_id for entry in counted}
    low = sorted(counted, key=lambda entry: entry.outcome)[:10]
    enough = len(raters) >= thresholds.min_freelancers
    return _metric(
        round(result.score, 4),
        thresholds.client_score_floor,
        enough and result.score < thresholds.client_score_floor,
        raters,
        [entry.contract_id for entry in low],
        raters_needed=thresholds.min_freelancers,
        enough_raters=enough,
    )


def assess(facts, as_of, thresholds, params=None):
    """({metric: details}, the tripped metrics, whether the client is below standard). Nothing
    the freelancers' word alone supports flags a client unless at least `min_freelancers`
    distinct freelancers stand behind the tripped metrics together."""
    params = params or scoring.Parameters()
    start = as_of - thresholds.window_days * DAY
    contracts = [c for c in facts.contracts if not c.linked]
    poor = {}
    for c in contracts:
        if c.stars is not None and c.stars <= thresholds.poor_rating_stars and in_window(c.rated_at, start, as_of):
            poor.setdefault(c.freelancer_id, c.contract_id)
    linked = {c.contract_id for c in facts.contracts if c.linked}
    for contract_id, freelancer_id, stars, at in facts.interim:
        poor_rating = stars is not None and stars <= thresholds.poor_rating_stars
        if contract_id not in linked and poor_rating and in_window(at, start, as_of):
            poor.setdefault(freelancer_id, contract_id)
    disputes = [
        c for c in contracts if c.dispute_lost_by_client and in_window(c.ended_at or c.started_at, start, as_of)
    ]
    ghosted = [c for c in contracts if _ghosted(c, start, as_of, thresholds.ghosting_days)]
    refunds = [c for c in contracts if in_window(c.refund_after_delivery_at, start, as_of)]
    findings = [f for f in facts.findings if in_window(f.at, start, as_of)]
    hires = [c for c in facts.contracts if in_window(c.started_at, start, as_of)]
    metrics = {
        CLIENT_SCORE: client_score(facts, as_of, thresholds, params),
        POOR_RATERS: _metric(
            len(poor), thresholds.poor_raters_limit, len(poor) >= thresholds.poor_raters_limit, poor, poor.values()
        ),
        DISPUTES_LOST: _counted(disputes, thresholds.disputes_lost_limit),
        GHOSTING: _counted(ghosted, thresholds.ghosting_limit),
        REFUNDS: _counted(refunds, thresholds.refunds_limit),
        CONDUCT: _metric(
            len(findings),
            thresholds.conduct_findings_limit,
            len(findings) >= thresholds.conduct_findings_limit,
            evidence=[{"case": f.case_id, "action": f.action_id, "policy": f.policy} for f in findings],
        ),
        HIRE_RATE: _metric(
            round(len(hires) / facts.job_posts, 4) if facts.job_posts else None,
            None,
            False,
            evidence=[c.contract_id for c in hires],
            job_posts=facts.job_posts,
        ),
    }
    tripped = [name for name, metric in metrics.items() if metric["tripped"]]
    word = [name for name in tripped if name not in VERIFIED_METRICS]
    behind_word = set().union(*(metrics[name]["freelancers"] for name in word)) if word else set()
    below = any(name in VERIFIED_METRICS for name in tripped) or (
        bool(word) and len(behind_word) >= thresholds.min_freelancers
    )
    return metrics, tripped, below


def _counted(contracts, limit):
    return _metric(
        len(contracts),
        limit,
        len(contracts) >= limit,
        [c.freelancer_id for c in contracts],
        [c.contract_id for c in contracts],
    )


def _ghosted(contract, start, as_of, days):
    """Work submitted inside the window that the client left unanswered for more than `days`."""
    submitted = contract.work_submitted_at
    if not in_window(submitted, start, as_of):
        return False
    answered = contract.client_responded_at
    if answered is not None and answered <= as_of:
        return answered - submitted > days * DAY
    return as_of - submitted > days * DAY


def findings_text(metrics):
    """One line per tripped metric, for notices and lists."""
    lines = []
    for name, metric in metrics.items():
        if metric["tripped"]:
            lines.append(
                f"- {METRIC_LABELS[name]}: {format_value(name, metric['value'])}"
                f" (limit {format_value(name, metric['limit'])})"
            )
    return "\n".join(lines)


def format_value(name, value):
    if value is None:
        return "n/a"
    if name in (CLIENT_SCORE, HIRE_RATE):
        return f"{round(100 * value)}%"
    return str(value)
