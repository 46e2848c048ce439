"""Reads for the client standards screens."""

from reputation.models import Contract, Restriction
from standards.metrics import INFORMATIONAL_METRICS, METRIC_LABELS, format_value
from standards.models import ClientStanding, OutreachState

PAGE = 100


def standings_for_list(filtered, offset):
    """A page of clients below standard or in outreach, and whether there is another page; never
    counts the table."""
    rows = list(
        filtered.select_related("client", "latest").order_by("state", "state_since", "pk")[offset : offset + PAGE + 1]
    )
    return rows[:PAGE], len(rows) > PAGE


def list_queryset():
    return ClientStanding.objects.exclude(state=OutreachState.MONITORING, latest__below_standard=False).exclude(
        state=OutreachState.MONITORING, latest__isnull=True
    )


def decisions_due():
    """The leads' queue: re-evaluations waiting for a decision and referrals, oldest first."""
    return list(
        ClientStanding.objects.filter(state__in=[OutreachState.DUE, OutreachState.ENFORCEMENT])
        .select_related("client", "latest")
        .order_by("state_since", "pk")[:PAGE]
    )


def progress(standing):
    """Per metric: the value at outreach, now, the limit, and whether it still trips."""
    latest = standing.latest.metrics if standing.latest else {}
    baseline = standing.baseline.metrics if standing.baseline else {}
    rows = []
    for name, label in METRIC_LABELS.items():
        now = latest.get(name)
        if now is None:
            continue
        before = baseline.get(name)
        rows.append(
            {
                "name": name,
                "label": label,
                "baseline": format_value(name, before["value"]) if before else "",
                "now": format_value(name, now["value"]),
                "limit": "shown only" if name in INFORMATIONAL_METRICS else format_value(name, now["limit"]),
                "tripped": now["tripped"],
                "was_tripped": bool(before and before["tripped"]),
                "freelancers": len(now["freelancers"]),
                "evidence": now["evidence"],
            }
        )
    return rows


def evidence_contracts(rows):
    """{contract id: (external id, freelancer's external id)} for every contract named as evidence."""
    ids = {item for row in rows for item in row["evidence"] if isinstance(item, int)}
    return {
        pk: (external_id, freelancer)
        for pk, external_id, freelancer in Contract.objects.filter(pk__in=ids).values_list(
            "pk", "external_id", "freelancer__external_id"
        )
    }


def standards_restrictions(standing):
    return list(Restriction.objects.filter(pk__in=standing.restriction_ids).order_by("starts_at"))


def steps(standing):
    return list(standing.steps.select_related("actor").order_by("-at", "-id")[:50])
