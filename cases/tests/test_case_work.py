from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseNote, CaseStatus, Signal
from cases.services import work
from cases.services.sla import sweep_open_cases
from cases.tests.conftest import post, signal
from conftest import client_for
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent


def last_event(action, case):
    return AuditEvent.objects.filter(action=action, case_id=case.pk).last()


def test_next_case_leases_the_highest_priority_unclaimed_case(analyst, make_case):
    low = make_case(subject="cl-1", score=0.2)
    high = make_case(subject="cl-2", score=0.99)
    response = client_for(analyst).post(reverse("cases:claim_next", args=[high.queue.slug]))
    assert response.status_code == 302 and response.headers["Location"] == reverse("cases:case", args=[high.pk])
    high.refresh_from_db()
    assert (high.assignee, high.status) == (analyst, CaseStatus.IN_REVIEW)
    assert high.lease_expires_at > timezone.now() + timedelta(minutes=14)
    event = last_event(AuditAction.CASE_CLAIMED, high)
    assert event.changes == {"assignee": [None, "ana"], "status": ["open", "in_review"]}
    low.refresh_from_db()
    assert low.assignee is None


def test_next_case_skips_held_cases_and_takes_lapsed_ones(analyst, lead, make_case):
    held = make_case(subject="cl-1", score=0.99)
    work.claim_next_case(actor=lead, queue=held.queue)
    lapsed = make_case(subject="cl-2", score=0.5)
    Case.objects.filter(pk=lapsed.pk).update(assignee=lead, lease_expires_at=timezone.now() - timedelta(minutes=1))
    claimed = work.claim_next_case(actor=analyst, queue=held.queue)
    assert claimed.pk == lapsed.pk and claimed.assignee == analyst


def test_an_empty_queue_says_so(analyst, catalogue):
    from cases.models import Queue

    response = client_for(analyst).post(reverse("cases:claim_next", args=["scams"]), follow=True)
    assert "No unclaimed case is waiting in Scams" in response.content.decode()
    assert Queue.objects.get(slug="scams").cases.count() == 0


def test_auditors_cannot_claim_and_claiming_is_a_post(auditor, analyst, make_case):
    case = make_case()
    assert client_for(auditor).post(reverse("cases:claim_next", args=[case.queue.slug])).status_code == 403
    assert client_for(analyst).get(reverse("cases:claim_next", args=[case.queue.slug])).status_code == 405
    case.refresh_from_db()
    assert case.assignee is None


def test_a_note_is_added_with_the_version_the_page_showed(analyst, make_case):
    case = make_case()
    response = client_for(analyst).post(
        reverse("cases:add_note", args=[case.pk]), {"version": case.version, "text": "Same card as #12"}
    )
    assert response.status_code == 302
    note = CaseNote.objects.get(case=case)
    assert (note.text, note.author) == ("Same card as #12", analyst)
    refreshed = Case.objects.get(pk=case.pk)
    assert refreshed.version == case.version + 1
    assert last_event(AuditAction.CASE_NOTE_ADDED, case).actor_name == "ana"


def test_a_stale_version_is_refused_with_a_clear_message_and_nothing_changes(analyst, make_case):
    case = make_case()
    client = client_for(analyst)
    client.post(reverse("cases:add_note", args=[case.pk]), {"version": case.version, "text": "first"})
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("cases:add_note", args=[case.pk]), {"version": case.version, "text": "from a stale tab"}, follow=True
    )
    assert "changed since you opened it" in response.content.decode()
    assert list(CaseNote.objects.values_list("text", flat=True)) == ["first"]
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(
    ("data", "message"),
    [({"text": ""}, "text"), ({"text": "x"}, "version"), ({"version": "abc", "text": "x"}, "version")],
)
def test_a_bad_note_form_changes_nothing(analyst, make_case, data, message):
    case = make_case()
    response = client_for(analyst).post(reverse("cases:add_note", args=[case.pk]), data, follow=True)
    assert message in response.content.decode()
    assert not CaseNote.objects.exists()
    assert Case.objects.get(pk=case.pk).version == case.version


def test_another_analysts_lease_blocks_writes_but_not_a_leads(analyst, lead, make_case, django_user_model):
    case = make_case()
    work.claim_next_case(actor=lead, queue=case.queue)
    case.refresh_from_db()
    with pytest.raises(PermissionDenied, match="lee is working on this case"):
        work.add_case_note(actor=analyst, case_id=case.pk, expected_version=case.version, text="mine")
    work.add_case_note(actor=lead, case_id=case.pk, expected_version=case.version, text="lead's")
    assert CaseNote.objects.get().author == lead


