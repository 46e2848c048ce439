import json
from datetime import timedelta

import django_rq
import pytest
from django.test import TestCase

from cases.models import ApiClient, Case, CaseStatus, ContentVersion, Signal
from cases.services.api_clients import create_api_client, revoke_api_client
from cases.tests.conftest import ROBOT, case_of, post, post_and_group, signal
from conftest import run_queued_jobs
from reputation.models import Account
from trustconsole.models import AuditAction, AuditEvent


def stored():
    return Signal.objects.count(), Case.objects.count(), Account.objects.count()


def test_a_signal_opens_a_case_with_its_account_content_and_priority(detector_token):
    response = post_and_group(detector_token, "signals", {"signals": [signal("s-1")]})
    assert response.status_code == 200
    body = response.json()
    assert body["counts"] == {"created": 1, "duplicate": 0, "rejected": 0}
    (result,) = body["results"]
    assert (result["id"], result["status"], result["case"], result["errors"]) == ("s-1", "created", None, {})
    case = case_of("s-1")
    assert (case.policy.code, case.queue.slug, case.status, case.signal_count) == (
        "SCAM-JOB",
        "scams",
        CaseStatus.OPEN,
        1,
    )
    assert (case.account.external_id, case.account.kind, case.country) == ("fl-1", "client", "NG")
    assert case.max_score == 0.9 and case.priority > 0
    assert set(case.priority_parts["parts"]) == {"severity", "score", "sources", "reach", "sla"}
    assert case.due_at - case.opened_at == timedelta(hours=8)
    version = case.signals.get().content
    assert version.sha256 == ContentVersion.hash_text("Pay a $50 registration fee to start")
    assert (
        AuditEvent.objects.filter(action=AuditAction.CASE_OPENED, case_id=case.pk, subject_account="fl-1").count() == 1
    )
    assert AuditEvent.objects.filter(action=AuditAction.INTAKE_BATCH).get().actor_name == "api:scam-job-detector"


def test_a_second_signal_joins_the_open_case_and_raises_its_priority(detector_token):
    post_and_group(detector_token, "signals", {"signals": [signal("s-1", score=0.5)]})
    before = case_of("s-1").priority
    post_and_group(detector_token, "signals", {"signals": [signal("s-2", score=0.95)]})
    case = case_of("s-2")
    assert case == case_of("s-1")
    assert case.signal_count == 2 and case.max_score == 0.95 and case.priority > before
    assert AuditEvent.objects.filter(action=AuditAction.CASE_SIGNALS_ADDED, case_id=case.pk).count() == 1


def test_changed_content_text_is_kept_as_a_new_version(detector_token):
    post(detector_token, "signals", {"signals": [signal("s-1")]})
    changed = signal("s-2", content={"type": "job_post", "id": "job-fl-1", "text": "Edited: now a $80 fee"})
    post(detector_token, "signals", {"signals": [changed]})
    versions = ContentVersion.objects.filter(item__external_id="job-fl-1").order_by("seen_at")
    assert [v.text for v in versions] == ["Pay a $50 registration fee to start", "Edited: now a $80 fee"]


def test_a_replayed_batch_is_recognised_and_stores_nothing_new(detector_token):
    batch = {"signals": [signal("s-1"), signal("s-2", subject="fl-2")]}
    post_and_group(detector_token, "signals", batch)
    counts = stored()
    again = post_and_group(detector_token, "signals", batch).json()
    assert again["counts"] == {"created": 0, "duplicate": 2, "rejected": 0}
    assert [r["case"] for r in again["results"]] == [case_of("s-1").pk, case_of("s-2").pk]
    assert stored() == counts


def test_a_replay_before_grouping_is_a_duplicate_that_names_no_case_yet(detector_token):
    batch = {"signals": [signal("s-1")]}
    post(detector_token, "signals", batch)
    again = post(detector_token, "signals", batch).json()
    assert again["results"] == [{"id": "s-1", "status": "duplicate", "case": None, "errors": {}}]
    assert Signal.objects.count() == 1


