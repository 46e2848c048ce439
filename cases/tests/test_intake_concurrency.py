"""Concurrent intake on PostgreSQL: replays across requests never duplicate, grouping never forks,
and groupers running while requests store signals group each signal exactly once."""

import threading

from django.db import connections
from django.db.models import Count

from cases.models import Case, Detector, Signal
from cases.services.api_clients import create_api_client
from cases.services.catalogue import load_default_catalogue
from cases.services.grouping import group_pending_signals
from cases.tests.conftest import ROBOT, post, signal
from conftest import run_queued_jobs
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
