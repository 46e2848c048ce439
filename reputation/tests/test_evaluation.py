"""The weekly badge evaluation against the database: awards after the weekly record, hysteresis,
hard failures, overrides left alone, idempotent and resumable runs."""

from datetime import date, timedelta

import pytest

from cases.models import Policy
from cases.services.enforcement import takes_badges
from reputation import standing
from reputation.evaluation import HISTORY_WEEKS, evaluate_badges, unfinished_evaluation
from reputation.models import Badge, BadgeEvaluation, BadgeOverride, BadgeWeek, RestrictionKind
from reputation.tests.conftest import ROBOT, freelancer_with_record, monday_at_noon, score_week
from trustconsole.models import AuditAction, AuditEvent

STRONG, BETWEEN, WEAK = (0.95, 0.85), (0.88, 0.70), (0.80, 0.60)


def run_week(account, week, figures):
    moment = monday_at_noon(week)
    score_week(account, moment, *figures)
    return evaluate_badges(actor=ROBOT, now=moment)


def held(account):
    return set(Badge.objects.filter(account=account, revoked_at__isnull=True).values_list("tier", flat=True))


@pytest.fixture
def star(db):
    return freelancer_with_record()


def test_top_rated_comes_in_the_13th_strong_week_and_rising_talent_in_the_first(star):
    run_week(star, 0, STRONG)
    assert held(star) == {"rising_talent"}
    for week in range(1, 12):
        run_week(star, week, STRONG)
    assert held(star) == {"rising_talent"}
    run_week(star, 12, STRONG)
    assert held(star) == {"rising_talent", "top_rated", "top_rated_plus"}
    award = AuditEvent.objects.get(action=AuditAction.BADGE_AWARDED, changes__badge=[None, "top_rated"])
    assert (award.subject_account, award.context["weeks_met"], award.actor_name) == (
        "fl-star",
        13,
        "system:test-setup",
    )
    assert Badge.objects.get(account=star, tier="top_rated").source_ref == "rule v1"


def test_a_holder_between_the_bars_keeps_the_badge_and_below_them_is_demoted_after_the_warning(star):
    for week in range(13):
        run_week(star, week, STRONG)
    for week in range(13, 16):
        run_week(star, week, BETWEEN)
    assert "top_rated" in held(star)
    assert Badge.objects.get(account=star, tier="top_rated", revoked_at__isnull=True).warning_since is None
    run_week(star, 16, WEAK)
    badge = Badge.objects.get(account=star, tier="top_rated", revoked_at__isnull=True)
    assert badge.warning_since == monday_at_noon(16).date()
    warned = AuditEvent.objects.get(action=AuditAction.BADGE_WARNED, target_id=str(badge.pk))
    assert "score" in warned.context["shortfalls"]
    for week in range(17, 20):
        run_week(star, week, WEAK)
        assert "top_rated" in held(star)
    run_week(star, 20, WEAK)
    assert "top_rated" not in held(star)
    badge.refresh_from_db()
    assert badge.revoked_source == "evaluation" and "keep bar" in badge.revoked_reason


def test_recovering_during_the_warning_clears_it(star):
    for week in range(13):
        run_week(star, week, STRONG)
    run_week(star, 13, WEAK)
    run_week(star, 14, STRONG)
    badge = Badge.objects.get(account=star, tier="top_rated", revoked_at__isnull=True)
    assert badge.warning_since is None
    assert AuditEvent.objects.filter(action=AuditAction.BADGE_WARNING_CLEARED, target_id=str(badge.pk)).exists()


def test_a_suspension_removes_every_badge_at_once_and_blocks_new_ones(star):
    for week in range(13):
        run_week(star, week, STRONG)
    standing.impose_restriction(
        actor=ROBOT, account_id=star.pk, kind=RestrictionKind.SUSPEND, reason="fraud", source="action:1"
    )
    run_week(star, 13, STRONG)
    assert held(star) == set()
    assert AuditEvent.objects.filter(action=AuditAction.BADGE_REVOKED, subject_account="fl-star").count() == 3


