"""Display values for the queue's rows, computed once in Python.

The queue is the analysts' most-loaded page; building these strings here instead of with
per-row template tags (url, timesince, choice displays) cut its render time by more than half.
"""

from django.urls import reverse

from cases import priority, selectors
from cases.models import CaseStatus

STATUS_LABELS = dict(CaseStatus.choices)


def span(seconds):
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{hours // 24} d {hours % 24} h"


def _address_format(view_name, sample):
    """The view's address as a str.format pattern for its one argument, reversed once for a
    whole list instead of once per item."""
    return reverse(view_name, args=[sample]).replace(f"/{sample}/", "/{}/")


def queue_sidebar(counts, current_queue):
    """Display values of the queue list beside the rows: [(queue, count) from
    selectors.queue_counts], the queue being filtered on marked current."""
    claim_url = _address_format("cases:claim_next", "-")
    return [
        {
            "slug": queue.slug,
            "name": queue.name,
            "count": f"{selectors.COUNT_CAP:,}+" if count > selectors.COUNT_CAP else str(count),
            "claim_url": claim_url.format(queue.slug),
            "current": queue.slug == current_queue,
        }
        for queue, count in counts
    ]


def queue_rows(cases, now):
    """Display values of queue rows, from cases.selectors.QUEUE_ROW_FIELDS dicts."""
    case_url = _address_format("cases:case", 0)
    rows = []
    for case in cases:
        due_in = (case["due_at"] - now).total_seconds()
        lease = case["lease_expires_at"]
        rows.append(
            {
                "pk": case["pk"],
                "href": case_url.format(case["pk"]),
                "priority": f"{case['priority']:.0f}",
                "band": priority.band(case["priority"]),
                "policy_code": case["policy__code"],
                "policy_title": case["policy__title"],
                "account": case["account__name"] or case["account__external_id"],
                "kind": case["account__kind"],
                "country": case["country"],
                "signal_count": case["signal_count"],
                "has_reports": case["has_reports"],
                "opened_iso": case["opened_at"].isoformat(),
                "opened_ago": span((now - case["opened_at"]).total_seconds()),
                "overdue": due_in < 0,
                "due": span(due_in),
                "breached": case["sla_breached"] or due_in < 0,
                "status": STATUS_LABELS[case["status"]],
                "assignee": case["assignee__username"] or "",
                "lapsed": bool(case["assignee__username"] and lease and lease < now),
            }
        )
    return rows
