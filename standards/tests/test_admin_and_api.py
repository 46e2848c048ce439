"""Admins edit thresholds and outreach templates in Django admin (bad values refused, changes
audited); the contracts API carries the facts client standards measure."""

import json

import pytest

from cases.tests.conftest import post
from conftest import client_for
from reputation.models import Contract
from reputation.tests.conftest import market_token  # noqa: F401
from standards.models import ClientStanding, OutreachTemplate, Thresholds
from trustconsole.models import AuditAction, AuditEvent

THRESHOLDS_URL = "/admin/standards/thresholds/"


def thresholds_form(**changes):
    row = Thresholds.objects.get()
    data = {
        field.name: getattr(row, field.name)
        for field in Thresholds._meta.concrete_fields
        if field.name not in ("id", "conduct_policies", "hard_trigger_policies")
    }
    data["conduct_policies"] = json.dumps(row.conduct_policies)
    data["hard_trigger_policies"] = json.dumps(row.hard_trigger_policies)
    data.update(changes)
    return data


def test_an_admin_changes_a_threshold_and_the_change_is_audited(catalogue, admin):
    row = Thresholds.objects.get()
    response = client_for(admin).post(f"{THRESHOLDS_URL}{row.pk}/change/", thresholds_form(improvement_days=45))
    assert response.status_code == 302
    assert Thresholds.objects.get().improvement_days == 45
    assert AuditEvent.objects.get(action=AuditAction.ADMIN_CHANGED).changes["improvement_days"] == [60, 45]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"conduct_policies": '["HARASS", "NOPE"]'}, "Unknown policy codes: NOPE"),
        ({"hard_trigger_policies": '"COERCE"'}, "List policy codes"),
        ({"min_freelancers": 1}, "greater than or equal to 2"),
        ({"client_score_floor": 1.5}, "less than or equal to 0.95"),
        ({"improvement_days": "soon"}, "whole number"),
    ],
)
def test_bad_thresholds_are_refused_and_nothing_changes(catalogue, admin, changes, message):
    row = Thresholds.objects.get()
    web = client_for(admin)
    events = AuditEvent.objects.count()
    response = web.post(f"{THRESHOLDS_URL}{row.pk}/change/", thresholds_form(**changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert Thresholds.objects.get().conduct_policies == row.conduct_policies
    assert Thresholds.objects.get().improvement_days == row.improvement_days
    assert AuditEvent.objects.count() == events


def test_there_is_one_thresholds_row_and_it_cannot_be_deleted(catalogue, admin):
    web = client_for(admin)
    row = Thresholds.objects.get()
    assert web.get(f"{THRESHOLDS_URL}add/").status_code == 403
    assert web.post(f"{THRESHOLDS_URL}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Thresholds.objects.count() == 1


def test_an_outreach_template_with_an_unknown_placeholder_is_refused(catalogue, admin):
    template = OutreachTemplate.objects.get(kind="outreach")
    url = f"/admin/standards/outreachtemplate/{template.pk}/change/"
    response = client_for(admin).post(
        url, {"kind": "outreach", "subject": template.subject, "body": "Dear {{ nickname }}"}
    )
    assert response.status_code == 200 and "Unknown placeholders [&#x27;nickname&#x27;]" in response.content.decode()
    assert OutreachTemplate.objects.get(kind="outreach").body == template.body


def test_standings_are_read_only_in_admin(catalogue, admin):
    assert client_for(admin).get("/admin/standards/clientstanding/add/").status_code == 403
    assert not ClientStanding.objects.exists()


def contract_item(**changes):
    item = {
        "id": "c-ghost",
        "freelancer": "fl-1",
        "client": "cl-1",
        "kind": "fixed",
        "started_at": "2026-09-01T10:00:00Z",
        "earnings_cents": 40_000,
        "work_submitted_at": "2026-09-20T10:00:00Z",
        "client_responded_at": "2026-10-10T10:00:00Z",
        "refund_after_delivery_at": "2026-10-11T10:00:00Z",
    }
    item.update(changes)
    return item


def test_the_contracts_api_stores_submission_response_and_refund_times(market_token):  # noqa: F811
    response = post(market_token, "contracts", {"contracts": [contract_item()]})
    assert response.status_code == 200, response.content
    stored = Contract.objects.get(external_id="c-ghost")
    assert stored.work_submitted_at.isoformat() == "2026-09-20T10:00:00+00:00"
    assert stored.client_responded_at.day == 10 and stored.refund_after_delivery_at.day == 11


@pytest.mark.parametrize(
    "changes",
    [
        {"client_responded_at": "2026-09-19T10:00:00Z"},
        {"work_submitted_at": None},
        {"refund_after_delivery_at": "yesterday"},
        {"work_submitted_at": False},
    ],
)
def test_bad_submission_times_are_rejected_and_nothing_is_stored(market_token, changes):  # noqa: F811
    response = post(market_token, "contracts", {"contracts": [contract_item(**changes)]})
    assert response.json()["results"][0]["status"] == "rejected"
    assert not Contract.objects.filter(external_id="c-ghost").exists()