def test_escalating_needs_a_reason_and_sends_the_case_to_leads(analyst, make_case):
    case = make_case()
    client = client_for(analyst)
    client.post(reverse("cases:escalate", args=[case.pk]), {"version": case.version, "reason": "  "})
    assert Case.objects.get(pk=case.pk).status == CaseStatus.OPEN
    client.post(reverse("cases:escalate", args=[case.pk]), {"version": case.version, "reason": "Top Rated account"})
    case.refresh_from_db()
    assert case.status == CaseStatus.ESCALATED
    event = last_event(AuditAction.CASE_ESCALATED, case)
    assert (event.reason, event.changes) == ("Top Rated account", {"status": ["open", "escalated"]})


def test_leads_reassign_and_analysts_cannot(analyst, lead, make_case, django_user_model):
    case = make_case()
    url = reverse("cases:reassign", args=[case.pk])
    assert client_for(analyst).post(url, {"version": case.version, "assignee": "ana"}).status_code == 403
    client_for(lead).post(url, {"version": case.version, "assignee": "ana"})
    case.refresh_from_db()
    assert case.assignee == analyst
    assert last_event(AuditAction.CASE_REASSIGNED, case).changes == {"assignee": [None, "ana"]}


def test_a_case_cannot_be_given_to_someone_who_does_not_work_cases(lead, auditor, make_case):
    case = make_case()
    response = client_for(lead).post(
        reverse("cases:reassign", args=[case.pk]), {"version": case.version, "assignee": "aud"}, follow=True
    )
    assert "Select a valid choice" in response.content.decode()
    assert Case.objects.get(pk=case.pk).assignee is None


def test_release_returns_the_case_to_its_queue(analyst, make_case):
    case = make_case()
    claimed = work.claim_next_case(actor=analyst, queue=case.queue)
    client_for(analyst).post(reverse("cases:release", args=[case.pk]), {"version": claimed.version})
    case.refresh_from_db()
    assert (case.assignee, case.status) == (None, CaseStatus.OPEN)
    assert last_event(AuditAction.CASE_RELEASED, case).changes == {"assignee": ["ana", None]}


def test_the_open_page_renews_the_lease_only_for_its_holder(analyst, lead, make_case):
    case = make_case()
    claimed = work.claim_next_case(actor=analyst, queue=case.queue)
    Case.objects.filter(pk=case.pk).update(lease_expires_at=timezone.now() + timedelta(minutes=1))
    assert client_for(analyst).post(reverse("cases:renew_lease", args=[case.pk])).status_code == 200
    renewed = Case.objects.get(pk=case.pk)
    assert renewed.lease_expires_at > timezone.now() + timedelta(minutes=14)
    assert renewed.version == claimed.version, "a heartbeat must not make the analyst's own forms stale"
    assert client_for(lead).post(reverse("cases:renew_lease", args=[case.pk])).status_code == 409


def test_the_sweep_releases_lapsed_leases_marks_breaches_and_reranks(analyst, make_case):
    old = make_case(subject="cl-1", now=timezone.now() - timedelta(hours=9))
    fresh = make_case(subject="cl-2")
    claimed = work.claim_next_case(actor=analyst, queue=fresh.queue)
    Case.objects.filter(pk=claimed.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    result = sweep_open_cases(actor=SystemActor("sla-sweeper"))
    assert result["released"] == 1 and result["breached"] == 1
    old.refresh_from_db()
    assert old.sla_breached and old.priority_parts["parts"]["sla"]["value"] == 1.0
    assert last_event(AuditAction.CASE_SLA_BREACHED, old).actor_name == "system:sla-sweeper"
    again = sweep_open_cases(actor=SystemActor("sla-sweeper"))
    assert again["released"] == 0 and again["breached"] == 0


def test_the_sweep_groups_signals_whose_grouping_job_was_lost(detector_token):
    # Stored through the API, whose queued job never runs here (as if Redis had lost it).
    post(detector_token, "signals", {"signals": [signal("s-1"), signal("s-2", subject="fl-2")]})
    assert Signal.objects.filter(case__isnull=True).count() == 2
    result = sweep_open_cases(actor=SystemActor("sla-sweeper"))
    assert result["grouped"] == 2
    assert not Signal.objects.filter(case__isnull=True).exists() and Case.objects.count() == 2
    assert sweep_open_cases(actor=SystemActor("sla-sweeper"))["grouped"] == 0
