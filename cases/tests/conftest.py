import json
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client, TestCase
from playwright.sync_api import expect, sync_playwright

from cases.models import Detector
from cases.services.api_clients import create_api_client
from cases.services.catalogue import load_default_catalogue
from conftest import run_queued_jobs
from trustconsole.actors import SystemActor

ROBOT = SystemActor("test-setup")


@pytest.fixture
def catalogue(db):
    load_default_catalogue(actor=ROBOT)


@pytest.fixture
def detector_token(catalogue):
    _, token = create_api_client(
        actor=ROBOT, name="scam-job-detector", scopes=["signals"], detector=Detector.objects.get(slug="scam-job")
    )
    return token


@pytest.fixture
def reports_token(catalogue):
    _, token = create_api_client(actor=ROBOT, name="flags", scopes=["reports"])
    return token


def recently(minutes=5):
    return (datetime.now(UTC) - timedelta(minutes=minutes)).isoformat()


def signal(item_id, subject="fl-1", **overrides):
    item = {
        "id": item_id,
        "subject": {"id": subject, "kind": "client", "name": "Acme Hiring", "country": "NG"},
        "content": {
            "type": "job_post",
            "id": f"job-{subject}",
            "text": "Pay a $50 registration fee to start",
            "url": "https://pay-me.example/x",
        },
        "score": 0.9,
        "observed_at": recently(),
        "evidence": {"matched": ["registration fee"]},
    }
    item.update(overrides)
    return item


def post(token, path, body, content_type="application/json", client=None):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return (client or Client()).post(f"/api/v1/{path}", raw, content_type=content_type, **headers)


def post_and_group(token, path, body):
    """Post a batch as the API's client does, let the request's transaction 'commit' (which
    queues the grouping job), and run the job as the ingest worker would."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = post(token, path, body)
    run_queued_jobs("ingest")
    return response


def case_of(item_id):
    from cases.models import Signal

    return Signal.objects.select_related("case").get(client_item_id=item_id).case


@pytest.fixture
def make_case(detector_token):
    """Open a case through the real intake path; returns the Case."""
    from cases.models import ApiClient, Case
    from cases.services.intake import IntakeItem, ingest
    from reputation.services import AccountSpec

    client = ApiClient.objects.get(name="scam-job-detector")
    counter = {"n": 0}

    def make(
        subject="cl-1",
        text="Pay a $50 fee to apply",
        policy="SCAM-JOB",
        score=0.9,
        country="NG",
        content_id=None,
        now=None,
    ):
        counter["n"] += 1
        n = counter["n"]
        item = IntakeItem(
            client_item_id=f"case-{n}",
            source="detector",
            subject=AccountSpec(external_id=subject, kind="client", country=country),
            observed_at=datetime.now(UTC) - timedelta(minutes=1),
            policy_code=policy,
            content={"type": "job_post", "id": content_id or f"job-{n}", "text": text, "url": ""},
            score=score,
        )
        (result,) = ingest(client=client, items=[item], now=now)
        return Case.objects.select_related("account", "policy", "queue").get(pk=result.case)

    return make


@pytest.fixture
def claimed(analyst, make_case):
    """A case about a client account with an e-mail, claimed by the analyst."""
    from cases.services import work

    def make(subject="cl-1", policy="CIR-PAY", **kwargs):
        """CIR-PAY's ladder is warn, restrict, suspend."""
        from reputation.models import Account

        case = make_case(subject=subject, policy=policy, **kwargs)
        Account.objects.filter(pk=case.account_id).update(email=f"{subject}@example.com", name=f"Member {subject}")
        work.claim_next_case(actor=analyst, queue=case.queue)
        case.refresh_from_db()
        return case

    return make


def act(actor, case, kind, **fields):
    """Take an action through the service, at the case's current version."""
    from cases.services.enforcement import ActionRequest, take_action

    case.refresh_from_db()
    fields.setdefault("facts", "Asked applicants for a $50 registration fee in job post job-1.")
    return take_action(
        actor=actor, case_id=case.pk, expected_version=case.version, request=ActionRequest(kind=kind, **fields)
    )


# --- real browser (Debian's chromium through Playwright) ---------------------------------------

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser_page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the test's own DB calls stay
    # synchronous, so Django's async guard is lifted for this test only.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        page = browser.new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        yield page, errors
        browser.close()


def sign_in(page, base_url, username, password):
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{base_url}/")
