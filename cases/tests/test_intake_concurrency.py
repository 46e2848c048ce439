"""Concurrent intake on PostgreSQL: replays across requests never duplicate, grouping never forks,
and groupers running while requests store signals group each signal exactly once."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, connections, transaction
from django.db.models import Count

from cases.models import Case, Detector, Signal
from cases.services.api_clients import create_api_client
from cases.services.catalogue import load_default_catalogue
from cases.services.grouping import group_pending_signals
from cases.services.intake import IntakeItem, accept, ingest
from cases.tests.conftest import ROBOT, post, signal
from conftest import run_queued_jobs
from reputation.services import AccountSpec
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.selectors import first_audit_chain_break


def test_eight_threads_posting_overlapping_batches_store_each_signal_once(transactional_db):
    load_default_catalogue(actor=ROBOT)
    _, token = create_api_client(
        actor=ROBOT,
        name="racer",
        scopes=["signals"],
        detector=Detector.objects.get(slug="scam-job"),
        rate_limit_per_minute=10_000,
    )
    threads, start, failures = 8, threading.Barrier(8 + 2), []
    posting = threading.Event()

    def batch(n):
        # Every thread sends ids 0..59 in its own order over 12 accounts: all overlap.
        ids = list(range(60))
        ids = ids[n * 7 :] + ids[: n * 7]
        return {"signals": [signal(f"s-{i}", subject=f"acct-{i % 12}", score=(i % 10) / 10) for i in ids]}

    def send(n):
        try:
            start.wait()
            response = post(token, "signals", batch(n))
            if response.status_code != 200:
                failures.append(response.content)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connections.close_all()

    def group_while_posting():
        # Runs of two signals, so groupers interleave with the requests many times over.
        try:
            start.wait()
            while posting.is_set():
                group_pending_signals(actor=ROBOT, run_size=2)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connections.close_all()

    posting.set()
    senders = [threading.Thread(target=send, args=(n,)) for n in range(threads)]
    groupers = [threading.Thread(target=group_while_posting) for _ in range(2)]
    for worker in senders + groupers:
        worker.start()
    for worker in senders:
        worker.join()
    posting.clear()
    for worker in groupers:
        worker.join()
    # What the ingest worker does with the job the requests queued: group whatever still waits.
    run_queued_jobs("ingest")

    assert failures == []
    assert Signal.objects.count() == 60
    per_key = Case.objects.values("account", "policy").annotate(n=Count("id")).filter(n__gt=1)
    assert list(per_key) == []
    assert Case.objects.count() == 12
    for case in Case.objects.all():
        assert case.signal_count == case.signals.count() == 5
    assert not Signal.objects.filter(case__isnull=True).exists()
    assert first_audit_chain_break() is None


def _item(item_id):
    return IntakeItem(
        client_item_id=item_id,
        source="detector",
        subject=AccountSpec(external_id="cl-raced", kind="client", country="NG"),
        observed_at=datetime.now(UTC) - timedelta(minutes=1),
        policy_code="SCAM-JOB",
        score=0.5,
    )


def _waiting_on_a_lock(query_start):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
            [f"{query_start}%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_grouper_whose_new_case_another_transaction_opened_first_joins_that_case(transactional_db):
    load_default_catalogue(actor=ROBOT)
    client, _ = create_api_client(
        actor=ROBOT, name="racer", scopes=["signals"], detector=Detector.objects.get(slug="scam-job")
    )
    accept(client=client, items=[_item("waiting")])  # stored ungrouped, committed
    opened, release, failures = threading.Event(), threading.Event(), []

    def open_the_case_and_hold_it():
        # The synchronous intake opens the same (account, policy) case and commits only later.
        try:
            with transaction.atomic():
                ingest(client=client, items=[_item("first")])
                opened.set()
                release.wait(timeout=30)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            opened.set()
            connections.close_all()

    def group():
        try:
            group_pending_signals(actor=ROBOT)
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connections.close_all()

    holder = threading.Thread(target=open_the_case_and_hold_it)
    holder.start()
    opened.wait(timeout=30)
    grouper = threading.Thread(target=group)
    grouper.start()
    # The grouper saw no open case, so it inserts one and waits on the holder's unique key.
    for _ in range(300):
        if _waiting_on_a_lock('INSERT INTO "cases_case"'):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the grouper never waited on the other transaction's case")
    release.set()
    holder.join()
    grouper.join()

    assert failures == []
    (case,) = Case.objects.filter(account__external_id="cl-raced")
    assert case.signal_count == case.signals.count() == 2
    actions = list(AuditEvent.objects.filter(case_id=case.pk).values_list("action", flat=True))
    assert actions == [AuditAction.CASE_OPENED, AuditAction.CASE_SIGNALS_ADDED]
    assert first_audit_chain_break() is None
