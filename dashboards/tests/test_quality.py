"""Decision-quality figures against hand-counted histories. The period is the 7 days before NOW;
the previous period the 7 days before that."""

from datetime import timedelta

import pytest

from cases.models import Appeal, CaseStatus, QaReview
from dashboards.periods import Period
from dashboards.selectors import quality
from dashboards.tests.conftest import NOW, ago

WEEK = Period.last_days(7, NOW)


def appeal(history, action, status, decided_days_ago, by):
    return Appeal.objects.create(
        action=action,
        statement="Not me.",
        filed_at=ago(days=decided_days_ago + 1),
        filed_via="api:test",
        status=status,
        decided_by=by if status != "open" else None,
        decided_at=ago(days=decided_days_ago) if status != "open" else None,
    )


def test_overturn_rates_per_policy_and_per_proposing_analyst(history, ann, bob, lead):
    def appealed(policy, by, status, days=1):
        case = history.case(policy, opened=ago(days=20), status=CaseStatus.ACTIONED, decided_at=ago(days=19))
        appeal(history, history.action(case, by=by, at=ago(days=19)), status, days, lead)

    appealed("CIR-PAY", ann, "overturned")
    appealed("CIR-PAY", ann, "overturned")
    appealed("CIR-PAY", bob, "upheld")
    appealed("SPAM", bob, "upheld")
    appealed("SPAM", bob, "open")  # not decided
    appealed("SPAM", ann, "overturned", days=10)  # decided before the period
    figures = quality.appeal_overturns(WEEK)
    by_policy = {row["action__policy__code"]: row for row in figures["by_policy"]}
    assert {code: (row["decided"], row["overturned"]) for code, row in by_policy.items()} == {
        "CIR-PAY": (3, 2),
        "SPAM": (1, 0),
    }
    assert by_policy["CIR-PAY"]["rate"] == pytest.approx(2 / 3)
    assert [(row["label"], row["decided"], row["overturned"], row["rate"]) for row in figures["by_analyst"]] == [
        ("ann", 2, 2, 1.0),
        ("bob", 2, 0, 0.0),
    ]


def decided_cases(history, detector, count, actioned, days_ago):
    for n in range(count):
        status = CaseStatus.ACTIONED if n < actioned else CaseStatus.DISMISSED
        case = history.case(opened=ago(days=days_ago + 1), status=status, decided_at=ago(days=days_ago))
        history.signal(case, detector)
        if n == 0:
            history.signal(case, detector)  # two signals on one case still count one case


def test_detector_precision_compares_the_period_with_the_previous_one(history):
    decided_cases(history, "contact-info", 10, 8, days_ago=2)
    decided_cases(history, "contact-info", 10, 5, days_ago=9)
    decided_cases(history, "scam-job", 4, 1, days_ago=2)
    decided_cases(history, "scam-job", 2, 2, days_ago=20)  # older than both periods
    open_case = history.case(opened=ago(days=1))
    history.signal(open_case, "scam-job")  # undecided: no outcome yet
    rows = {row["detector"].slug: row for row in quality.detector_precision(WEEK)}
    contact = rows["contact-info"]
    assert (contact["now_decided"], contact["now_actioned"], contact["before_decided"]) == (10, 8, 10)
    assert (contact["precision"], contact["previous"], contact["drift"], contact["alert"]) == (0.8, 0.5, 30.0, True)
    scam = rows["scam-job"]
    assert (scam["now_decided"], scam["precision"], scam["previous"], scam["drift"], scam["alert"]) == (
        4,
        0.25,
        None,
        None,
        False,
    )
    # Every detector is listed, silent ones with no rate rather than 0 %.
    assert rows["ato"]["precision"] is None


def test_drift_is_flagged_from_ten_points(history):
    decided_cases(history, "contact-info", 10, 6, days_ago=2)
    decided_cases(history, "contact-info", 10, 5, days_ago=9)
    row = next(row for row in quality.detector_precision(WEEK) if row["detector"].slug == "contact-info")
    assert (row["drift"], row["alert"]) == (10.0, True)
    decided_cases(history, "contact-info", 2, 0, days_ago=2)  # now 6 of 12 = 50 %, drift 0
    row = next(row for row in quality.detector_precision(WEEK) if row["detector"].slug == "contact-info")
    assert (row["drift"], row["alert"]) == (0.0, False)


