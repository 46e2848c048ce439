"""Case priority: the parts, their weights, and the one number the queue sorts by.

Every part is in [0, 1]; the weighted sum is scaled by how reliable the case's best source has
been: half for a source that is always wrong, one with no outcomes yet, one and a half for a
source that is always right. The case page shows exactly where the number came from.
"""

import math

WEIGHTS = {"severity": 0.30, "score": 0.25, "sources": 0.15, "reach": 0.10, "sla": 0.20}
# 12-month earnings at which reach saturates: a million dollars.
REACH_EARNINGS_CENTS = 100_000_000
REACH_CONTRACTS = 10
HIGH_BAND, MEDIUM_BAND = 70.0, 40.0


def sla_elapsed(opened_at, due_at, now):
    total = (due_at - opened_at).total_seconds()
    if total <= 0:
        return 1.0
    return min(1.0, max(0.0, (now - opened_at).total_seconds() / total))


def reach(active_contracts, earnings_12m_cents):
    earnings = math.log10(1 + max(0, earnings_12m_cents)) / math.log10(1 + REACH_EARNINGS_CENTS)
    contracts = min(active_contracts, REACH_CONTRACTS) / REACH_CONTRACTS
    return round(min(1.0, 0.7 * earnings + 0.3 * contracts), 4)


def compute(
    *, severity, max_score, source_count, best_accuracy, active_contracts, earnings_12m_cents, opened_at, due_at, now
):
    parts = {
        "severity": severity / 5,
        "score": max(0.0, min(1.0, max_score)),
        "sources": 1 - 0.5 ** max(1, source_count),
        "reach": reach(active_contracts, earnings_12m_cents),
        "sla": sla_elapsed(opened_at, due_at, now),
    }
    accuracy_factor = 0.5 + best_accuracy
    points = {name: round(100 * WEIGHTS[name] * value * accuracy_factor, 2) for name, value in parts.items()}
    explanation = {
        "parts": {
            name: {"value": round(parts[name], 4), "weight": WEIGHTS[name], "points": points[name]} for name in parts
        },
        "source_accuracy": round(best_accuracy, 4),
        "accuracy_factor": round(accuracy_factor, 4),
    }
    return round(sum(points.values()), 2), explanation


def band(priority):
    if priority >= HIGH_BAND:
        return "high"
    if priority >= MEDIUM_BAND:
        return "medium"
    return "low"
