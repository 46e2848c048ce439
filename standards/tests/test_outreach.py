"""Outreach transitions on PostgreSQL: the daily assessment, every lead decision and every
refusal, the retroactive exclusion of a level-2 client's feedback, and hard triggers."""

import importlib
import threading
from datetime import timedelta

import django_rq
import pytest
from django.apps import apps
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from cases.models import Case, CaseStatus
from conftest import make_staff, run_queued_jobs
from reputation.models import Account, Contract, Restriction
from reputation.scores import last_two_snapshots, recompute_scores
from reputation.scoring import RATER_BELOW_STANDARDS, explain_change
from standards import services
from standards.assessment import assess_clients
from standards.models import ClientAssessment, ClientStanding, OutreachState, OutreachStep, OutreachTemplate
from standards.tests.conftest import NOW, act, client_account, contract, days_ago, freelancer, rated_by
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent, Notice
from trustconsole.roles import LEAD

ROBOT = SystemActor("client-standards")


def run_on(moment):
    return assess_clients(actor=ROBOT, as_of=moment)


def standing_of(client):
    return ClientStanding.objects.get(client=client)


def audit_count():
    return AuditEvent.objects.count()


def to_due(client):
    """Outreach today, then the period ends with the client still below standard."""
    run_on(NOW)
    run_on(NOW + timedelta(days=61))
    standing = standing_of(client)
    assert standing.state == OutreachState.DUE
    return standing


def due_again(client):
    """The current improvement period ends with the client still below standard; returns the
    moment of that assessment."""
    moment = standing_of(client).period_ends_at + timedelta(days=1)
    run_on(moment)
    assert standing_of(client).state == OutreachState.DUE
    return moment + timedelta(hours=1)


def decide(lead, client, decision, reason="Still ghosting freelancers after outreach.", **kwargs):
    standing = standing_of(client)
    return services.decide(
        actor=lead,
        client_id=client.pk,
        expected_version=kwargs.pop("version", standing.version),
        decision=decision,
        reason=reason,
        now=kwargs.pop("now", NOW + timedelta(days=62)),
        **kwargs,
    )


def test_the_daily_assessment_starts_outreach_for_a_client_below_standard(rude_client):
    run_on(NOW)
    standing = standing_of(rude_client)
    assert (standing.state, standing.level) == (OutreachState.IMPROVEMENT, 0)
    assert standing.period_ends_at == NOW + timedelta(days=60)
    assert standing.baseline_id == standing.latest_id
    notice = Notice.objects.get(kind="client_outreach")
    assert notice.to_email == "cl-rude@example.com"
    assert "Freelancers rating the client poorly: 3 (limit 3)" in notice.body
    assert "until 2027-01-01" in notice.body
    event = AuditEvent.objects.get(action=AuditAction.OUTREACH_STARTED)
    assert event.subject_account == "cl-rude"
    assert event.changes == {"state": ["monitoring", "improvement"], "level": [0, 0]}
    assert OutreachStep.objects.get().to_state == OutreachState.IMPROVEMENT


def test_a_client_at_standard_is_assessed_and_left_in_monitoring(catalogue):
    client = client_account("cl-fine")
    rated_by(client, 4, 5)
    run_on(NOW)
    assessment = ClientAssessment.objects.get(client=client)
    assert not assessment.below_standard and assessment.tripped == []
    assert standing_of(client).state == OutreachState.MONITORING
    assert not Notice.objects.exists()


def test_the_assessment_of_a_day_is_idempotent(rude_client):
    run_on(NOW)
    counts = (ClientAssessment.objects.count(), audit_count(), Notice.objects.count(), OutreachStep.objects.count())
    run_on(NOW + timedelta(hours=3))
    assert (
        ClientAssessment.objects.count(),
        audit_count(),
        Notice.objects.count(),
        OutreachStep.objects.count(),
    ) == counts
    next_day = run_on(NOW + timedelta(days=1))
    assert ClientAssessment.objects.filter(client=rude_client).count() == 2
    assert standing_of(rude_client).state == OutreachState.IMPROVEMENT
    assert next_day.clients_done >= 1


