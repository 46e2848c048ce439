"""POST /api/v1/accounts, POST /api/v1/contracts and GET /api/v1/accounts/{id}."""

import json

import pytest
from django.test import Client

from reputation.models import Account, Contract
from reputation.scores import recompute_scores
from reputation.tests.conftest import ROBOT
from trustconsole.models import AuditAction, AuditEvent


def post(token, path, body, content_type="application/json"):
    raw = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return Client().post(f"/api/v1/{path}", raw, content_type=content_type, **headers)


def account(external_id="fl-1", **overrides):
    item = {
        "id": external_id,
        "kind": "freelancer",
        "name": "Ada Obi",
        "email": "ada@example.com",
        "country": "NG",
        "joined_at": "2024-01-02T00:00:00Z",
        "identity_verified": True,
        "payment_verified": False,
    }
    item.update(overrides)
    return item


def contract(external_id="ct-1", **overrides):
    item = {
        "id": external_id,
        "freelancer": "fl-1",
        "client": "cl-1",
        "kind": "fixed",
        "started_at": "2026-01-05T00:00:00Z",
        "ended_at": "2026-03-01T00:00:00Z",
        "earnings_cents": 80_000,
        "end_reason": "completed",
        "feedback": {"client_private": 9, "client_public": 5, "freelancer_public": 4, "at": "2026-03-02T00:00:00Z"},
    }
    item.update(overrides)
    return item


def test_accounts_are_upserted_idempotently_and_audited(market_token):
    first = post(market_token, "accounts", {"accounts": [account(), account("cl-1", kind="client")]})
    assert first.status_code == 200 and first.json()["counts"]["created"] == 2
    again = post(market_token, "accounts", {"accounts": [account(), account("cl-1", kind="client")]})
    assert again.json()["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "rejected": 0}
    changed = post(market_token, "accounts", {"accounts": [account(payment_verified=True)]})
    assert changed.json()["results"][0]["status"] == "updated"
    assert Account.objects.get(external_id="fl-1").payment_verified is True
    row = AuditEvent.objects.filter(action=AuditAction.ACCOUNT_UPDATED).get()
    assert row.changes == {"payment_verified": [False, True]}


@pytest.mark.parametrize(
    ("item", "field"),
    [
        (account(kind="robot"), "kind"),
        (account(email="not-an-email"), "email"),
        (account(country="ng"), "country"),
        (account(identity_verified="yes"), "identity_verified"),
        (account(joined_at="yesterday"), "joined_at"),
        (account(extra=1), "extra"),
        ({"kind": "client"}, "id"),
    ],
)
def test_bad_accounts_are_rejected_one_by_one_and_good_ones_kept(market_token, item, field):
    response = post(market_token, "accounts", {"accounts": [item, account("fl-ok")]})
    body = response.json()
    assert response.status_code == 200 and body["counts"]["rejected"] == 1 and body["counts"]["created"] == 1
    assert any(key.startswith(field) for key in body["results"][0]["errors"])
    assert list(Account.objects.values_list("external_id", flat=True)) == ["fl-ok"]


def test_contracts_are_upserted_with_feedback_and_create_named_accounts(market_token):
    interim = [{"client_private": 8, "at": "2026-02-01T00:00:00Z"}]
    response = post(market_token, "contracts", {"contracts": [contract(interim_feedback=interim)]})
    assert response.json()["counts"]["created"] == 1
    stored = Contract.objects.get(external_id="ct-1")
    assert (stored.client_private, stored.client_public, stored.client.kind) == (9, 5, "client")
    assert stored.interim_feedback.get().client_private == 8
    again = post(market_token, "contracts", {"contracts": [contract(interim_feedback=interim)]})
    assert again.json()["counts"]["unchanged"] == 1
    disputed = post(market_token, "contracts", {"contracts": [contract(dispute={"outcome": "freelancer_lost"})]})
    assert disputed.json()["results"][0]["status"] == "updated"
    row = AuditEvent.objects.filter(action=AuditAction.CONTRACT_UPDATED).get()
    assert row.changes["dispute_outcome"] == ["", "freelancer_lost"] and "client_private" not in row.changes


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"feedback": {"client_private": 11, "at": "2026-03-02T00:00:00Z"}}, "feedback.client_private"),
        ({"feedback": {"client_public": 0, "at": "2026-03-02T00:00:00Z"}}, "feedback.client_public"),
        ({"earnings_cents": -1}, "earnings_cents"),
        ({"earnings_cents": 10.5}, "earnings_cents"),
        ({"kind": "barter"}, "kind"),
        ({"ended_at": "2025-01-01T00:00:00Z"}, "item"),
        ({"client": "fl-1"}, "item"),
        ({"dispute": {"outcome": "won"}}, "dispute.outcome"),
        # Found by schemathesis: converting this to UTC overflowed into a 500.
        ({"started_at": "0001-01-01T00:00:00+12:01"}, "started_at"),
    ],
)
def test_bad_contracts_are_rejected_and_nothing_of_them_is_stored(market_token, overrides, field):
    response = post(market_token, "contracts", {"contracts": [contract(**overrides)]})
    body = response.json()
    assert body["counts"]["rejected"] == 1
    errors = body["results"][0]["errors"]
    assert any(key.startswith(field) for key in errors) or (field == "item" and errors), errors
    assert not Contract.objects.exists()


def test_a_client_id_that_is_a_freelancer_is_refused(market_token):
    post(market_token, "accounts", {"accounts": [account("fl-2")]})
    body = post(market_token, "contracts", {"contracts": [contract(client="fl-2")]}).json()
    assert body["results"][0]["errors"] == {"item": "account fl-2 is a freelancer, not a client"}
    assert not Contract.objects.exists()


def test_envelope_token_and_scope_errors(market_token):
    from cases.services.api_clients import create_api_client

    _, other = create_api_client(actor=ROBOT, name="detector", scopes=["signals"])
    assert post(market_token, "contracts", "{nope").status_code == 400
    assert post(market_token, "contracts", {"items": []}).status_code == 400
    assert post(market_token, "contracts", {"contracts": [contract()] * 1001}).status_code == 413
    assert post(market_token, "contracts", {"contracts": []}, content_type="text/plain").status_code == 415
    assert post(None, "contracts", {"contracts": []}).status_code == 401
    assert post(other, "contracts", {"contracts": []}).status_code == 403
    assert not Contract.objects.exists()


def test_the_account_endpoint_shows_standing_badges_and_the_public_score(market_token):
    post(market_token, "contracts", {"contracts": [contract(), contract("ct-2", client="cl-2")]})
    client = Client(HTTP_AUTHORIZATION=f"Bearer {market_token}")
    before = client.get("/api/v1/accounts/fl-1").json()
    assert (before["status"], before["score"], before["restrictions"]) == ("active", None, [])
    recompute_scores(actor=ROBOT)
    after = client.get("/api/v1/accounts/fl-1").json()
    assert isinstance(after["score"], int) and 80 <= after["score"] <= 100
    assert client.get("/api/v1/accounts/nobody").status_code == 404