def test_stored_signals_wait_ungrouped_until_the_queued_job_groups_them(detector_token):
    with TestCase.captureOnCommitCallbacks(execute=True):
        post(detector_token, "signals", {"signals": [signal("s-1"), signal("s-2", subject="fl-2")]})
        assert Signal.objects.filter(case__isnull=True).count() == 2 and not Case.objects.exists()
    # Two more requests while the first job still waits share it: one job in the queue.
    for n in (3, 4):
        with TestCase.captureOnCommitCallbacks(execute=True):
            post(detector_token, "signals", {"signals": [signal(f"s-{n}", subject=f"fl-{n}")]})
    assert django_rq.get_queue("ingest").count == 1
    run_queued_jobs("ingest")
    assert not Signal.objects.filter(case__isnull=True).exists()
    assert Case.objects.count() == 4
    opened = AuditEvent.objects.filter(action=AuditAction.CASE_OPENED)
    assert {e.actor_name for e in opened} == {"system:intake-grouping"} and opened.count() == 4


def test_the_same_id_twice_in_one_batch_keeps_the_first(detector_token):
    body = post(detector_token, "signals", {"signals": [signal("s-1"), signal("s-1", score=0.1)]}).json()
    assert [r["status"] for r in body["results"]] == ["created", "rejected"]
    assert body["results"][1]["errors"] == {"id": "appears twice in this batch"}
    assert Signal.objects.get().score == 0.9


BAD_ITEMS = [
    ("unknown policy", {"policy": "NOPE"}, "policy"),
    ("unknown field", {"colour": "red"}, "colour"),
    ("false for a number", {"score": False}, "score"),
    ("string for a number", {"score": "0.5"}, "score"),
    ("score above one", {"score": 1.5}, "score"),
    ("negative score", {"score": -0.1}, "score"),
    ("not a timestamp", {"observed_at": "yesterday"}, "observed_at"),
    ("timestamp without a zone", {"observed_at": "2026-11-20T10:00:00"}, "observed_at"),
    ("timestamp in the future", {"observed_at": "2099-01-01T00:00:00Z"}, "observed_at"),
    ("evidence over 16 KiB", {"evidence": {"blob": "x" * 17000}}, "evidence"),
    ("bad id characters", {"id": "has spaces"}, "id"),
    ("missing subject", {"subject": None}, "subject"),
    ("lower-case country", {"subject": {"id": "fl-1", "country": "ng"}}, "subject.country"),
    ("unknown content type", {"content": {"type": "tweet", "id": "t-1"}}, "content.type"),
    # Found by schemathesis: PostgreSQL cannot store NUL, nor offsets like +18:13 that far back.
    ("NUL in content text", {"content": {"type": "job_post", "id": "j-1", "text": "a\x00b"}}, "content.text"),
    ("NUL in evidence", {"evidence": {"note": "a\x00b"}}, "evidence"),
    ("implausibly old timestamp", {"observed_at": "1651-08-02T20:19:36+18:13"}, "observed_at"),
]


@pytest.mark.parametrize(("label", "change", "field"), BAD_ITEMS, ids=[b[0] for b in BAD_ITEMS])
def test_a_bad_item_is_rejected_with_its_field_while_the_good_one_is_kept(detector_token, label, change, field):
    bad = {**signal("bad-1", subject="fl-bad"), **change}
    bad = {k: v for k, v in bad.items() if v is not None}
    body = post(detector_token, "signals", {"signals": [bad, signal("good-1")]}).json()
    assert [r["status"] for r in body["results"]] == ["rejected", "created"]
    assert any(key.startswith(field) for key in body["results"][0]["errors"]), body["results"][0]["errors"]
    assert list(Signal.objects.values_list("client_item_id", flat=True)) == ["good-1"]
    assert not Account.objects.filter(external_id="fl-bad").exists()


def test_a_subject_whose_kind_differs_from_the_stored_account_is_rejected(detector_token):
    post(detector_token, "signals", {"signals": [signal("s-1")]})
    freelancer = {**signal("s-2"), "subject": {"id": "fl-1", "kind": "freelancer"}}
    body = post(detector_token, "signals", {"signals": [freelancer]}).json()
    assert body["results"][0]["status"] == "rejected"
    assert "is a client" in body["results"][0]["errors"]["subject"]["kind"]
    assert Account.objects.get(external_id="fl-1").kind == "client"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"{not json", "malformed_json"),
        ({"items": []}, "bad_envelope"),
        ({"signals": {}}, "bad_envelope"),
        ({"signals": [], "extra": 1}, "bad_envelope"),
        ([], "bad_envelope"),
    ],
)
def test_a_bad_body_is_a_400_and_stores_nothing(detector_token, raw, code):
    response = post(detector_token, "signals", raw)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == code
    assert stored() == (0, 0, 0)


