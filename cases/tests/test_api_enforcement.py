"""POST /api/v1/appeals and GET /api/v1/decisions."""

import json
import threading

import pytest
from django.db import connection
from django.test import Client

from cases.models import Appeal
from cases.services import enforcement
from cases.services.api_clients import create_api_client
from cases.tests.conftest import ROBOT, act, post
from reputation import standing
from trustconsole.models import AuditAction, AuditEvent


@pytest.fixture
def market_token(catalogue):
    _, token = create_api_client(actor=ROBOT, name="marketplace", scopes=["appeals", "decisions"])
    return token


def appeal_body(taken, **overrides):
    body = {"id": f"appeal-{taken.pk}", "action": taken.pk, "account": taken.account.external_id}
    body["statement"] = "The fee was a refundable deposit, and I can show the receipts."
    body.update(overrides)
    return body


def get_feed(token, after="0", limit=100):
    return Client().get("/api/v1/decisions", {"after": after, "limit": limit}, HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_marketplace_files_an_appeal_and_a_replay_returns_the_same_one(analyst, claimed, market_token):
    action = act(analyst, claimed(), "warn")
    first = post(market_token, "appeals", appeal_body(action))
    assert first.status_code == 201 and first.json()["created"] is True
    again = post(market_token, "appeals", appeal_body(action))
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"] and not again.json()["created"]
    assert Appeal.objects.get().filed_via == "api:marketplace"


@pytest.mark.parametrize(
    ("change", "status", "code"),
    [
        ({"statement": ""}, 400, "invalid"),
        ({"action": "1"}, 400, "invalid"),
        ({"action": False}, 400, "invalid"),
        ({"extra": 1}, 400, "invalid"),
        ({"id": "has spaces"}, 400, "invalid"),
        ({"statement": "x\u0000y"}, 400, "invalid"),
        ({"account": "someone-else"}, 404, "not_found"),
        ({"action": 999999}, 404, "not_found"),
    ],
)
def test_bad_appeals_get_a_clear_error_and_store_nothing(analyst, claimed, market_token, change, status, code):
    action = act(analyst, claimed(), "warn")
    response = post(market_token, "appeals", appeal_body(action, **change))
    assert (response.status_code, response.json()["error"]["code"]) == (status, code)
    assert not Appeal.objects.exists()


def test_appeal_requests_that_break_the_envelope_are_refused(analyst, claimed, market_token, detector_token):
    action = act(analyst, claimed(), "warn")
    assert post(market_token, "appeals", "{not json").status_code == 400
    assert post(market_token, "appeals", [appeal_body(action)]).status_code == 400
    assert post(market_token, "appeals", appeal_body(action), content_type="text/plain").status_code == 415
    assert post(None, "appeals", appeal_body(action)).status_code == 401
    assert post(detector_token, "appeals", appeal_body(action)).status_code == 403
    assert not Appeal.objects.exists()


def test_an_appeal_on_a_closed_window_or_a_second_id_is_a_conflict(analyst, claimed, market_token):
    action = act(analyst, claimed(), "warn")
    assert post(market_token, "appeals", appeal_body(action)).status_code == 201
    second = post(market_token, "appeals", appeal_body(action, id="another-id"))
    assert (second.status_code, second.json()["error"]["code"]) == (409, "refused")


def test_the_feed_lists_applied_reversed_and_lifted_decisions_in_order(analyst, lead, claimed, market_token):
    case = claimed()
    action = act(analyst, case, "restrict", capabilities=["messaging"], duration_days=3, deviation_reason="r")
    restriction_id = action.effects["restrictions"][0]
    standing.lift_restriction(actor=ROBOT, restriction_id=restriction_id, reason="expired")
    body = get_feed(market_token).json()
    assert [d["type"] for d in body["decisions"]] == ["action.applied", "restriction.lifted"]
    applied = body["decisions"][0]
    assert (applied["account"], applied["case"], applied["details"]["kind"]) == ("cl-1", case.pk, "restrict")
    assert get_feed(market_token, after=body["next_cursor"]).json() == {
        "decisions": [],
        "next_cursor": body["next_cursor"],
    }
    first_page = get_feed(market_token, limit=1).json()
    assert first_page["decisions"][0]["type"] == "action.applied"
    rest = get_feed(market_token, after=first_page["next_cursor"]).json()
    assert [d["type"] for d in rest["decisions"]] == ["restriction.lifted"]


@pytest.mark.parametrize(("after", "limit"), [("abc", 10), ("-1", 10), ("0", 0), ("0", 5000), ("9" * 40, 10)])
def test_bad_feed_cursors_and_limits_are_refused(market_token, after, limit):
    response = get_feed(market_token, after=after, limit=limit)
    assert (response.status_code, response.json()["error"]["code"]) == (400, "invalid")


def test_the_feed_needs_its_scope(detector_token):
    assert get_feed(detector_token).status_code == 403
    assert Client().get("/api/v1/decisions").status_code == 401


@pytest.mark.django_db(transaction=True)
def test_a_reader_resuming_from_its_cursor_under_concurrent_writers_misses_nothing(market_token, analyst):
    """Eight writers apply and lift restrictions while a reader follows the feed page by page;
    afterwards every decision row was seen exactly once, in id order."""
    from reputation.models import Account

    accounts = [Account.objects.create(external_id=f"acc-{n}", kind="freelancer") for n in range(8)]
    errors = []

    def writer(account):
        try:
            for _ in range(6):
                restriction = standing.impose_restriction(
                    actor=ROBOT,
                    account_id=account.pk,
                    kind="restrict",
                    capabilities=["messaging"],
                    reason="t",
                    source="t",
                )
                standing.lift_restriction(actor=ROBOT, restriction_id=restriction.pk, reason="t")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    seen, cursor = [], "0"

    def read_once():
        nonlocal cursor
        page = json.loads(get_feed(market_token, after=cursor, limit=7).content)
        seen.extend(int(d["cursor"]) for d in page["decisions"])
        cursor = page["next_cursor"]

    threads = [threading.Thread(target=writer, args=(account,)) for account in accounts]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        read_once()
    for thread in threads:
        thread.join()
    for _ in range(20):
        read_once()
    expected = list(
        AuditEvent.objects.filter(action=AuditAction.RESTRICTION_LIFTED).order_by("id").values_list("id", flat=True)
    )
    assert errors == []
    assert len(expected) == 48
    assert seen == expected


def test_an_approved_ban_reaches_the_feed_once(analyst, lead, claimed, market_token):
    action = act(analyst, claimed(), "ban", deviation_reason="r")
    assert get_feed(market_token).json()["decisions"] == []
    enforcement.approve_action(actor=lead, action_id=action.pk)
    types = [d["type"] for d in get_feed(market_token).json()["decisions"]]
    assert types == ["action.applied"]


def test_an_expired_restriction_is_lifted_by_the_sweep_and_shows_in_the_feed(analyst, claimed, market_token):
    from datetime import timedelta

    from django.utils import timezone

    from reputation.jobs import lift_expired_restrictions_job

    action = act(analyst, claimed(), "restrict", capabilities=["messaging"], duration_days=1, deviation_reason="r")
    from reputation.models import Restriction

    Restriction.objects.filter(pk__in=action.effects["restrictions"]).update(
        ends_at=timezone.now() - timedelta(seconds=1)
    )
    assert lift_expired_restrictions_job() == 1
    lifted = get_feed(market_token).json()["decisions"][-1]
    assert (lifted["type"], lifted["reason"], lifted["changes"]["status"]) == (
        "restriction.lifted",
        "expired",
        ["restricted", "active"],
    )
