"""Fairness and outreach figures against hand-counted populations."""

import pytest

from cases.models import CaseStatus
from dashboards.periods import Period
from dashboards.selectors import fairness
from dashboards.tests.conftest import NOW, ago
from reputation.models import Account, Badge
from standards.models import ClientStanding, OutreachStep

WEEK = Period.last_days(7, NOW)


def population(country, accounts, freelancers):
    made = Account.objects.bulk_create(
        Account(
            external_id=f"{country or 'xx'}-{n}",
            kind="freelancer" if n < freelancers else "client",
            country=country,
        )
        for n in range(accounts)
    )
    return made


def test_rates_by_country_are_set_against_the_whole_population(history, ann):
    ng, de = population("NG", 40, 30), population("DE", 60, 40)
    fr, unknown = population("FR", 5, 5), population("", 2, 0)
    for account in [*ng[:4], *de[:2], fr[0]]:
        case = history.case(account=account, opened=ago(days=3), status=CaseStatus.ACTIONED)
        history.action(case, by=ann, at=ago(days=2))
    second = history.case("SPAM", account=ng[0], opened=ago(days=3), status=CaseStatus.ACTIONED)
    history.action(second, by=ann, at=ago(days=2))  # the same account twice counts once
    old = history.case(account=de[5], opened=ago(days=30), status=CaseStatus.ACTIONED)
    history.action(old, by=ann, at=ago(days=20))  # outside the period
    for account in [*ng[:3], *de[:8]]:
        Badge.objects.create(account=account, tier="top_rated", awarded_at=ago(days=100))
    Badge.objects.create(account=de[9], tier="top_rated", awarded_at=ago(days=100), revoked_at=ago(days=1))
    figures = fairness.fairness_by_country(WEEK)
    rows = {row["country"]: row for row in figures["rows"]}
    assert [row["country"] for row in figures["rows"]] == ["DE", "NG", "Other"]
    # 107 accounts, 7 actioned; 75 freelancers, 11 with a badge.
    assert figures["total"] == {"accounts": 107, "freelancers": 75, "actioned": 7, "badged": 11}
    assert figures["action_rate"] == pytest.approx(7 / 107)
    assert (rows["NG"]["action_rate"], rows["NG"]["badge_rate"]) == (0.1, 0.1)
    assert rows["NG"]["action_ratio"] == pytest.approx(0.1 / (7 / 107))  # 1.53: flagged
    assert rows["DE"]["action_ratio"] == pytest.approx((2 / 60) / (7 / 107))  # 0.51: flagged
    assert rows["DE"]["badge_ratio"] == pytest.approx((8 / 40) / (11 / 75))  # 1.36: flagged
    assert (rows["NG"]["action_flag"], rows["DE"]["action_flag"], rows["DE"]["badge_flag"]) == (True, True, True)
    assert rows["NG"]["badge_ratio"] == pytest.approx(0.1 / (11 / 75)) and rows["NG"]["badge_flag"]
    # FR (5) and the blank country (2) are too small to stand alone.
    assert (rows["Other"]["accounts"], rows["Other"]["freelancers"], rows["Other"]["actioned"]) == (7, 5, 1)
    assert rows["Other"]["population_share"] == pytest.approx(7 / 107)
    assert unknown and fr


def test_a_rate_near_the_whole_populations_is_not_flagged(history, ann):
    ng, de = population("NG", 50, 50), population("DE", 50, 50)
    for account in [*ng[:5], *de[:5]]:
        history.action(history.case(account=account, opened=ago(days=3)), by=ann, at=ago(days=2))
    rows = {row["country"]: row for row in fairness.fairness_by_country(WEEK)["rows"]}
    assert (rows["NG"]["action_ratio"], rows["NG"]["action_flag"]) == (pytest.approx(1.0), False)
    assert (rows["NG"]["badge_rate"], rows["NG"]["badge_ratio"], rows["NG"]["badge_flag"]) == (0.0, None, False)


def test_the_outreach_funnel_counts_distinct_clients_per_step_in_the_period(history):
    def standing(n):
        return ClientStanding.objects.create(client=history.account(kind="client"), state_since=ago(days=90))

    def step(standing, from_state, to_state, level=0, decision="", days=1):
        OutreachStep.objects.create(
            standing=standing,
            from_state=from_state,
            to_state=to_state,
            level=level,
            decision=decision,
            at=ago(days=days),
        )

    a, b, c, d = (standing(n) for n in range(4))
    for client in (a, b, c):
        step(client, "monitoring", "improvement", days=6)
    step(a, "improvement", "due", days=2)
    step(b, "improvement", "due", days=2)
    step(a, "due", "improvement", level=1, decision="restrict", days=1)
    step(a, "due", "improvement", level=1, decision="extend", days=1)  # an extension is not a restriction
    step(b, "due", "monitoring", decision="monitor", days=1)
    step(d, "monitoring", "enforcement", days=1)  # a hard trigger skips outreach
    step(c, "monitoring", "improvement", days=30)  # an older notice: c counts once, from inside the period
    ClientStanding.objects.filter(pk=a.pk).update(state="improvement", level=1)
    ClientStanding.objects.filter(pk=d.pk).update(state="enforcement")
    funnel = fairness.outreach_funnel(WEEK)
    assert [(row["label"], row["clients"]) for row in funnel["steps"]] == [
        ("Outreach notice sent", 3),
        ("Re-evaluation due", 2),
        ("Restricted: level 1", 1),
        ("Restricted: level 2", 0),
        ("Referred to enforcement", 1),
        ("Improved: back to monitoring", 1),
    ]
    assert funnel["steps"][1]["of_notified"] == pytest.approx(2 / 3)
    assert [(row["state"], row["level"], row["n"]) for row in funnel["now"]] == [
        ("enforcement", 0, 1),
        ("improvement", 1, 1),
    ]
