"""The badge rules as pure functions: the 13-of-16 window, hysteresis, projection, shortfalls."""

from datetime import date

from reputation import badge_rules
from reputation.badge_rules import AWARD, CLEAR_WARNING, DEMOTE, KEEP, NOTHING, WARN, WEEK, Figures, Rule

TOP_RATED = Rule(
    tier="top_rated",
    version=1,
    min_score=0.90,
    min_lower_bound=0.72,
    keep_score=0.87,
    keep_lower_bound=0.68,
    min_earnings_12m_cents=100_000,
    min_tenure_days=90,
    min_distinct_clients=2,
    required_weeks=13,
    window_weeks=16,
    warning_weeks=4,
)
THIS_WEEK = date(2026, 11, 16)  # a Monday


def weeks_back(*offsets):
    return {THIS_WEEK - WEEK * back for back in offsets}


def figures(**overrides):
    values = {
        "score": 0.93,
        "lower_bound": 0.80,
        "public": True,
        "earnings_12m_cents": 500_000,
        "tenure_days": 400,
        "distinct_clients": 5,
        "largest_contract_cents": 100_000,
        "days_since_trouble": None,
        "days_since_active": 3.0,
    }
    return Figures(**{**values, **overrides})


def test_top_rated_needs_its_bar_in_13_of_the_last_16_weeks_including_this_one():
    twelve = weeks_back(*range(12))
    thirteen = weeks_back(*range(13))
    assert not badge_rules.eligible(twelve, THIS_WEEK, TOP_RATED)
    assert badge_rules.eligible(thirteen, THIS_WEEK, TOP_RATED)
    # Three misses anywhere in the window are allowed; four are not.
    assert badge_rules.eligible(weeks_back(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 15), THIS_WEEK, TOP_RATED)
    assert not badge_rules.eligible(weeks_back(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14), THIS_WEEK, TOP_RATED)


def test_weeks_outside_the_window_do_not_count_and_this_week_must_meet_the_bar():
    old_and_recent = weeks_back(*range(1, 13), 16, 17, 18)
    assert badge_rules.weeks_met(old_and_recent, THIS_WEEK, TOP_RATED) == 12
    assert not badge_rules.eligible(weeks_back(*range(1, 16)), THIS_WEEK, TOP_RATED)


def test_an_unheld_badge_is_awarded_only_when_eligible():
    eligible = weeks_back(*range(13))
    decide = badge_rules.decide
    assert decide(TOP_RATED, held=False, warning_since=None, met_weeks=eligible, kept_now=True, week=THIS_WEEK) == AWARD
    almost = weeks_back(*range(12))
    assert decide(TOP_RATED, held=False, warning_since=None, met_weeks=almost, kept_now=True, week=THIS_WEEK) == NOTHING


def test_a_holder_above_the_keep_bar_keeps_the_badge_though_below_the_award_bar():
    between = figures(score=0.88, lower_bound=0.70)
    assert not badge_rules.meets(TOP_RATED, between)
    assert badge_rules.meets(TOP_RATED, between, keep=True)
    step = badge_rules.decide(TOP_RATED, held=True, warning_since=None, met_weeks=set(), kept_now=True, week=THIS_WEEK)
    assert step == KEEP


def test_a_holder_below_the_keep_bar_is_warned_then_demoted_after_the_warning_period():
    def step(warned_weeks_ago):
        since = None if warned_weeks_ago is None else THIS_WEEK - WEEK * warned_weeks_ago
        return badge_rules.decide(
            TOP_RATED, held=True, warning_since=since, met_weeks=set(), kept_now=False, week=THIS_WEEK
        )

    assert step(None) == WARN
    assert [step(weeks) for weeks in (0, 1, 2, 3)] == [KEEP, KEEP, KEEP, KEEP]
    assert step(4) == DEMOTE


def test_recovering_above_the_keep_bar_clears_the_warning():
    since = THIS_WEEK - WEEK * 2
    step = badge_rules.decide(TOP_RATED, held=True, warning_since=since, met_weeks=set(), kept_now=True, week=THIS_WEEK)
    assert step == CLEAR_WARNING


def test_a_rule_without_a_warning_period_demotes_at_once():
    strict = Rule(**{**TOP_RATED.__dict__, "warning_weeks": 0})
    step = badge_rules.decide(strict, held=True, warning_since=None, met_weeks=set(), kept_now=False, week=THIS_WEEK)
    assert step == DEMOTE


def test_shortfalls_name_every_condition_missed():
    weak = figures(score=0.5, earnings_12m_cents=0, days_since_trouble=10.0, days_since_active=None, public=False)
    assert badge_rules.shortfalls(TOP_RATED, weak) == [
        "public score",
        "score",
        "12-month earnings",
        "good standing",
        "recent activity",
    ]
    assert badge_rules.shortfalls(TOP_RATED, figures()) == []
    # Trouble longer ago than the clean window no longer counts.
    assert badge_rules.meets(TOP_RATED, figures(days_since_trouble=91.0))
    assert not badge_rules.meets(TOP_RATED, figures(days_since_trouble=90.0))


def test_the_projection_is_the_first_week_the_window_could_hold_13_met_weeks():
    # Met the last 10 weeks: three more weeks from now on are needed.
    met = weeks_back(*range(10))
    assert badge_rules.projected_week(met, THIS_WEEK, TOP_RATED) == THIS_WEEK + 3 * WEEK
    # Nothing met yet: thirteen weeks from now.
    assert badge_rules.projected_week(set(), THIS_WEEK, TOP_RATED) == THIS_WEEK + 13 * WEEK
    # Already eligible: nothing to project.
    assert badge_rules.projected_week(weeks_back(*range(13)), THIS_WEEK, TOP_RATED) is None


def test_the_projection_counts_met_weeks_that_will_leave_the_window():
    # Met weeks 15, 14 and 13 weeks ago will slide out of the window as new weeks come in.
    met = weeks_back(13, 14, 15, *range(1, 10))
    assert badge_rules.weeks_met(met, THIS_WEEK, TOP_RATED) == 12
    assert badge_rules.projected_week(met, THIS_WEEK, TOP_RATED) == THIS_WEEK + 4 * WEEK
