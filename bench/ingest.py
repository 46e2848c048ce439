"""Ingest throughput: signals per second through the HTTP API (gunicorn on loopback, batches of
500), with grouping into cases by the ingest queue's RQ worker, beside a raw COPY of the same
number of rows into the signal table. Two figures: signals accepted per second (the answers the
senders got), and signals grouped per second (until the last signal had joined its case).

    make bench   (or: .venv/bin/python bench/ingest.py [--batches N] [--senders N] [--workers N])
"""

import argparse
import http.client
import json
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta

import redis
from common import ENV, ROOT, recreate_database, setup_django

PORT = 8799


def make_batch(sender, batch, size, accounts):
    observed = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    items = []
    for n in range(size):
        serial = (sender * 1_000_000) + batch * size + n
        subject = f"bench-{serial % accounts}"
        items.append(
            {
                "id": f"b-{serial}",
                "subject": {"id": subject, "kind": "client", "country": "US"},
                "content": {
                    "type": "job_post",
                    "id": f"job-{serial % (accounts * 2)}",
                    "text": f"Pay a fee to apply, ref {serial % 97}",
                },
                "score": (serial % 100) / 100,
                "observed_at": observed,
                "evidence": {"rule": "fee-pattern", "n": serial % 13},
            }
        )
    return json.dumps({"signals": items}).encode()


def sender_loop(bodies, token, results):
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    created = 0
    for body in bodies:
        connection.request("POST", "/api/v1/signals", body=body, headers=headers)
        response = connection.getresponse()
        payload = json.loads(response.read())
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status}: {payload}")
        created += payload["counts"]["created"]
    results.append(created)


def wait_for_server():
    for _ in range(100):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            connection.request("GET", "/healthz")
            if connection.getresponse().status in (200, 503):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


def raw_copy(rows):
    """COPY `rows` signal rows straight into the table: the floor no API can beat."""
    import uuid

    from django.db import connection

    from cases.models import ApiClient, Policy, Signal
    from reputation.models import Account

    client = ApiClient.objects.first()
    policy = Policy.objects.get(code="SCAM-JOB")
    account_ids = list(Account.objects.values_list("pk", flat=True)[:1000])
    now = datetime.now(UTC)
    batch = uuid.uuid4()
    columns = [
        "api_client_id",
        "client_item_id",
        "source",
        "policy_id",
        "account_id",
        "score",
        "observed_at",
        "received_at",
        "evidence",
        "comment",
        "intake_batch",
    ]
    started = time.perf_counter()
    with (
        connection.cursor() as cursor,
        cursor.connection.cursor().copy(f"COPY {Signal._meta.db_table} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for n in range(rows):
            copy.write_row(
                [
                    client.pk,
                    f"copy-{n}",
                    "detector",
                    policy.pk,
                    account_ids[n % len(account_ids)],
                    0.5,
                    now,
                    now,
                    '{"rule": "fee-pattern"}',
                    "",
                    batch,
                ]
            )
    return rows / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=20, help="batches per sender")
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--accounts", type=int, default=5000, help="distinct subjects (grouping)")
    args = parser.parse_args()

    recreate_database()
    # A fresh queue too: a scheduling mark, or a job the last run's worker was stopped holding,
    # would leave this run's signals for the SLA sweep, which the bench does not run.
    redis.Redis.from_url(ENV["REDIS_URL"]).flushdb()
    setup_django()
    from cases.models import Case, Detector, Signal
    from cases.services.api_clients import create_api_client
    from trustconsole.actors import SystemActor

    _, token = create_api_client(
        actor=SystemActor("bench"),
        name="bench",
        scopes=["signals"],
        detector=Detector.objects.get(slug="fee-to-apply"),
        rate_limit_per_minute=10**9,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "rqworker", "ingest"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "trustconsole.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(args.workers),
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env={**ENV, "TRUSTCONSOLE_WEB_PROCESS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_server()
        # Bodies are built before the clock starts: the senders share the server's two cores, and
        # building JSON is the load generator's work, not the server's.
        bodies = [
            [make_batch(sender, batch, args.size, args.accounts) for batch in range(args.batches)]
            for sender in range(args.senders)
        ]
        results, threads = [], []
        started = time.perf_counter()
        for sender in range(args.senders):
            thread = threading.Thread(target=sender_loop, args=(bodies[sender], token, results))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
        while Signal.objects.filter(case__isnull=True).exists():
            if time.perf_counter() - started > 600:
                raise RuntimeError("signals still ungrouped after 10 minutes")
            time.sleep(0.05)
        grouped = time.perf_counter() - started
    finally:
        server.terminate()
        worker.terminate()
        server.wait()
        worker.wait()
    total = sum(results)
    stored = Signal.objects.count()
    print(
        f"ingest over HTTP: {total} signals accepted in {elapsed:.1f} s = {total / elapsed:,.0f} signals/s "
        f"({args.senders} senders, {args.workers} gunicorn workers, batches of {args.size}); "
        f"all grouped after {grouped:.1f} s = {total / grouped:,.0f} signals/s; "
        f"{Case.objects.count()} cases; stored {stored}"
    )
    copy_rate = raw_copy(total)
    print(f"raw COPY of {total} rows into the signal table: {copy_rate:,.0f} rows/s")
    print(
        f"HTTP ingest reaches {100 * (total / grouped) / copy_rate:.1f}% of raw COPY, grouped; target 20,000 signals/s"
    )
    return 0 if len(results) == args.senders else 1


if __name__ == "__main__":
    sys.exit(main())
