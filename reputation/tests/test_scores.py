"""The recompute: chunked, idempotent, resumable, with a ledger that explains the score."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from hypothesis import given, settings

from reputation.models import Account, Contract, ScoreRun, ScoreSnapshot, ScoringParameters
from reputation.scores import current_parameters, ledger_dicts, ledger_json, recompute_scores, score_chunk, start_run
from reputation.scoring import compute, score_from_ledger
from reputation.tests.conftest import ROBOT
from reputation.tests.test_scoring import NOW as SCORING_NOW
from reputation.tests.test_scoring import contracts
from trustconsole.models import AuditAction, AuditEvent

NOW = datetime.now(UTC)


@pytest.fixture
def marketplace(db):
    clients = [
        Account.objects.create(
            external_id=f"cl-{n}", kind="client", payment_verified=True, joined_at=NOW - timedelta(days=900)
        )
        for n in range(3)
    ]
    freelancers = [Account.objects.create(external_id=f"fl-{n}", kind="freelancer") for n in range(7)]
    for n, freelancer in enumerate(freelancers):
        for k in range(n % 4):
            Contract.objects.create(
                external_id=f"ct-{n}-{k}",
                freelancer=freelancer,
                client=clients[k % 3],
                kind="fixed",
                started_at=NOW - timedelta(days=100 + k),
                ended_at=NOW - timedelta(days=20 + k),
                earnings_cents=40_000 * (k + 1),
                client_private=10 - k,
                client_public=5 - k,
                feedback_at=NOW - timedelta(days=19 + k),
            )
    return freelancers


def values(run):
    return sorted(ScoreSnapshot.objects.filter(run=run).values_list("account_id", "score", "lower_bound", "public"))


def test_every_freelancer_gets_one_snapshot_whose_ledger_explains_its_score(marketplace):
    run = recompute_scores(actor=ROBOT, chunk_size=3)
    assert run.accounts_done == 7 and run.finished_at
    assert ScoreSnapshot.objects.filter(run=run).count() == 7
    for snapshot in ScoreSnapshot.objects.filter(run=run):
        assert score_from_ledger(snapshot.ledger) == pytest.approx(snapshot.score)
    busy = ScoreSnapshot.objects.get(run=run, account__external_id="fl-3")
    assert busy.public and busy.eligible_contracts == 3 and len(busy.ledger) == 3
    row = AuditEvent.objects.get(action=AuditAction.SCORES_RECOMPUTED)
    assert (row.actor_name, row.context["accounts"], row.context["params_version"]) == ("system:test-setup", 7, 1)


def test_a_run_killed_between_chunks_resumes_to_the_same_snapshots_without_duplicates(marketplace):
    clean = recompute_scores(actor=ROBOT, run=start_run(as_of=NOW), chunk_size=2)
    interrupted = start_run(as_of=NOW)
    with pytest.raises(Killed):
        recompute_scores(actor=ROBOT, run=interrupted, chunk_size=2, after_chunk=die_after_first_chunk)
    interrupted.refresh_from_db()
    assert interrupted.finished_at is None and interrupted.accounts_done == 2
    recompute_scores(actor=ROBOT, run=interrupted, chunk_size=2)
    recompute_scores(actor=ROBOT, run=interrupted, chunk_size=2)
    assert ScoreSnapshot.objects.filter(run=interrupted).count() == 7
    assert [v[1:] for v in values(interrupted)] == [v[1:] for v in values(clean)]


def ledgers(run):
    return sorted(ScoreSnapshot.objects.filter(run=run).values_list("account_id", "ledger"))


class Killed(Exception):
    pass


def die_after_first_chunk(run):
    raise Killed


@pytest.mark.django_db(transaction=True)
def test_worker_processes_write_the_same_snapshots_as_one_process(marketplace):
    alone = recompute_scores(actor=ROBOT, run=start_run(as_of=NOW), chunk_size=2, workers=1)
    spread = recompute_scores(actor=ROBOT, run=start_run(as_of=NOW), chunk_size=2, workers=2)
    assert (spread.accounts_done, spread.last_account_id) == (7, marketplace[-1].pk)
    assert spread.finished_at is not None
    assert values(spread) == values(alone) and len(values(spread)) == 7
    assert ledgers(spread) == ledgers(alone)


@pytest.mark.django_db(transaction=True)
def test_a_run_in_worker_processes_killed_mid_way_resumes_without_duplicates(marketplace):
    alone = recompute_scores(actor=ROBOT, run=start_run(as_of=NOW), chunk_size=2, workers=1)
    interrupted = start_run(as_of=NOW)
    with pytest.raises(Killed):
        recompute_scores(actor=ROBOT, run=interrupted, chunk_size=2, workers=2, after_chunk=die_after_first_chunk)
    interrupted.refresh_from_db()
    # Progress counts only the first chunk, though the workers may have written later ones.
    assert (interrupted.finished_at, interrupted.accounts_done) == (None, 2)
    assert interrupted.last_account_id == marketplace[1].pk
    recompute_scores(actor=ROBOT, run=interrupted, chunk_size=2, workers=2)
    interrupted.refresh_from_db()
    assert interrupted.accounts_done == 7 and interrupted.finished_at is not None
    assert ScoreSnapshot.objects.filter(run=interrupted).count() == 7
    assert values(interrupted) == values(alone)


def test_a_chunk_written_twice_keeps_one_snapshot_per_account_and_the_first_values(marketplace):
    run = start_run(as_of=NOW)
    ids = [freelancer.pk for freelancer in marketplace[:4]]
    score_chunk(run, current_parameters(), ids[:2])
    ScoreSnapshot.objects.filter(run=run).update(score=0.5)  # marks what the first write left
    score_chunk(run, current_parameters(), ids)  # overlaps the first: the path that skips conflicts
    assert ScoreSnapshot.objects.filter(run=run).count() == 4
    kept = dict(ScoreSnapshot.objects.filter(run=run).values_list("account_id", "score"))
    assert [kept[pk] == 0.5 for pk in ids] == [True, True, False, False]


@settings(max_examples=200, deadline=None)
@given(contracts)
def test_the_ledger_written_by_hand_is_the_json_of_the_ledger(history):
    result = compute(history, SCORING_NOW)
    assert json.loads(ledger_json(result)) == ledger_dicts(result)


def test_worker_processes_are_refused_inside_a_transaction_they_could_not_see(marketplace):
    with pytest.raises(RuntimeError, match="outside"):
        recompute_scores(actor=ROBOT, workers=2)
    assert not ScoreSnapshot.objects.exists()


def test_the_command_recomputes_one_account_or_resumes_an_interrupted_run(marketplace, capsys):
    call_command("recompute_reputation", "--account", "fl-2")
    assert "1 accounts" in capsys.readouterr().out
    unfinished = start_run()
    call_command("recompute_reputation")
    assert f"Resuming run {unfinished.pk}" in capsys.readouterr().out
    assert ScoreRun.objects.get(pk=unfinished.pk).finished_at is not None
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("recompute_reputation", "--account", "nobody")


def test_a_run_refuses_to_resume_under_new_parameters(marketplace):
    run = start_run()
    ScoringParameters.objects.create(prior_mean=0.8, version=2)
    with pytest.raises(ValueError, match="parameters v1"):
        recompute_scores(actor=ROBOT, run=run)


def test_suspended_clients_feedback_counts_for_nothing(marketplace):
    Account.objects.filter(external_id="cl-0").update(status="suspended")
    run = recompute_scores(actor=ROBOT)
    ledger = ScoreSnapshot.objects.get(run=run, account__external_id="fl-1").ledger
    assert [entry["excluded"] for entry in ledger] == ["rater_suspended"]
