"""Queue page server time at 10,000 and 1,000,000 open cases (5 signals each), beside the Django
admin changelist of the same table.

Rows are sent with COPY from this client, one database per size. Server time is the Django
handler's time for one request, middleware included, measured in-process with the test client;
the sizes take turns in rounds, so that a slow minute of a shared machine falls on both.

    .venv/bin/python bench/queue_page.py --cases 10000 --cases 1000000
"""

import argparse
import sys
import time
from datetime import timedelta

from common import BENCH_DB, copy_lines, drop_database, percentile, recreate_database, setup_django, use_database

QUEUE_URLS = [
    "/queue/",
    "/queue/?queue=scams",
    "/queue/?sla=breached&band=high",
    "/queue/?assignee=unassigned&sort=due",
    "/queue/?q=gift+card",
    "/queue/?q=whatsapp",
    "/queue/?q=nothingmatches",
]
ADMIN_URL = "/admin/cases/case/"


def generate(cases):
    """Accounts, cases and five signals per case, sent with COPY (psycopg's copy protocol)."""
    from django.db import connection

    accounts = max(1000, cases // 10)
    countries = ["US", "IN", "PH", "GB", "NG", "BR", "DE", "UA"]
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        cursor.execute("SELECT id, queue_id, area, sla_hours FROM cases_policy ORDER BY id")
        policies = cursor.fetchall()
        cursor.execute("SELECT min(id) FROM cases_apiclient")
        (client_id,) = cursor.fetchone()
        cursor.execute("SELECT now()")
        (now,) = cursor.fetchone()
        stamp = now.isoformat()
        copy_lines(
            cursor,
            "reputation_account",
            [
                "id",
                "external_id",
                "kind",
                "name",
                "email",
                "country",
                "identity_verified",
                "payment_verified",
                "status",
                "active_contracts",
                "earnings_12m_cents",
                "lifetime_earnings_cents",
                "first_seen_at",
                "updated_at",
            ],
            (
                f"{n}\tacct-{n}\t{'client' if n % 3 == 0 else 'freelancer'}\tAccount {n}\t\t{countries[n % 8]}\t"
                f"{'t' if n % 2 == 0 else 'f'}\t{'t' if n % 3 == 0 else 'f'}\tactive\t{n % 7}\t"
                f"{(n % 1000) * 10000}\t{(n % 1000) * 30000}\t{stamp}\t{stamp}\n"
                for n in range(1, accounts + 1)
            ),
        )

        def case_line(n):
            policy_id, queue_id, area, sla_hours = policies[n % len(policies)]
            hours = n % 240
            opened = (now - timedelta(hours=hours)).isoformat()
            due = (now - timedelta(hours=hours) + timedelta(hours=sla_hours)).isoformat()
            text = f"Buy a gift card to unlock work {n}" if n % 50 == 0 else f"Contact me on whatsapp {n}"
            status = "in_review" if n % 20 == 0 else "open"
            account = 1 + (n // len(policies)) % accounts
            return (
                f"{n + 1}\t{account}\t{policy_id}\t{queue_id}\t{area}\tUS\t{status}\t"
                f"{(n * 7919) % 10000 / 100.0}\t{{}}\t5\t{(n % 100) / 100.0}\t[]\t"
                f"{'t' if n % 10 == 0 else 'f'}\tt\t{opened}\t{due}\t{'t' if hours > sla_hours else 'f'}\t1\t{text}\n"
            )

        copy_lines(
            cursor,
            "cases_case",
            [
                "id",
                "account_id",
                "policy_id",
                "queue_id",
                "area",
                "country",
                "status",
                "priority",
                "priority_parts",
                "signal_count",
                "max_score",
                "sources",
                "has_reports",
                "has_detections",
                "opened_at",
                "due_at",
                "sla_breached",
                "version",
                "search_text",
            ],
            (case_line(n) for n in range(cases)),
        )

        def signal_lines():
            batch = "00000000-0000-4000-8000-000000000000"
            for n in range(cases):
                policy_id = policies[n % len(policies)][0]
                account = 1 + (n // len(policies)) % accounts
                observed = (now - timedelta(hours=n % 240)).isoformat()
                for k in range(1, 6):
                    yield (
                        f"{client_id}\tgen-{n}-{k}\tdetector\t{policy_id}\t{account}\t{n + 1}\t{(n % 100) / 100.0}\t"
                        f"{observed}\t{observed}\t{{}}\t\t{batch}\n"
                    )

        copy_lines(
            cursor,
            "cases_signal",
            [
                "api_client_id",
                "client_item_id",
                "source",
                "policy_id",
                "account_id",
                "case_id",
                "score",
                "observed_at",
                "received_at",
                "evidence",
                "comment",
                "intake_batch",
            ],
            signal_lines(),
        )
        for table in ("reputation_account", "cases_case"):
            sequence = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"  # noqa: S608 - fixed names
            cursor.execute(sequence)
        # What autovacuum would have done by the time anyone reads a table this size.
        cursor.execute("VACUUM ANALYZE")
        # The rows just written are flushed now, not by the checkpointer while pages are timed.
        cursor.execute("CHECKPOINT")


def timed(client, url, repeats):
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def prepare(cases, database):
    """A database of `cases` open cases, and signed-in clients for an analyst and an admin."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from cases.models import Detector
    from cases.services.api_clients import create_api_client
    from trustconsole import services
    from trustconsole.actors import SystemActor

    recreate_database(database)
    use_database(database)
    robot = SystemActor("bench")
    create_api_client(actor=robot, name="gen", scopes=["signals"], detector=Detector.objects.first())
    started = time.perf_counter()
    generate(cases)
    print(f"  {cases:,} cases and {5 * cases:,} signals generated in {time.perf_counter() - started:.0f} s")
    clients = {}
    for name, role in (("queue page", "analyst"), ("admin changelist", "admin")):
        user = services.create_staff_user(actor=robot, username=f"bench-{role}", password="x" * 20, roles=[role])
        clients[name] = Client()
        clients[name].force_login(get_user_model().objects.get(pk=user.pk))
    return clients


def measure(sizes, repeats, rounds, verbose=False):
    """Server time per page at each size. The sizes take turns, a round of every URL at a time,
    so that both see the same machine: on a shared VM a minute can be slower than the next by
    more than the difference being measured."""
    from django.test.utils import override_settings

    # No setup_test_environment(): it instruments every template render. No collectstatic here: plain static storage, as in the tests; nothing else changes.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    databases = {size: f"{BENCH_DB}_{size}" for size in sizes}
    clients = {size: prepare(size, databases[size]) for size in sizes}
    pages = (("queue page", QUEUE_URLS), ("admin changelist", [ADMIN_URL]))
    samples = {(size, name, url): [] for size in sizes for name, urls in pages for url in urls}
    for size in sizes:  # warm caches
        use_database(databases[size])
        for name, urls in pages:
            for url in urls:
                timed(clients[size][name], url, 2)
    per_round = max(1, repeats // rounds)
    for _ in range(rounds):
        for size in sizes:
            use_database(databases[size])
            for name, urls in pages:
                for url in urls:
                    samples[(size, name, url)] += timed(clients[size][name], url, per_round)
    results = {}
    for size in sizes:
        print(f"{size:,} cases:")
        for name, urls in pages:
            everything = []
            for url in urls:
                everything += samples[(size, name, url)]
                if verbose:
                    print(f"    {url:<40} p50 {percentile(samples[(size, name, url)], 0.5):7.1f} ms")
            results[(size, name)] = (percentile(everything, 0.5), percentile(everything, 0.95))
            p50, p95 = results[(size, name)]
            print(f"  {name:<17} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   ({len(everything)} requests)")
    for database in databases.values():
        drop_database(database)
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, action="append")
    parser.add_argument("--repeats", type=int, default=20, help="requests per URL and size")
    parser.add_argument("--rounds", type=int, default=5, help="turns the sizes take, sharing the repeats")
    parser.add_argument("--verbose", action="store_true", help="print each URL's median")
    args = parser.parse_args()
    sizes = args.cases or [10_000, 1_000_000]
    setup_django()
    results = measure(sizes, args.repeats, args.rounds, args.verbose)
    if len(sizes) == 2:
        small, large = (results[(size, "queue page")][1] for size in sizes)
        admin_large = results[(sizes[1], "admin changelist")][1]
        print(
            f"queue p95 at {sizes[1]:,} is {large / small:.2f}x the {sizes[0]:,} figure (target <= 1.3x), "
            f"{admin_large / large:.1f}x faster than the admin changelist (target >= 10x), target p95 <= 30 ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
