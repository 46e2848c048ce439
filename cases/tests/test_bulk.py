"""Bulk work: one background job, one audit row per case tied to the batch, progress shown."""

import django_rq
import pytest
from django.urls import reverse

from cases.models import BulkOperation, BulkStatus, Case, CaseStatus
from cases.services import bulk
from conftest import client_for, run_queued_jobs
from trustconsole.models import AuditAction, AuditEvent


@pytest.fixture(autouse=True)
def empty_default_queue():
    django_rq.get_queue("default").empty()


def test_bulk_dismiss_runs_each_case_through_the_service_with_its_own_audit_row(analyst, make_case):
    cases = [make_case(subject=f"cl-{n}") for n in range(3)]
    operation = bulk.start_bulk(actor=analyst, kind="dismiss", case_ids=[c.pk for c in cases], reason="test traffic")
    bulk.run_bulk(operation_id=operation.pk)
    operation.refresh_from_db()
    assert operation.status == BulkStatus.DONE and operation.percent == 100
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.DISMISSED}
    rows = AuditEvent.objects.filter(action=AuditAction.CASE_DISMISSED)
    assert sorted(r.case_id for r in rows) == sorted(c.pk for c in cases)
    assert {r.context["batch"] for r in rows} == {str(operation.pk)}
    assert {r.actor_name for r in rows} == {"ana"}


def test_a_case_that_cannot_be_changed_is_reported_and_the_rest_go_on(analyst, lead, make_case):
    free = make_case(subject="cl-1")
    from cases.services import work

    held = make_case(subject="cl-2", score=0.99)
    work.claim_next_case(actor=lead, queue=held.queue)
    operation = bulk.start_bulk(actor=analyst, kind="escalate", case_ids=[free.pk, held.pk], reason="needs lead")
    operation = bulk.run_bulk(operation_id=operation.pk)
    assert operation.done_ids == [free.pk] and "working on this case" in operation.failures[str(held.pk)]
    assert bulk.run_bulk(operation_id=operation.pk).done_ids == [free.pk]


@pytest.mark.parametrize(
    ("kind", "case_ids", "reason", "message"),
    [
        ("archive", [1], "r", "Choose one of"),
        ("dismiss", [], "r", "Select at least one"),
        ("dismiss", [1], "", "Give the reason"),
        ("dismiss", list(range(1, 600)), "r", "At most"),
    ],
)
def test_bad_bulk_requests_are_refused_before_anything_starts(analyst, kind, case_ids, reason, message):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match=message):
        bulk.start_bulk(actor=analyst, kind=kind, case_ids=case_ids, reason=reason)
    assert not BulkOperation.objects.exists()


def test_only_leads_reassign_in_bulk(analyst, make_case):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        bulk.start_bulk(actor=analyst, kind="reassign", case_ids=[make_case().pk], assignee=analyst)


@pytest.mark.django_db(transaction=True)
def test_selected_cases_from_the_queue_run_as_a_job_with_a_progress_page(analyst, make_case):
    cases = [make_case(subject=f"cl-{n}") for n in range(2)]
    client = client_for(analyst)
    data = {"kind": "escalate", "scope": "selected", "case": [c.pk for c in cases], "reason": "for leads"}
    response = client.post(reverse("cases:bulk_start"), data)
    operation = BulkOperation.objects.get()
    assert response.headers["Location"] == reverse("cases:bulk_status", args=[operation.pk])
    page = client.get(response.headers["Location"]).content.decode()
    assert "0 of 2" in page and 'hx-trigger="every 1s"' in page
    run_queued_jobs("default")
    page = client.get(response.headers["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "2 of 2" in page and "hx-trigger" not in page
    assert set(Case.objects.values_list("status", flat=True)) == {CaseStatus.ESCALATED}


@pytest.mark.django_db(transaction=True)
def test_every_case_matching_the_filters_is_taken_up_to_the_cap(analyst, make_case, settings):
    settings.BULK_CASE_CAP = 2
    for n in range(2):
        make_case(subject=f"cl-{n}", policy="SCAM-JOB")
    make_case(subject="cl-9", policy="CIR-PAY")
    client = client_for(analyst)
    data = {"kind": "dismiss", "scope": "matching", "reason": "cleanup", "policy": "SCAM-JOB"}
    client.post(reverse("cases:bulk_start"), data)
    run_queued_jobs("default")
    statuses = dict(Case.objects.values_list("policy__code", "status").order_by("policy__code"))
    assert statuses == {"CIR-PAY": "open", "SCAM-JOB": "dismissed"}
    make_case(subject="cl-7", policy="SCAM-JOB")
    make_case(subject="cl-8", policy="SCAM-JOB")
    make_case(subject="cl-6", policy="SCAM-JOB")
    response = client.post(reverse("cases:bulk_start"), {**data, "policy": "SCAM-JOB"}, follow=True)
    assert "At most 2 cases" in response.content.decode()


def test_someone_elses_bulk_page_is_refused(analyst, lead, auditor, make_case):
    operation = bulk.start_bulk(actor=lead, kind="dismiss", case_ids=[make_case().pk], reason="r")
    assert client_for(analyst).get(reverse("cases:bulk_status", args=[operation.pk])).status_code == 403