def test_an_interrupted_assessment_resumes_where_it_stopped(catalogue):
    clients = [client_account(f"cl-{n}") for n in range(3)]
    for client in clients:
        rated_by(client, 3, 1)

    class Killed(Exception):
        pass

    def kill(run):
        raise Killed

    with pytest.raises(Killed):
        assess_clients(actor=ROBOT, as_of=NOW, chunk_size=1, after_chunk=kill)
    assert ClientStanding.objects.filter(state=OutreachState.IMPROVEMENT).count() == 1
    run = assess_clients(actor=ROBOT, as_of=NOW, chunk_size=1)
    assert run.finished_at is not None
    assert ClientStanding.objects.filter(state=OutreachState.IMPROVEMENT).count() == 3
    assert Notice.objects.filter(kind="client_outreach").count() == 3


def test_a_client_that_improved_returns_to_monitoring_when_the_period_ends(rude_client):
    run_on(NOW)
    Contract.objects.filter(client=rude_client).update(freelancer_public=5)
    run_on(NOW + timedelta(days=61))
    standing = standing_of(rude_client)
    assert (standing.state, standing.period_ends_at, standing.baseline_id) == (OutreachState.MONITORING, None, None)
    assert AuditEvent.objects.filter(action=AuditAction.OUTREACH_MONITORING).count() == 1
    assert Notice.objects.filter(subject__contains="good standing").count() == 1


def test_a_client_still_below_standard_waits_for_a_lead(rude_client):
    run_on(NOW)
    run_on(NOW + timedelta(days=59))
    assert standing_of(rude_client).state == OutreachState.IMPROVEMENT
    standing = to_due(rude_client)
    assert AuditEvent.objects.filter(action=AuditAction.OUTREACH_DUE, subject_account="cl-rude").exists()
    assert standing.level == 0


def test_restricting_to_level_one_funds_milestones_and_caps_contracts(rude_client, lead):
    to_due(rude_client)
    decide(lead, rude_client, "restrict")
    standing = standing_of(rude_client)
    assert (standing.state, standing.level) == (OutreachState.IMPROVEMENT, 1)
    restriction = Restriction.objects.get(pk__in=standing.restriction_ids)
    assert restriction.capabilities == ["contracts_over_cap", "unfunded_work"]
    assert restriction.limits == {"max_concurrent_contracts": 3}
    assert Account.objects.get(pk=rude_client.pk).status == "restricted"
    event = AuditEvent.objects.get(action=AuditAction.OUTREACH_RESTRICTED)
    assert event.actor_name == "lee" and event.changes["level"] == [0, 1]
    assert event.context["limits"] == {"max_concurrent_contracts": 3}
    assert Notice.objects.filter(subject__contains="restricted").count() == 1


def test_level_two_pauses_job_posts_and_excludes_the_clients_recent_feedback_from_scores(rude_client, lead):
    recent = Contract.objects.filter(client=rude_client).order_by("pk").first()
    old_worker = freelancer("fl-old")
    old = contract(
        rude_client,
        old_worker,
        "c-old",
        started_at=days_ago(400),
        ended_at=days_ago(300),
        client_private=2,
        client_public=2,
        feedback_at=days_ago(300),
    )
    untouched = freelancer("fl-elsewhere")
    other_client = client_account("cl-other")
    contract(other_client, untouched, "c-elsewhere", client_private=9, client_public=5, feedback_at=days_ago(20))
    to_due(rude_client)
    decide(lead, rude_client, "restrict")
    level_two_at = due_again(rude_client)
    decide(lead, rude_client, "restrict", now=level_two_at)
    since = level_two_at - timedelta(days=180)
    assert Account.objects.get(pk=rude_client.pk).feedback_excluded_since == since
    standing = standing_of(rude_client)
    assert standing.level == 2
    job_posts = Restriction.objects.filter(pk__in=standing.restriction_ids, capabilities__contains=["job_posts"])
    assert job_posts.exists()
    event = AuditEvent.objects.get(action=AuditAction.CLIENT_FEEDBACK_EXCLUDED)
    rescored = Contract.objects.filter(client=rude_client, feedback_at__gte=since).values_list(
        "freelancer_id", flat=True
    )
    assert sorted(event.context["freelancers"]) == sorted(rescored)
    assert old_worker.pk not in event.context["freelancers"] and untouched.pk not in event.context["freelancers"]
    assert recent.freelancer_id in event.context["freelancers"]
    assert old.freelancer_id not in event.context["freelancers"]


