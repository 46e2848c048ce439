"""Appeals: filed in the window, decided by someone independent; overturning undoes everything."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import ActionStatus, Appeal, AppealStatus, CaseStatus, ContentItem, Visibility
from cases.services import appeals, enforcement
from cases.tests.conftest import act
from conftest import make_staff
from reputation.models import Account, AccountStatus, Badge
from trustconsole.models import AuditAction, AuditEvent, Notice, NoticeKind
from trustconsole.roles import LEAD


@pytest.fixture
def second_lead(db):
    return make_staff("lee2", [LEAD])


def file(actor, action, statement="I did not ask for a fee; it was a deposit."):
    appeal, _ = appeals.file_appeal(actor=actor, action_id=action.pk, statement=statement, filed_via="test")
    return appeal


def test_an_applied_action_can_be_appealed_once_within_its_window(analyst, claimed):
    action = act(analyst, claimed(), "warn")
    appeal = file(analyst, action)
    assert appeal.status == AppealStatus.OPEN
    with pytest.raises(appeals.AppealRefused, match="already appealed"):
        file(analyst, action)
    event = AuditEvent.objects.get(action=AuditAction.APPEAL_FILED)
    assert (event.target_id, event.case_id) == (str(appeal.pk), action.case_id)


def test_an_appeal_after_the_window_or_against_a_pending_action_is_refused(analyst, claimed):
    action = act(analyst, claimed(), "warn")
    late = action.appeal_until + timedelta(minutes=1)
    with pytest.raises(appeals.AppealRefused, match="window closed"):
        appeals.file_appeal(actor=analyst, action_id=action.pk, statement="x", filed_via="t", now=late)
    pending = act(analyst, claimed(subject="cl-2"), "ban", deviation_reason="r")
    with pytest.raises(appeals.AppealRefused, match="Only an applied action"):
        file(analyst, pending)
    with pytest.raises(ValidationError):
        file(analyst, action, statement="   ")
    assert not Appeal.objects.exists()


def test_the_actor_and_the_approver_cannot_decide_the_appeal(analyst, lead, second_lead, claimed):
    action = act(analyst, claimed(), "ban", deviation_reason="ring")
    enforcement.approve_action(actor=lead, action_id=action.pk)
    appeal = file(analyst, action)
    with pytest.raises(PermissionDenied, match="another lead"):
        appeals.decide_appeal(actor=lead, appeal_id=appeal.pk, outcome="uphold", note="fine")
    with pytest.raises(PermissionDenied, match="Only leads"):
        appeals.decide_appeal(actor=analyst, appeal_id=appeal.pk, outcome="uphold", note="fine")
    with pytest.raises(ValidationError):
        appeals.decide_appeal(actor=second_lead, appeal_id=appeal.pk, outcome="maybe", note="fine")
    assert Appeal.objects.get(pk=appeal.pk).status == AppealStatus.OPEN


def test_upholding_keeps_the_action_and_tells_the_account(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "restrict", capabilities=["messaging"], deviation_reason="r")
    appeal = file(analyst, action)
    appeals.decide_appeal(actor=lead, appeal_id=appeal.pk, outcome="uphold", note="The messages were clear.")
    action.refresh_from_db()
    assert action.status == ActionStatus.APPLIED
    assert Account.objects.get(pk=case.account_id).status == AccountStatus.RESTRICTED
    notice = Notice.objects.get(kind=NoticeKind.APPEAL_DECISION)
    assert "The messages were clear." in notice.body
    with pytest.raises(ValidationError, match="already upheld"):
        appeals.decide_appeal(actor=lead, appeal_id=appeal.pk, outcome="overturn", note="changed my mind")


def test_overturning_reverses_every_effect_and_closes_the_case_as_no_violation(analyst, lead, second_lead, claimed):
    case = claimed()
    account = Account.objects.get(pk=case.account_id)
    badge = Badge.objects.create(account=account, tier="top_rated", awarded_at=timezone.now())
    listing = ContentItem.objects.create(content_type="job_post", external_id="j-open", author=account)
    action = act(analyst, case, "ban", protections=["hold_open_listings"], deviation_reason="ring")
    enforcement.approve_action(actor=lead, action_id=action.pk)
    account.refresh_from_db()
    listing.refresh_from_db()
    assert (account.status, listing.visibility) == (AccountStatus.BANNED, Visibility.HELD)
    appeal = file(analyst, action)
    appeals.decide_appeal(actor=second_lead, appeal_id=appeal.pk, outcome="overturn", note="Wrong account.")
    account.refresh_from_db()
    listing.refresh_from_db()
    badge.refresh_from_db()
    case.refresh_from_db()
    assert (account.status, listing.visibility, badge.revoked_at) == (AccountStatus.ACTIVE, Visibility.VISIBLE, None)
    assert case.status == CaseStatus.DISMISSED
    assert AuditEvent.objects.filter(action=AuditAction.ACTION_REVERSED, case_id=case.pk).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.BADGE_RESTORED).count() == 1


def test_overturning_with_reopen_puts_the_case_back_in_its_queue(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "warn")
    appeal = file(analyst, action)
    appeals.decide_appeal(actor=lead, appeal_id=appeal.pk, outcome="overturn", note="Review again.", reopen=True)
    case.refresh_from_db()
    assert (case.status, case.closed_at) == (CaseStatus.OPEN, None)
    assert AuditEvent.objects.filter(action=AuditAction.CASE_REOPENED, case_id=case.pk).exists()


def test_a_ban_settles_the_accounts_other_open_cases_and_overturning_reopens_them(
    analyst, lead, second_lead, claimed, make_case
):
    other = make_case(subject="cl-1", policy="SPAM")
    case = claimed()
    action = act(analyst, case, "ban", deviation_reason="ring")
    other.refresh_from_db()
    assert other.status == CaseStatus.OPEN
    enforcement.approve_action(actor=lead, action_id=action.pk)
    other.refresh_from_db()
    assert other.status == CaseStatus.ACTIONED and other.closed_at
    settled = AuditEvent.objects.get(action=AuditAction.CASE_SETTLED)
    assert (settled.case_id, settled.reason) == (other.pk, f"settled by the ban in case #{case.pk}")
    appeal = file(analyst, action)
    appeals.decide_appeal(actor=second_lead, appeal_id=appeal.pk, outcome="overturn", note="Wrong person.")
    other.refresh_from_db()
    assert (other.status, other.closed_at) == (CaseStatus.OPEN, None)
