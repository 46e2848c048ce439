"""Smoke test of the embedded demo: sign in as each demo login and render the main pages.

Run against a freshly migrated and loaded SQLite file (see .ci/run). Exits non-zero on the first
page that fails, naming it.
"""

import os
import re
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trustconsole.settings")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from trustconsole.demo import DEMO_PASSWORD, DEMO_USERS  # noqa: E402

DASHBOARDS = ["/dashboards/", "/dashboards/?days=7", "/dashboards/quality/", "/dashboards/fairness/?days=90"]
QUEUE_PAGES = ["/queue/", "/queue/?queue=scams&sort=due", "/queue/?sla=breached&band=high", "/queue/?q=fee"]
PAGES = {
    "analyst": ["/", "/account/password/", *QUEUE_PAGES, "/api/v1/docs", "/accounts/fl-10122/", "/qa/"],
    "lead": [
        "/",
        *QUEUE_PAGES,
        "/approvals/",
        "/appeals/",
        "/audit/",
        "/audit/?action=action.applied",
        "/clients/standards/",
        "/clients/standards/?state=improvement",
        "/clients/outreach/",
        *DASHBOARDS,
        "/qa/",
    ],
    "admin": [
        "/",
        "/admin/",
        "/admin/auth/user/",
        "/admin/trustconsole/auditevent/",
        "/admin/cases/policy/",
        "/admin/cases/noticetemplate/",
        "/admin/cases/foureyesrule/",
        "/admin/cases/enforcementaction/",
        "/admin/trustconsole/notice/",
        "/admin/reputation/badgerule/",
        "/admin/reputation/scoringparameters/",
        "/admin/reputation/badgeoverride/",
        "/admin/reputation/accountlink/",
        "/admin/reputation/badge/",
        "/admin/standards/thresholds/",
        "/admin/standards/outreachtemplate/",
        "/admin/standards/clientstanding/",
        "/admin/cases/qasampling/",
        "/admin/cases/qareview/",
        "/reputation/drafts/",
        "/accounts/fl-10122/",
        "/api/v1/docs",
    ],
    "auditor": ["/", *QUEUE_PAGES, "/audit/", "/clients/standards/", "/clients/outreach/", *DASHBOARDS],
}
PAGES["analyst2"] = PAGES["analyst"]
# The second admin checks what the first does.
PAGES["admin2"] = PAGES["admin"]


def check_page(client, username, url):
    response = client.get(url)
    html = response.content.decode()
    problems = []
    if response.status_code != 200:
        problems.append(f"status {response.status_code}")
    elif len(re.findall(r"<h1[\s>]", html)) != 1:
        problems.append("not exactly one <h1>")
    if problems:
        print(f"FAIL {username:<8} {url}: {', '.join(problems)}")
        return False
    print(f"ok   {username:<8} {url}")
    return True


def case_pages(username):
    """A few real case pages for the roles that read cases."""
    from cases.models import Case
    from standards.models import ClientStanding

    if username in ("admin", "admin2"):
        return []
    pages = [f"/cases/{pk}/" for pk in Case.objects.order_by("-priority").values_list("pk", flat=True)[:3]]
    if username in ("lead", "auditor"):
        clients = ClientStanding.objects.exclude(state="monitoring").values_list("client__external_id", flat=True)
        pages += [f"/clients/{external_id}/standards/" for external_id in clients[:3]]
    if username == "lead":
        from cases.models import QaReview

        done = QaReview.objects.filter(completed_at__isnull=False).values_list("pk", flat=True)[:2]
        pages += [f"/qa/{pk}/" for pk in done]
    return pages


def main():
    assert not settings.PRODUCTION, "the smoke test is for the embedded demo (unset DATABASE_URL)"
    setup_test_environment()
    healthy = Client().get("/healthz")
    ok = healthy.status_code == 200 and healthy.json()["checks"]["database"] == "up"
    print(f"{'ok  ' if ok else 'FAIL'} healthz  {healthy.status_code}")
    for username, _role, _duty in DEMO_USERS:
        client = Client()
        signed_in = client.post("/login/", {"username": username, "password": DEMO_PASSWORD})
        if signed_in.status_code != 302:
            print(f"FAIL {username:<8} cannot sign in with the demo password ({signed_in.status_code})")
            ok = False
            continue
        for url in PAGES[username] + case_pages(username):
            ok = check_page(client, username, url) and ok
    print("smoke: all pages rendered" if ok else "smoke: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