def test_the_rescore_after_level_two_shows_the_exclusion_in_each_affected_freelancers_diff(
    catalogue, lead, django_capture_on_commit_callbacks
):
    client = client_account()
    contracts = rated_by(client, 3, 1)
    untouched = freelancer("fl-elsewhere")
    contract(
        client_account("cl-other"),
        untouched,
        "c-elsewhere",
        client_private=9,
        client_public=5,
        feedback_at=days_ago(20),
    )
    recompute_scores(actor=ROBOT)  # every freelancer's "before"
    to_due(client)
    with django_capture_on_commit_callbacks(execute=True):
        decide(lead, client, "restrict")
    level_two_at = due_again(client)
    queue = django_rq.get_queue("reputation")
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        decide(lead, client, "restrict", now=level_two_at)
    run_queued_jobs("reputation")
    for made in contracts:
        older, newer = reversed(last_two_snapshots(made.freelancer))
        entry = next(e for e in newer.ledger if e["contract_id"] == made.pk)
        assert entry["excluded"] == RATER_BELOW_STANDARDS
        change = explain_change(older.ledger, newer.ledger, older.params_version, newer.params_version)
        assert change["exclusion_added"]["contracts"] == [made.pk]
    assert len(last_two_snapshots(untouched)) == 1  # not rescored


def test_referring_a_level_two_client_opens_an_escalated_enforcement_case(rude_client, lead):
    to_due(rude_client)
    for _ in range(2):
        decide(lead, rude_client, "restrict")
        ClientStanding.objects.filter(client=rude_client).update(state=OutreachState.DUE)
    decide(lead, rude_client, "refer", reason="Two restriction levels and no change.")
    standing = standing_of(rude_client)
    case = Case.objects.get(pk=standing.referral_case_id)
    assert (case.account_id, case.policy.code, case.status) == (rude_client.pk, "CLIENT-STD", CaseStatus.ESCALATED)
    assert standing.state == OutreachState.ENFORCEMENT
    assert AuditEvent.objects.filter(action=AuditAction.OUTREACH_REFERRED, case_id=case.pk).exists()


def test_a_lead_returns_a_client_to_monitoring_and_the_restrictions_and_exclusion_end(rude_client, lead):
    to_due(rude_client)
    decide(lead, rude_client, "restrict")
    ClientStanding.objects.filter(client=rude_client).update(state=OutreachState.DUE)
    decide(lead, rude_client, "restrict")
    ClientStanding.objects.filter(client=rude_client).update(state=OutreachState.DUE)
    decide(lead, rude_client, "monitor", reason="The client called and fixed its payment process.")
    standing = standing_of(rude_client)
    assert (standing.state, standing.level, standing.restriction_ids) == (OutreachState.MONITORING, 0, [])
    assert not Restriction.objects.filter(account=rude_client, lifted_at__isnull=True).exists()
    account = Account.objects.get(pk=rude_client.pk)
    assert account.status == "active" and account.feedback_excluded_until == NOW + timedelta(days=62)


def test_another_improvement_period_can_be_given(rude_client, lead):
    to_due(rude_client)
    decide(lead, rude_client, "extend", days=30)
    standing = standing_of(rude_client)
    assert standing.state == OutreachState.IMPROVEMENT
    assert standing.period_ends_at == NOW + timedelta(days=92)
    assert AuditEvent.objects.filter(action=AuditAction.OUTREACH_EXTENDED).count() == 1


@pytest.mark.parametrize(
    ("decision", "kwargs", "message"),
    [
        ("restrict", {"reason": "  "}, "Say why"),
        ("extend", {"days": 3}, "7 to 365"),
        ("extend", {"days": None}, "7 to 365"),
        ("refer", {}, "level 2"),
        ("ban", {}, "Choose one of"),
        ("restrict", {"version": 1}, "changed since you opened"),
    ],
)
def test_a_bad_decision_is_refused_and_changes_nothing(rude_client, lead, decision, kwargs, message):
    to_due(rude_client)
    before = (standing_of(rude_client).version, audit_count(), Restriction.objects.count(), Notice.objects.count())
    with pytest.raises(ValidationError, match=message):
        decide(lead, rude_client, decision, **kwargs)
    after = (standing_of(rude_client).version, audit_count(), Restriction.objects.count(), Notice.objects.count())
    assert after == before