def test_a_body_that_is_not_json_is_a_415(detector_token):
    response = post(detector_token, "signals", "signals=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"


def test_a_body_over_one_mebibyte_is_a_413(detector_token):
    items = [signal(f"s-{n}", evidence={"pad": "x" * 15000}) for n in range(80)]
    response = post(detector_token, "signals", {"signals": items})
    assert response.status_code == 413
    assert stored() == (0, 0, 0)


def test_more_than_a_thousand_items_is_a_413(detector_token):
    response = post(detector_token, "signals", {"signals": [{"id": str(n)} for n in range(1001)]})
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "too_many_items"


@pytest.mark.parametrize("token", ["", "tc_nothing_here", "Basic abc"])
def test_a_missing_or_wrong_token_is_a_401(detector_token, token):
    response = post(token, "signals", {"signals": [signal("s-1")]})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert stored() == (0, 0, 0)


def test_a_revoked_token_is_a_401(detector_token):
    revoke_api_client(actor=ROBOT, client=ApiClient.objects.get(name="scam-job-detector"), reason="leaked")
    assert post(detector_token, "signals", {"signals": [signal("s-1")]}).status_code == 401


def test_a_token_without_the_scope_is_a_403(reports_token):
    response = post(reports_token, "signals", {"signals": [signal("s-1", policy="SCAM-JOB")]})
    assert response.status_code == 403
    assert stored() == (0, 0, 0)


def test_a_client_over_its_rate_gets_429_with_retry_after(catalogue):
    from django.core.cache import cache

    cache.clear()
    _, token = create_api_client(actor=ROBOT, name="chatty", scopes=["signals"], rate_limit_per_minute=2)
    codes = [post(token, "signals", {"signals": []}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = post(token, "signals", {"signals": []})
    assert int(response.headers["Retry-After"]) <= 60


def test_a_signal_without_policy_from_a_client_without_detector_is_rejected(catalogue):
    _, token = create_api_client(actor=ROBOT, name="generic", scopes=["signals"])
    body = post(token, "signals", {"signals": [signal("s-1"), signal("s-2", policy="SPAM")]}).json()
    assert [r["status"] for r in body["results"]] == ["rejected", "created"]
    assert "no detector" in body["results"][0]["errors"]["policy"]


def report(item_id, reason="fee", **overrides):
    item = {
        "id": item_id,
        "reporter": {"id": "fl-reporter", "kind": "freelancer"},
        "reason": reason,
        "subject": {"id": "cl-9", "kind": "client"},
        "content": {"type": "job_post", "id": "job-9", "text": "Send $30 for the training kit"},
        "comment": "They asked me to pay before the interview",
    }
    item.update(overrides)
    return item


def test_a_report_maps_its_reason_to_a_policy_and_remembers_the_reporter(reports_token):
    post_and_group(reports_token, "reports", {"reports": [report("r-1")]})
    case = case_of("r-1")
    assert case.policy.code == "FEE-APPLY" and case.has_reports and not case.has_detections
    signal_row = case.signals.get()
    assert signal_row.reporter.account.external_id == "fl-reporter"
    assert signal_row.comment == "They asked me to pay before the interview"
    assert "training kit" in case.search_text


def test_a_report_with_a_reason_unknown_for_its_content_type_is_rejected(reports_token):
    body = post(reports_token, "reports", {"reports": [report("r-1", reason="harassment"), report("r-2")]}).json()
    assert [r["status"] for r in body["results"]] == ["rejected", "created"]
    assert "unknown report reason" in body["results"][0]["errors"]["reason"]


def test_the_schema_documents_every_error_status_and_the_item_shape(client, analyst):
    client.force_login(analyst)
    schema = client.get("/api/v1/openapi.json").json()
    responses = schema["paths"]["/api/v1/signals"]["post"]["responses"]
    assert {"200", "400", "401", "403", "413", "415", "429"} <= set(responses)
    assert schema["components"]["schemas"]["SignalIn"]["additionalProperties"] is False
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200 and "/api/v1/signals" in docs.content.decode()


def test_errors_do_not_echo_secrets(detector_token):
    response = post(detector_token + "x", "signals", {"signals": []})
    assert detector_token not in json.dumps(response.json())


def test_a_timestamp_with_an_offset_is_stored_in_utc(detector_token):
    post(detector_token, "signals", {"signals": [signal("s-1", observed_at="2026-11-20T23:30:00+14:00")]})
    stored_at = Signal.objects.get().observed_at
    assert stored_at.isoformat() == "2026-11-20T09:30:00+00:00"