def test_a_fraud_finding_takes_badges_whatever_the_action():
    fraud, other = Policy(dsa_category="scams_and_fraud"), Policy(dsa_category="illegal_or_harmful_speech")
    assert takes_badges("warn", fraud)
    assert not takes_badges("warn", other)
    assert takes_badges("suspend", other) and takes_badges("ban", other)


def test_an_override_in_force_is_left_alone_by_the_rules(star, admin):
    from reputation.overrides import request_override

    run_week(star, 0, STRONG)
    request_override(
        actor=admin, account_id=star.pk, tier="rising_talent", effect="revoke", reason="feedback review", days=30
    )
    assert "rising_talent" not in held(star)
    run_week(star, 1, STRONG)
    assert "rising_talent" not in held(star)
    assert BadgeOverride.objects.get().status == "active"


def test_evaluating_the_same_week_twice_changes_nothing_more(star):
    moment = monday_at_noon(0)
    score_week(star, moment, *STRONG)
    evaluate_badges(actor=ROBOT, now=moment)
    rows_after_first = AuditEvent.objects.exclude(action=AuditAction.BADGES_EVALUATED).count()
    weeks_after_first = list(BadgeWeek.objects.values_list("account_id", "week", "met", "kept"))
    evaluate_badges(actor=ROBOT, now=moment)
    assert AuditEvent.objects.exclude(action=AuditAction.BADGES_EVALUATED).count() == rows_after_first
    assert list(BadgeWeek.objects.values_list("account_id", "week", "met", "kept")) == weeks_after_first
    assert Badge.objects.filter(account=star).count() == 1


def test_a_run_killed_between_chunks_resumes_without_duplicates(db):
    stars = [freelancer_with_record(f"fl-{n}") for n in range(3)]
    moment = monday_at_noon(0)
    for account in stars:
        score_week(account, moment, *STRONG)

    def crash_after_first_chunk(run):
        raise RuntimeError("worker killed")

    with pytest.raises(RuntimeError):
        evaluate_badges(actor=ROBOT, now=moment, chunk_size=1, after_chunk=crash_after_first_chunk)
    run = unfinished_evaluation()
    assert run.accounts_done == 1
    evaluate_badges(actor=ROBOT, now=moment, run=run, chunk_size=1)
    assert BadgeEvaluation.objects.get().finished_at is not None
    assert BadgeWeek.objects.count() == 3
    assert Badge.objects.filter(tier="rising_talent").count() == 3


def test_the_command_and_the_weekly_job_evaluate_as_the_system(star, capsys):
    from django.core.management import call_command
    from django_rq.cron import DjangoCronScheduler

    from reputation.jobs import evaluate_badges_job, expire_overrides_job

    score_week(star, monday_at_noon(0), *STRONG)
    call_command("evaluate_badges")
    assert "1 freelancers evaluated" in capsys.readouterr().out
    assert AuditEvent.objects.get(action=AuditAction.BADGES_EVALUATED).actor_name == "system:evaluate_badges"
    scheduler = DjangoCronScheduler()
    scheduler.load_config_from_file("trustconsole.cron")
    jobs = {job.func: job for job in scheduler.get_jobs()}
    assert (jobs[evaluate_badges_job].queue_name, jobs[evaluate_badges_job].cron) == ("reputation", "0 6 * * 1")
    assert (jobs[expire_overrides_job].queue_name, jobs[expire_overrides_job].interval) == ("default", 300)
    assert expire_overrides_job() == 0


def test_every_week_is_stored_with_its_figures_and_old_weeks_that_met_nothing_are_dropped(star):
    long_ago = date(2026, 6, 1) - timedelta(weeks=HISTORY_WEEKS)
    BadgeWeek.objects.create(account=star, week=long_ago, met=[], kept=[], figures={})
    BadgeWeek.objects.create(account=star, week=long_ago - timedelta(weeks=1), met=["top_rated"], kept=["top_rated"])
    run_week(star, 0, (0.3, 0.1))  # far below every bar: stored all the same, for the simulator
    this_week = BadgeWeek.objects.get(account=star, week=date(2026, 6, 1))
    assert (this_week.met, this_week.kept, this_week.figures["score"]) == ([], [], 0.3)
    assert list(BadgeWeek.objects.filter(account=star).order_by("week").values_list("met", flat=True)) == [
        ["top_rated"],
        [],
    ]