def test_analyst_figures_count_decisions_handling_time_deviations_overturns_and_qa(history, ann, bob, lead):
    # ann decides three cases, claimed 10, 20 and 60 minutes before deciding: median 20 minutes.
    decided = []
    for minutes in (10, 20, 60):
        decided.append(
            history.case(
                opened=ago(days=2),
                status=CaseStatus.DISMISSED,
                claimed_at=ago(days=1, minutes=minutes),
                decided_at=ago(days=1),
                decided_by=ann,
            )
        )
    # bob decides two (median of 5 and 15 minutes: 10), one bulk-dismissed unclaimed (no time).
    for minutes in (5, 15, None):
        history.case(
            opened=ago(days=2),
            status=CaseStatus.ACTIONED,
            claimed_at=ago(days=1, minutes=minutes) if minutes else None,
            decided_at=ago(days=1),
            decided_by=bob,
        )
    history.case(opened=ago(days=12), status=CaseStatus.DISMISSED, decided_at=ago(days=11), decided_by=bob)
    # ann proposes two actions, one against the ladder; an appeal against the other is overturned.
    kept = history.action(history.case(opened=ago(days=3)), "warn", by=ann, at=ago(days=2))
    history.action(history.case(opened=ago(days=3)), "suspend", by=ann, at=ago(days=2), recommended="warn")
    appeal(history, kept, "overturned", 1, lead)
    # Blind reviews of ann's decisions: one agrees, one does not.
    for case, agrees in zip(decided[:2], (True, False), strict=True):
        QaReview.objects.create(
            case=case,
            policy=case.policy,
            first_reviewer=ann,
            first_verdict="no_violation",
            sampled_at=ago(days=1),
            reviewer=bob,
            verdict="no_violation" if agrees else "warn",
            completed_at=ago(hours=5),
            outcome_agrees=agrees,
            action_agrees=agrees,
        )
    rows = {row["username"]: row for row in quality.analyst_figures(WEEK)}
    assert set(rows) == {"ann", "bob"}
    ann_row, bob_row = rows["ann"], rows["bob"]
    assert (ann_row["handled"], ann_row["median_seconds"]) == (3, pytest.approx(20 * 60))
    assert (ann_row["proposed"], ann_row["deviations"], ann_row["deviation_rate"], ann_row["overturned"]) == (
        2,
        1,
        0.5,
        1,
    )
    assert (ann_row["qa_reviewed"], ann_row["qa_agreed"], ann_row["qa_agreement"]) == (2, 1, 0.5)
    assert (bob_row["handled"], bob_row["median_seconds"]) == (3, pytest.approx(10 * 60))
    assert (bob_row["proposed"], bob_row["deviation_rate"], bob_row["qa_agreement"]) == (0, None, None)


def test_qa_agreement_per_policy_and_the_latest_disagreements(history, ann, bob):
    def reviewed(policy, first, second, days_ago=1):
        case = history.case(policy, opened=ago(days=days_ago + 2), status=CaseStatus.DISMISSED)
        return QaReview.objects.create(
            case=case,
            policy=case.policy,
            first_reviewer=ann,
            first_verdict=first,
            sampled_at=ago(days=days_ago + 1),
            reviewer=bob,
            verdict=second,
            completed_at=ago(days=days_ago),
            outcome_agrees=(first == "no_violation") == (second == "no_violation"),
            action_agrees=first == second,
        )

    reviewed("CIR-PAY", "warn", "warn")
    reviewed("CIR-PAY", "warn", "suspend")
    reviewed("CIR-PAY", "warn", "no_violation")
    reviewed("CIR-PAY", "warn", "warn")
    against = reviewed("SPAM", "no_violation", "remove_content")
    reviewed("SPAM", "no_violation", "ban", days_ago=9)  # completed before the period
    figures = quality.qa_agreement(WEEK)
    assert [
        (row["policy__code"], row["reviewed"], row["outcome_rate"], row["action_rate"]) for row in figures["by_policy"]
    ] == [("CIR-PAY", 4, 0.75, 0.5), ("SPAM", 1, 0.0, 0.0)]
    assert figures["disagreements"][0].pk == against.pk
    assert len(figures["disagreements"]) == 2


def test_the_previous_period_is_the_same_length_just_before():
    before = WEEK.previous()
    assert (before.end, before.end - before.start) == (WEEK.start, timedelta(days=7))
