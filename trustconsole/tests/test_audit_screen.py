"""The audit log screen and its CSV export."""

import csv
import io

from django.urls import reverse

from conftest import client_for
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.services import record
from trustconsole.views_audit import CSV_COLUMNS


def fill(count, **fields):
    for n in range(count):
        record(actor=SystemActor("seed"), action=AuditAction.CASE_NOTE_ADDED, case_id=n + 1, **fields)


def test_leads_see_the_newest_events_first_and_page_by_keyset(lead):
    fill(60, subject_account="fl-1")
    client = client_for(lead)
    first = client.get(reverse("audit_log"), {"account": "fl-1"})
    html = first.content.decode()
    newest = AuditEvent.objects.filter(subject_account="fl-1").order_by("-id")
    assert f'<td class="num">{newest[0].pk}</td>' in html
    assert f'<td class="num">{newest[50].pk}</td>' not in html
    before = newest[49].pk
    assert f"before={before}" in html
    second = client.get(reverse("audit_log"), {"account": "fl-1", "before": before}).content.decode()
    assert f'<td class="num">{newest[50].pk}</td>' in second and "Older" not in second


def test_filters_narrow_by_action_actor_case_and_date(lead, analyst):
    fill(3)
    record(actor=analyst, action=AuditAction.CASE_ESCALATED, case_id=77, subject_account="cl-9", reason="<b>why</b>")
    client = client_for(lead)
    html = client.get(reverse("audit_log"), {"action": "case.escalated", "actor": "ana", "case": 77}).content.decode()
    assert html.count("<tr>") == 2 and "&lt;b&gt;why&lt;/b&gt;" in html
    none = client.get(reverse("audit_log"), {"case": 77, "until": "2000-01-01"}).content.decode()
    assert "No events match." in none
    bad = client.get(reverse("audit_log"), {"case": "seven", "since": "yesterday"})
    assert bad.status_code == 200 and "No events match." in bad.content.decode()


def test_the_export_streams_every_matching_row_and_is_itself_audited(lead):
    fill(2500, subject_account="fl-2", reason="=HYPERLINK(evil)")
    response = client_for(lead).get(reverse("audit_export"), {"account": "fl-2"})
    assert response.streaming and response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == CSV_COLUMNS and len(rows) == 2501
    assert rows[1][CSV_COLUMNS.index("reason")] == "'=HYPERLINK(evil)"
    exported = AuditEvent.objects.get(action=AuditAction.AUDIT_EXPORTED)
    assert exported.actor_name == "lee" and exported.context == {"filters": {"account": ["fl-2"]}}


def test_admins_read_the_log_but_cannot_export_it(admin):
    assert client_for(admin).get(reverse("audit_log")).status_code == 200
    assert client_for(admin).get(reverse("audit_export")).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.AUDIT_EXPORTED).exists()
