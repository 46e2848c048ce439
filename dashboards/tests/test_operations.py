"""Operations figures against hand-counted histories. The period is the 7 days before NOW."""

from datetime import date, timedelta

from cases.models import CaseStatus, Policy, Queue
from dashboards.periods import Period
from dashboards.selectors import operations
from dashboards.tests.conftest import NOW, ago

WEEK = Period.last_days(7, NOW)


def test_the_backlog_counts_open_cases_by_queue_and_age_and_lists_every_queue(history):
    opened = [ago(hours=1), ago(hours=10), ago(days=2), ago(days=5), ago(days=8), ago(days=9)]
    for moment in opened:
        history.case(opened=moment, due_at=NOW + timedelta(days=1))
    history.case(opened=ago(hours=3), status=CaseStatus.ESCALATED, due_at=NOW - timedelta(minutes=1))
    history.case(opened=ago(days=8), status=CaseStatus.DISMISSED, decided_at=ago(days=7))
    rows = {row["queue"].slug: row for row in operations.backlog(NOW)}
    queue_of_policy = rows[Policy.objects.get(code="CIR-PAY").queue.slug]
    # Under 4 h: 1 h and the escalated 3 h one; 4 to 24 h: 10 h; 1 to 3 d: 2 d; 3 to 7 d: 5 d; 7 d+: 8 and 9 d.
    assert queue_of_policy["ages"] == [2, 1, 1, 1, 2]
    assert (queue_of_policy["open"], queue_of_policy["breached"], queue_of_policy["at_risk"]) == (7, 1, 0)
    assert set(rows) == set(Queue.objects.values_list("slug", flat=True))
    assert all(row["open"] == 0 and sum(row["ages"]) == 0 for row in rows.values() if row is not queue_of_policy)


def test_cases_due_within_four_hours_are_at_risk_and_past_due_ones_breached(history):
    history.case(opened=ago(hours=20), due_at=NOW + timedelta(hours=3))
    history.case(opened=ago(hours=20), due_at=NOW + timedelta(hours=5))
    history.case(opened=ago(hours=30), due_at=NOW - timedelta(hours=2))
    history.case(opened=ago(hours=30), due_at=NOW)
    row = next(row for row in operations.backlog(NOW) if row["open"])
    assert (row["breached"], row["at_risk"]) == (2, 1)


def test_sla_alerts_list_open_overdue_cases_longest_overdue_first(history):
    late = history.case(opened=ago(days=3), due_at=ago(hours=5))
    later = history.case(opened=ago(days=4), due_at=ago(hours=30))
    history.case(opened=ago(days=4), due_at=ago(hours=40), status=CaseStatus.ACTIONED, decided_at=ago(hours=1))
    history.case(opened=ago(hours=1))
    alerts = operations.sla_alerts(NOW)
    assert [(alert["case"].pk, alert["overdue"]) for alert in alerts] == [
        (later.pk, timedelta(hours=30)),
        (late.pk, timedelta(hours=5)),
    ]


def test_throughput_counts_each_day_of_the_period_by_decision_as_it_stands(history):
    for hours, status in [(2, "actioned"), (3, "actioned"), (4, "dismissed"), (24 * 5 + 1, "actioned")]:
        history.case(opened=ago(hours=hours + 1), status=status, decided_at=ago(hours=hours))
    history.case(opened=ago(days=10), status=CaseStatus.ACTIONED, decided_at=ago(days=8))  # before the period
    history.case(opened=ago(hours=6), decided_at=ago(hours=5))  # decided, then reopened: not counted
    days = {row["day"]: row for row in operations.throughput(WEEK)}
    assert sorted(days) == [date(2026, 6, 23) + timedelta(days=n) for n in range(8)]
    assert days[date(2026, 6, 30)] == {"day": date(2026, 6, 30), "opened": 4, "actioned": 2, "dismissed": 1}
    assert days[date(2026, 6, 25)] == {"day": date(2026, 6, 25), "opened": 1, "actioned": 1, "dismissed": 0}
    assert sum(row["actioned"] + row["dismissed"] for row in days.values()) == 4


def test_the_action_mix_counts_actions_applied_in_the_period_with_their_reversals(history, ann):
    for kind, days, status in [
        ("warn", 1, "applied"),
        ("warn", 2, "applied"),
        ("warn", 3, "reversed"),
        ("suspend", 1, "applied"),
        ("ban", 9, "applied"),  # before the period
        ("ban", 1, "pending_approval"),  # never applied
    ]:
        case = history.case(opened=ago(days=days + 1))
        history.action(case, kind, by=ann, at=ago(days=days), status=status)
    mix = operations.action_mix(WEEK)
    assert [(row["kind"], row["applied"], row["reversed"], row["share"]) for row in mix] == [
        ("warn", 3, 1, 0.75),
        ("suspend", 1, 0, 0.25),
    ]


def test_grouping_lag_counts_signals_waiting_for_a_case_and_the_oldest_wait(catalogue):
    from cases.models import Detector
    from cases.services.api_clients import create_api_client
    from cases.services.grouping import group_pending_signals
    from cases.services.intake import IntakeItem, accept
    from cases.tests.conftest import ROBOT
    from reputation.services import AccountSpec

    client, _ = create_api_client(
        actor=ROBOT, name="lagging", scopes=["signals"], detector=Detector.objects.get(slug="scam-job")
    )

    def item(n):
        return IntakeItem(
            client_item_id=f"s-{n}", source="detector", subject=AccountSpec(f"cl-{n}"), observed_at=ago(hours=1)
        )

    assert operations.grouping_lag(NOW) == {"count": 0, "wait_seconds": None}
    accept(client=client, items=[item(1)], now=ago(minutes=3))
    accept(client=client, items=[item(2), item(3)], now=ago(seconds=10))
    assert operations.grouping_lag(NOW) == {"count": 3, "wait_seconds": 180}
    group_pending_signals(actor=ROBOT, now=NOW)
    assert operations.grouping_lag(NOW) == {"count": 0, "wait_seconds": None}
