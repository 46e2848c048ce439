"""Full recompute of every freelancer's success score, beside one SQL aggregate over the same
contracts, with the worker's peak memory.

    .venv/bin/python bench/reputation.py --freelancers 100000 --contracts 2000000

Rows are sent with COPY. Contracts spread over the last three years, four in five with
feedback, a few disputes; clients are a tenth as many as freelancers.
"""

import argparse
import os
import random
import resource
import sys
import time
from datetime import timedelta

from common import copy_lines, recreate_database, setup_django


def generate(freelancers, contracts):
    from django.db import connection

    rng = random.Random(5)  # noqa: S311 - synthetic data
    clients = max(100, freelancers // 10)
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        (now,) = cursor.fetchone()
        stamp = now.isoformat()
        account_columns = [
            "id", "external_id", "kind", "name", "email", "country", "joined_at", "identity_verified",
            "payment_verified", "status", "active_contracts", "earnings_12m_cents", "lifetime_earnings_cents",
            "first_seen_at", "updated_at",
        ]  # fmt: skip

        def accounts():
            for n in range(1, freelancers + clients + 1):
                kind = "freelancer" if n <= freelancers else "client"
                joined = (now - timedelta(days=rng.randint(1, 2000))).isoformat()
                verified = "t" if rng.random() < 0.8 else "f"
                yield (
                    f"{n}\tacct-{n}\t{kind}\tAccount {n}\t\tUS\t{joined}\tt\t{verified}\tactive\t0\t0\t0\t"
                    f"{stamp}\t{stamp}\n"
                )

        copy_lines(cursor, "reputation_account", account_columns, accounts())
        contract_columns = [
            "external_id", "freelancer_id", "client_id", "kind", "title", "started_at", "ended_at",
            "earnings_cents", "end_reason", "client_private", "client_public", "freelancer_public", "feedback_at",
            "dispute_outcome", "updated_at",
        ]  # fmt: skip

        def rows():
            for n in range(contracts):
                started = now - timedelta(days=rng.uniform(0, 1100))
                ended = started + timedelta(days=rng.uniform(1, 200))
                ended_text = ended.isoformat() if ended < now else "\\N"
                feedback = ended < now and rng.random() < 0.8
                private = min(10, max(0, round(rng.gauss(8.3, 1.8)))) if feedback else "\\N"
                public = min(5, max(1, round(rng.gauss(4.6, 0.6)))) if feedback else "\\N"
                at = ended.isoformat() if feedback else "\\N"
                dispute = "freelancer_lost" if rng.random() < 0.01 else ""
                yield (
                    f"c-{n}\t{1 + n % freelancers}\t{freelancers + 1 + rng.randrange(clients)}\t"
                    f"{'hourly' if n % 2 else 'fixed'}\t\t{started.isoformat()}\t{ended_text}\t"
                    f"{rng.randint(2_000, 2_000_000)}\t\t{private}\t{public}\t\\N\t{at}\t{dispute}\t{stamp}\n"
                )

        copy_lines(cursor, "reputation_contract", contract_columns, rows())
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('reputation_account', 'id'), (SELECT max(id) FROM reputation_account))"
        )
        cursor.execute("VACUUM ANALYZE")


def aggregate_seconds():
    from django.db import connection

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.freelancer_id, sum(c.earnings_cents), avg(c.client_private), count(DISTINCT c.client_id),
                   sum(CASE WHEN a.status = 'active' THEN 1 ELSE 0 END)
               FROM reputation_contract c JOIN reputation_account a ON a.id = c.client_id
               GROUP BY c.freelancer_id"""
        )
        rows = cursor.fetchall()
    return time.perf_counter() - started, len(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--freelancers", type=int, default=100_000)
    parser.add_argument("--contracts", type=int, default=2_000_000)
    parser.add_argument("--chunk-size", type=int, default=1000, help="as the nightly job")
    parser.add_argument("--workers", type=int, default=os.cpu_count(), help="processes (RECOMPUTE_WORKERS)")
    args = parser.parse_args()
    recreate_database()
    setup_django()
    from reputation.scores import recompute_scores
    from trustconsole.actors import SystemActor

    started = time.perf_counter()
    generate(args.freelancers, args.contracts)
    print(f"generated {args.freelancers:,} freelancers and {args.contracts:,} contracts in "
          f"{time.perf_counter() - started:.0f} s")  # fmt: skip
    aggregate, groups = aggregate_seconds()
    print(f"one SQL aggregate over the contracts: {aggregate:.1f} s ({groups:,} groups)")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    run = recompute_scores(actor=SystemActor("bench"), chunk_size=args.chunk_size, workers=args.workers)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The largest child process (ru_maxrss of children is the maximum, not the sum): a worker, or
    # one of set-up's manage.py runs, so an upper bound on a worker's peak.
    worker_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"full recompute: {run.accounts_done:,} freelancers in {elapsed:.1f} s with {args.workers} process(es) "
        f"({elapsed / aggregate:.1f}x the aggregate; targets <= 30 s and <= 10x); peak memory {peak:.0f} MB "
        f"in the job's process (was {before:.0f} MB before the run), {worker_peak:.0f} MB in the largest "
        f"worker process; target <= 500 MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
