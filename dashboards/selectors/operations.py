"""Operations: the backlog by queue and age, SLA breaches, throughput per day, the action mix,
and the signals still waiting to join their cases."""

from datetime import UTC, timedelta

from django.db import models
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncDate

from cases.models import OPEN_STATUSES, ActionStatus, Case, CaseStatus, EnforcementAction, Queue, Signal
from dashboards.selectors.common import rate
from trustconsole.replica import on_replica

# Age of an open case since it opened: (label, lower bound); the last bucket is open-ended.
AGE_BUCKETS = [
    ("< 4 h", timedelta(0)),
    ("4\u201324 h", timedelta(hours=4)),
    ("1\u20133 d", timedelta(days=1)),
    ("3\u20137 d", timedelta(days=3)),
    ("≥ 7 d", timedelta(days=7)),
]
AT_RISK = timedelta(hours=4)
ALERTS = 25


def _age_bucket(now):
    # The oldest bucket is tested first, so each case lands in the oldest one its age reaches.
    whens = [
        models.When(opened_at__lte=now - lower, then=models.Value(index))
        for index, (_, lower) in reversed(list(enumerate(AGE_BUCKETS)))
        if index
    ]
    return models.Case(*whens, default=models.Value(0), output_field=models.IntegerField())


@on_replica
def backlog(now):
    """Open cases (open, in review, escalated, waiting for approval) per queue and by age since
    they opened; with each queue's SLA breaches (due time passed) and the cases at risk (due in
    the next four hours). Every queue is listed, empty ones too."""
    rows = {
        queue.pk: {"queue": queue, "ages": [0] * len(AGE_BUCKETS), "open": 0, "breached": 0, "at_risk": 0}
        for queue in Queue.objects.order_by("name")
    }
    ages = (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .annotate(bucket=_age_bucket(now))
        .values("queue_id", "bucket")
        .annotate(n=Count("id"))
    )
    for row in ages:
        rows[row["queue_id"]]["ages"][row["bucket"]] += row["n"]
    sla = (
        Case.objects.filter(status__in=OPEN_STATUSES)
        .values("queue_id")
        .annotate(
            open=Count("id"),
            breached=Count("id", filter=Q(due_at__lte=now)),
            at_risk=Count("id", filter=Q(due_at__gt=now, due_at__lte=now + AT_RISK)),
        )
    )
    for row in sla:
        rows[row["queue_id"]].update(open=row["open"], breached=row["breached"], at_risk=row["at_risk"])
    return list(rows.values())


@on_replica
def grouping_lag(now):
    """Signals the API stored that have not joined a case yet, and how long the oldest has waited.
    Grouping normally follows within seconds; a growing wait means the ingest worker is down or
    behind."""
    waiting = Signal.objects.filter(case__isnull=True).aggregate(count=Count("id"), oldest=Min("received_at"))
    oldest = waiting["oldest"]
    return {"count": waiting["count"], "wait_seconds": int((now - oldest).total_seconds()) if oldest else None}


@on_replica
def sla_alerts(now, limit=ALERTS):
    """Open cases past their due time, the longest overdue first."""
    cases = (
        Case.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now)
        .select_related("queue", "policy", "assignee", "account")
        .order_by("due_at", "id")[:limit]
    )
    return [{"case": case, "overdue": now - case.due_at} for case in cases]


@on_replica
def throughput(period):
    """Per UTC day of the period: cases opened, and cases decided (by when the decision was made)
    that are now actioned or dismissed. A decision later overturned counts as it stands now."""
    days = {day: {"day": day, "opened": 0, "actioned": 0, "dismissed": 0} for day in period.dates()}
    opened = (
        Case.objects.filter(opened_at__gte=period.start, opened_at__lt=period.end)
        .annotate(day=TruncDate("opened_at", tzinfo=UTC))
        .values("day")
        .annotate(n=Count("id"))
    )
    for row in opened:
        days[row["day"]]["opened"] = row["n"]
    decided = (
        Case.objects.filter(
            decided_at__gte=period.start,
            decided_at__lt=period.end,
            status__in=(CaseStatus.ACTIONED, CaseStatus.DISMISSED),
        )
        .annotate(day=TruncDate("decided_at", tzinfo=UTC))
        .values("day", "status")
        .annotate(n=Count("id"))
    )
    for row in decided:
        days[row["day"]][row["status"]] = row["n"]
    return list(days.values())


@on_replica
def action_mix(period):
    """Actions applied in the period, by kind, with how many of them were reversed since."""
    rows = (
        EnforcementAction.objects.filter(applied_at__gte=period.start, applied_at__lt=period.end)
        .values("kind")
        .annotate(applied=Count("id"), reversed=Count("id", filter=Q(status=ActionStatus.REVERSED)))
        .order_by("-applied", "kind")
    )
    total = sum(row["applied"] for row in rows)
    labels = dict(EnforcementAction._meta.get_field("kind").choices)
    return [{**row, "label": labels[row["kind"]], "share": rate(row["applied"], total)} for row in rows]
