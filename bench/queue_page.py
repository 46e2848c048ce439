"""Queue page server time at 10,000 and 1,000,000 open cases (5 signals each), beside the Django
admin changelist of the same table.

Rows are generated inside PostgreSQL (INSERT ... SELECT generate_series), the bulk path that
beats COPY from a client for synthetic rows. Server time is the Django handler's time for one
request, middleware included, measured in-process with the test client.

    .venv/bin/python bench/queue_page.py --cases 10000 --cases 1000000
"""

import argparse
import sys
import time

from common import percentile, recreate_database, setup_django

QUEUE_URLS = [
    "/queue/",
    "/queue/?queue=scams",
    "/queue/?sla=breached&band=high",
    "/queue/?assignee=unassigned&sort=due",
    "/queue/?q=gift+card",
]
ADMIN_URL = "/admin/cases/case/"


def generate(cases):
    from django.db import connection

    accounts = max(1000, cases // 10)
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, queue_id, area, sla_hours FROM cases_policy ORDER BY id")
        policies = cursor.fetchall()
        cursor.execute("SELECT min(id) FROM cases_apiclient")
        (client_id,) = cursor.fetchone()
        cursor.execute(
            """INSERT INTO reputation_account (external_id, kind, name, email, country, identity_verified,
                   payment_verified, status, active_contracts, earnings_12m_cents, first_seen_at, updated_at)
               SELECT 'acct-' || n, CASE WHEN n %% 3 = 0 THEN 'client' ELSE 'freelancer' END, 'Account ' || n, '',
                   (ARRAY['US','IN','PH','GB','NG','BR','DE','UA'])[1 + n %% 8], n %% 2 = 0, n %% 3 = 0, 'active',
                   n %% 7, (n %% 1000) * 10000, now(), now()
               FROM generate_series(1, %s) AS n""",
            [accounts],
        )
        cursor.execute("SELECT min(id) FROM reputation_account")
        (first_account,) = cursor.fetchone()
        policy_ids = [p[0] for p in policies]
        cursor.execute(
            """INSERT INTO cases_case (account_id, policy_id, queue_id, area, country, status, priority, priority_parts,
                   signal_count, max_score, sources, has_reports, has_detections, opened_at, due_at, sla_breached,
                   version, search_text)
               SELECT %s + (n / %s) %% %s, p.id, p.queue_id, p.area, 'US',
                   CASE WHEN n %% 20 = 0 THEN 'in_review' ELSE 'open' END,
                   (n::bigint * 7919) %% 10000 / 100.0, '{}'::jsonb, 5, (n %% 100) / 100.0, '[]'::jsonb, n %% 10 = 0, true,
                   now() - ((n %% 240) || ' hours')::interval, now() - ((n %% 240) || ' hours')::interval + (p.sla_hours || ' hours')::interval,
                   (n %% 240) > p.sla_hours, 1,
                   CASE WHEN n %% 50 = 0 THEN 'Buy a gift card to unlock work ' || n ELSE 'Contact me on whatsapp ' || n END
               FROM generate_series(0, %s - 1) AS n
               JOIN cases_policy p ON p.id = (ARRAY[%s])[1 + n %% %s]""".replace(
                "ARRAY[%s]", "ARRAY[" + ",".join(map(str, policy_ids)) + "]"
            ),
            [first_account, len(policy_ids), accounts, cases, len(policy_ids)],
        )
        cursor.execute(
            """INSERT INTO cases_signal (api_client_id, client_item_id, source, policy_id, account_id, case_id, score,
                   observed_at, received_at, evidence, comment, intake_batch)
               SELECT %s, 'gen-' || c.id || '-' || k, 'detector', c.policy_id, c.account_id, c.id, c.max_score,
                   c.opened_at, c.opened_at, '{}'::jsonb, '', gen_random_uuid()
               FROM cases_case c CROSS JOIN generate_series(1, 5) AS k""",
            [client_id],
        )
        cursor.execute("ANALYZE")


def timed(client, url, repeats):
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        response = client.get(url, HTTP_HOST="127.0.0.1")
        samples.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return samples


def measure(cases, repeats, verbose=False):
    recreate_database()
    setup_django()
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.test.utils import override_settings

    from cases.models import Detector
    from cases.services.api_clients import create_api_client
    from trustconsole import services
    from trustconsole.actors import SystemActor

    # No setup_test_environment(): it instruments every template render. No collectstatic here: plain static storage, as in the tests; nothing else changes.
    override_settings(
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }
    ).enable()
    robot = SystemActor("bench")
    create_api_client(actor=robot, name="gen", scopes=["signals"], detector=Detector.objects.first())
    started = time.perf_counter()
    generate(cases)
    print(f"  generated {cases:,} cases and {5 * cases:,} signals in {time.perf_counter() - started:.0f} s")
    User = get_user_model()
    analyst = services.create_staff_user(actor=robot, username="bench-analyst", password="x" * 20, roles=["analyst"])
    admin = services.create_staff_user(actor=robot, username="bench-admin", password="x" * 20, roles=["admin"])
    results = {}
    for name, user, urls in (("queue page", analyst, QUEUE_URLS), ("admin changelist", admin, [ADMIN_URL])):
        client = Client()
        client.force_login(User.objects.get(pk=user.pk))
        for url in urls:
            timed(client, url, 2)  # warm caches
        samples = []
        for url in urls:
            per_url = timed(client, url, repeats)
            samples += per_url
            if verbose:
                print(f"    {url:<40} p50 {percentile(per_url, 0.5):7.1f} ms")
        results[name] = (percentile(samples, 0.5), percentile(samples, 0.95))
        print(
            f"  {name:<17} p50 {results[name][0]:7.1f} ms   p95 {results[name][1]:7.1f} ms   ({len(samples)} requests)"
        )
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, action="append")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--verbose", action="store_true", help="print each URL's median")
    args = parser.parse_args()
    sizes = args.cases or [10_000, 1_000_000]
    table = {}
    for size in sizes:
        print(f"{size:,} cases:")
        table[size] = measure(size, args.repeats, args.verbose)
    if len(sizes) == 2:
        small, large = (table[s]["queue page"][1] for s in sizes)
        admin_large = table[sizes[1]]["admin changelist"][1]
        print(
            f"queue p95 at {sizes[1]:,} is {large / small:.2f}x the {sizes[0]:,} figure (target <= 1.3x), "
            f"{admin_large / large:.1f}x faster than the admin changelist (target >= 10x), target p95 <= 30 ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