def test_no_decision_is_open_during_an_improvement_period(rude_client, lead):
    run_on(NOW)
    for decision in ("restrict", "extend", "monitor", "refer"):
        with pytest.raises(ValidationError, match="improvement period"):
            decide(lead, rude_client, decision, days=30)
    assert standing_of(rude_client).state == OutreachState.IMPROVEMENT


def test_level_two_is_the_last_restriction(rude_client, lead):
    to_due(rude_client)
    for _ in range(2):
        decide(lead, rude_client, "restrict")
        ClientStanding.objects.filter(client=rude_client).update(state=OutreachState.DUE)
    with pytest.raises(ValidationError, match="last restriction"):
        decide(lead, rude_client, "restrict")


def test_an_analyst_cannot_decide_outreach(rude_client, analyst):
    to_due(rude_client)
    with pytest.raises(PermissionDenied):
        decide(analyst, rude_client, "restrict")
    assert standing_of(rude_client).level == 0


def test_a_hard_trigger_skips_outreach_and_refers_the_client_once(catalogue, claimed, analyst):
    case = claimed(subject="cl-harasser", policy="HARASS")
    act(analyst, case, "warn", facts="Insulted the freelancer in messages m-1 and m-2.")
    client = Account.objects.get(external_id="cl-harasser")
    moment = case.opened_at + timedelta(days=1)
    assess_clients(actor=ROBOT, as_of=moment)
    standing = standing_of(client)
    assert standing.state == OutreachState.ENFORCEMENT
    referral = Case.objects.get(pk=standing.referral_case_id)
    assert referral.policy.code == "HARASS" and referral.status == CaseStatus.ESCALATED
    assert not Notice.objects.filter(kind="client_outreach").exists()
    assessment = ClientAssessment.objects.get(client=client)
    assert assessment.hard_triggers[0]["policy"] == "HARASS"
    # Back to monitoring after the enforcement case; the same finding does not refer it again.
    ClientStanding.objects.filter(pk=standing.pk).update(state=OutreachState.MONITORING)
    assess_clients(actor=ROBOT, as_of=moment + timedelta(days=1))
    assert AuditEvent.objects.filter(action=AuditAction.OUTREACH_REFERRED).count() == 1


def test_outreach_without_a_template_is_refused_and_the_client_stays_in_monitoring(rude_client):
    OutreachTemplate.objects.filter(kind="outreach").delete()
    run = run_on(NOW)
    assert not ClientStanding.objects.filter(client=rude_client).exclude(state=OutreachState.MONITORING).exists()
    event = AuditEvent.objects.get(action=AuditAction.CLIENTS_ASSESSED)
    assert event.context["moved"] == {"refused": 1}
    assert run.finished_at is not None
    with pytest.raises(ValidationError, match="no outreach"):
        services.start_outreach(
            actor=ROBOT, client_id=rude_client.pk, assessment_id=ClientAssessment.objects.get().pk, now=NOW
        )


@pytest.mark.django_db(transaction=True)
def test_two_leads_deciding_at_once_restrict_once_and_the_second_is_told_the_page_is_stale(catalogue, lead):
    # A transactional test starts from a flushed database: put back what migrations install.
    importlib.import_module("standards.migrations.0002_default_thresholds_and_templates").install(apps, None)
    client = client_account()
    rated_by(client, 3, 1)
    version = to_due(client).version
    leads = [lead, make_staff("lead-two", [LEAD])]
    outcomes, barrier = [], threading.Barrier(2)

    def decide_as(person):
        try:
            barrier.wait()
            decide(person, client, "restrict", version=version)
            outcomes.append("restricted")
        except ValidationError as error:
            outcomes.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=decide_as, args=(person,)) for person in leads]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 2 and outcomes.count("restricted") == 1
    refused = next(outcome for outcome in outcomes if outcome != "restricted")
    assert "changed" in refused.lower() or "version" in refused.lower()
    standing = standing_of(client)
    assert (standing.level, Restriction.objects.filter(account=client, ends_at__isnull=True).count()) == (1, 1)
    assert AuditEvent.objects.filter(action=AuditAction.OUTREACH_RESTRICTED).count() == 1
