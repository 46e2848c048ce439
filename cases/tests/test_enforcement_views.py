"""The action form, its confirm step, dismissal, approvals and appeals screens."""

import pytest
from django.urls import reverse

from cases.models import ActionStatus, Appeal, CaseStatus, EnforcementAction
from cases.services import appeals
from cases.tests.conftest import act
from conftest import client_for, make_staff
from reputation.models import Account, AccountStatus
from trustconsole.models import AuditAction, AuditEvent, Notice
from trustconsole.roles import LEAD

FACTS = "Asked the freelancer to pay outside the platform by bank transfer."


def test_the_action_form_preselects_the_ladder_and_shows_the_blast_radius(analyst, claimed):
    case = claimed()
    response = client_for(analyst).get(reverse("cases:action_form", args=[case.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="recommended">Warn<' in html and "strike <strong>1</strong>" in html
    assert "What this touches" in html and "Active contracts" in html
    assert f'action="{reverse("cases:act_warn", args=[case.pk])}"' in html
    assert "deviation_reason" not in html


def test_choosing_another_kind_asks_for_the_reason(analyst, claimed):
    case = claimed()
    html = client_for(analyst).get(reverse("cases:action_form", args=[case.pk]) + "?kind=suspend").content.decode()
    assert 'name="deviation_reason"' in html and 'name="duration_days"' in html


def test_the_preview_shows_the_statement_and_changes_nothing(analyst, claimed):
    case = claimed()
    data = {"version": case.version, "facts": FACTS}
    response = client_for(analyst).post(reverse("cases:act_warn", args=[case.pk]), data)
    html = response.content.decode()
    assert response.status_code == 200 and "bank transfer" in html and case.policy.tos_url in html
    assert 'name="confirm" value="yes"' in html
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and not EnforcementAction.objects.exists()


def test_user_content_in_the_preview_is_escaped(analyst, claimed):
    case = claimed()
    data = {"version": case.version, "facts": "<script>alert(1)</script>"}
    html = client_for(analyst).post(reverse("cases:act_warn", args=[case.pk]), data).content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_confirming_applies_the_action_and_redirects_to_the_case(analyst, claimed):
    case = claimed()
    data = {"version": case.version, "facts": FACTS, "confirm": "yes"}
    response = client_for(analyst).post(reverse("cases:act_warn", args=[case.pk]), data)
    assert response.status_code == 302 and response.headers["Location"] == reverse("cases:case", args=[case.pk])
    action = EnforcementAction.objects.get()
    assert (action.kind, action.status, action.proposed_by) == ("warn", ActionStatus.APPLIED, analyst)
    assert Notice.objects.filter(action_id=action.pk).exists()


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("warn", {"facts": ""}),
        ("suspend", {"facts": FACTS, "duration_days": "soon", "deviation_reason": "r"}),
        ("suspend", {"facts": FACTS, "duration_days": "5"}),
        ("restrict", {"facts": FACTS, "capabilities": ["flying"], "deviation_reason": "r"}),
        ("remove_content", {"facts": FACTS, "content_items": ["999999"], "deviation_reason": "r"}),
        ("warn", {"facts": FACTS, "version": "x"}),
    ],
)
def test_bad_action_forms_answer_400_with_errors_and_change_nothing(analyst, claimed, verb, data):
    case = claimed()
    payload = {"version": case.version, "confirm": "yes", **data}
    response = client_for(analyst).post(reverse(f"cases:act_{verb}", args=[case.pk]), payload)
    assert response.status_code == 400 and 'role="alert"' in response.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW and not EnforcementAction.objects.exists()


def test_a_stale_form_is_refused_with_a_message(analyst, claimed):
    case = claimed()
    data = {"version": case.version - 1, "facts": FACTS, "confirm": "yes"}
    response = client_for(analyst).post(reverse("cases:act_warn", args=[case.pk]), data, follow=True)
    assert "changed since you opened it" in response.content.decode()
    assert not EnforcementAction.objects.exists()


def test_auditors_cannot_act_and_actions_are_posts(auditor, analyst, claimed):
    case = claimed()
    data = {"version": case.version, "facts": FACTS, "confirm": "yes"}
    assert client_for(auditor).post(reverse("cases:act_warn", args=[case.pk]), data).status_code == 403
    assert client_for(analyst).get(reverse("cases:act_warn", args=[case.pk])).status_code == 405
    assert not EnforcementAction.objects.exists()


def test_posting_a_ban_straight_to_its_endpoint_still_waits_for_approval(analyst, claimed):
    case = claimed()
    data = {"version": case.version, "facts": FACTS, "confirm": "yes", "deviation_reason": "card fraud ring"}
    client_for(analyst).post(reverse("cases:act_ban", args=[case.pk]), data)
    assert EnforcementAction.objects.get().status == ActionStatus.PENDING_APPROVAL
    assert Account.objects.get(pk=case.account_id).status == AccountStatus.ACTIVE


def test_dismissing_from_the_case_page(analyst, claimed):
    case = claimed()
    client = client_for(analyst)
    response = client.post(reverse("cases:dismiss", args=[case.pk]), {"version": case.version, "reason": ""})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_REVIEW
    client.post(reverse("cases:dismiss", args=[case.pk]), {"version": case.version, "reason": "Fee is legit."})
    case.refresh_from_db()
    assert case.status == CaseStatus.DISMISSED
    assert AuditEvent.objects.get(action=AuditAction.CASE_DISMISSED).reason == "Fee is legit."


def test_a_lead_approves_from_the_approvals_screen_but_not_their_own(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "ban", deviation_reason="ring")
    client = client_for(lead)
    html = client.get(reverse("cases:approvals")).content.decode()
    assert f"Case #{case.pk}" in html and "Approve and apply" in html
    assert client_for(analyst).get(reverse("cases:approvals")).status_code == 403
    response = client.post(reverse("cases:approve", args=[action.pk]), follow=True)
    assert "Approved and applied." in response.content.decode()
    assert EnforcementAction.objects.get().status == ActionStatus.APPLIED


def test_rejecting_needs_a_note(analyst, lead, claimed):
    action = act(analyst, claimed(), "ban", deviation_reason="ring")
    client = client_for(lead)
    client.post(reverse("cases:reject", args=[action.pk]), {"note": ""})
    assert EnforcementAction.objects.get().status == ActionStatus.PENDING_APPROVAL
    client.post(reverse("cases:reject", args=[action.pk]), {"note": "Warn first."})
    assert EnforcementAction.objects.get().status == ActionStatus.REJECTED


def test_an_analyst_files_an_appeal_and_another_lead_decides_it(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "warn")
    analyst_client = client_for(analyst)
    analyst_client.post(reverse("cases:file_appeal", args=[action.pk]), {"statement": ""})
    assert not Appeal.objects.exists()
    analyst_client.post(reverse("cases:file_appeal", args=[action.pk]), {"statement": "Called support: a mistake."})
    appeal = Appeal.objects.get()
    html = client_for(lead).get(reverse("cases:appeals")).content.decode()
    assert "Called support: a mistake." in html
    client_for(lead).post(reverse("cases:decide_appeal", args=[appeal.pk]), {"outcome": "overturn", "note": ""})
    assert Appeal.objects.get().status == "open"
    client_for(lead).post(reverse("cases:decide_appeal", args=[appeal.pk]), {"outcome": "overturn", "note": "Agreed."})
    assert Appeal.objects.get().status == "overturned"
    assert EnforcementAction.objects.get().status == ActionStatus.REVERSED


def test_the_case_page_lists_actions_with_their_appeals(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "warn")
    appeals.file_appeal(actor=analyst, action_id=action.pk, statement="no", filed_via="t")
    html = client_for(make_staff("lee9", [LEAD])).get(reverse("cases:case", args=[case.pk])).content.decode()
    assert "Actions on this case" in html and "Warn" in html and "Waiting for a decision" in html


def test_leads_reach_the_account_history_in_the_audit_log_from_the_case(analyst, lead, claimed):
    case = claimed()
    act(analyst, case, "warn")
    html = client_for(lead).get(reverse("cases:case", args=[case.pk])).content.decode()
    assert f"{reverse('audit_log')}?account=cl-1" in html
    history = client_for(lead).get(reverse("audit_log"), {"account": "cl-1"}).content.decode()
    assert "Action applied" in history and "Case claimed" in history
    assert "account history" not in client_for(analyst).get(reverse("cases:case", args=[case.pk])).content.decode()
