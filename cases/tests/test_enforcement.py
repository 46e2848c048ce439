"""Actions and their effects on standing, content and the case; the ladder; four-eyes; reversal
and expiry."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import ActionStatus, CaseStatus, ContentItem, EnforcementAction, FourEyesRule, Visibility
from cases.services import enforcement
from cases.tests.conftest import act
from conftest import make_staff
from reputation import standing
from reputation.models import Account, AccountStatus, Badge, Restriction, RestrictionKind
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent, Notice, NoticeKind
from trustconsole.roles import LEAD


def standing_of(case):
    return Account.objects.get(pk=case.account_id).status


def test_a_warning_closes_the_case_sends_a_statement_and_restricts_nothing(analyst, claimed):
    case = claimed()
    action = act(analyst, case, "warn")
    case.refresh_from_db()
    assert (action.status, case.status, standing_of(case)) == (ActionStatus.APPLIED, CaseStatus.ACTIONED, "active")
    notice = Notice.objects.get(pk=action.notice_id)
    assert notice.kind == NoticeKind.STATEMENT_OF_REASONS and notice.to_email == "cl-1@example.com"
    assert "registration fee" in notice.body and case.policy.tos_url in notice.body
    assert "Whether automated means detected this: yes" in notice.body
    assert action.appeal_until > timezone.now() + timedelta(days=180)


def test_removing_content_hides_exactly_the_chosen_items(analyst, claimed):
    case = claimed()
    item = ContentItem.objects.get(versions__signals__case=case)
    act(analyst, case, "remove_content", content_item_ids=[item.pk], deviation_reason="the post is the harm")
    item.refresh_from_db()
    assert item.visibility == Visibility.REMOVED


def test_content_outside_the_case_cannot_be_removed(analyst, claimed):
    case = claimed()
    other = claimed(subject="cl-2")
    foreign = ContentItem.objects.get(versions__signals__case=other)
    with pytest.raises(ValidationError, match="Only content named in this case"):
        act(analyst, case, "remove_content", content_item_ids=[foreign.pk], deviation_reason="x")
    assert not EnforcementAction.objects.filter(case=case).exists()


def test_a_restriction_limits_capabilities_for_its_duration_and_sets_the_status(analyst, claimed):
    case = claimed()
    act(analyst, case, "restrict", capabilities=["messaging", "job_posts"], duration_days=7, deviation_reason="r")
    restriction = Restriction.objects.get(account=case.account_id)
    assert restriction.capabilities == ["job_posts", "messaging"]
    assert timedelta(days=6, hours=23) < restriction.ends_at - timezone.now() <= timedelta(days=7)
    assert standing_of(case) == AccountStatus.RESTRICTED


def test_a_suspension_takes_badges_and_the_account_status(analyst, claimed):
    case = claimed()
    Badge.objects.create(account_id=case.account_id, tier="rising_talent", awarded_at=timezone.now())
    action = act(analyst, case, "suspend", duration_days=30, deviation_reason="repeat offender elsewhere")
    assert standing_of(case) == AccountStatus.SUSPENDED
    assert not Badge.objects.filter(account=case.account_id, revoked_at__isnull=True).exists()
    assert len(action.effects["badges"]) == 1


def test_identity_verification_restricts_until_verified(analyst, claimed):
    case = claimed()
    act(analyst, case, "require_verification", verification_days=14, deviation_reason="fake identity")
    check = Restriction.objects.get(account=case.account_id)
    assert (check.kind, check.ends_at, standing_of(case)) == (RestrictionKind.VERIFY, None, AccountStatus.RESTRICTED)
    Account.objects.filter(pk=case.account_id).update(identity_verified=True)
    standing.lift_expired_restrictions(actor=SystemActor("restriction-expiry"))
    assert standing_of(case) == AccountStatus.ACTIVE


def test_an_unverified_account_is_suspended_when_the_deadline_passes(analyst, claimed):
    case = claimed()
    act(analyst, case, "require_verification", verification_days=14, deviation_reason="fake identity")
    standing.lift_expired_restrictions(actor=SystemActor("x"), now=timezone.now() + timedelta(days=15))
    assert standing_of(case) == AccountStatus.SUSPENDED


def test_the_ladder_recommends_the_next_step_after_each_strike_and_strikes_expire(analyst, lead, claimed):
    first = claimed()
    strike, recommended = enforcement.recommendation(first, timezone.now())
    assert (strike, recommended) == (1, first.policy.ladder[0])
    act(analyst, first, recommended)
    second = claimed()
    assert second.pk != first.pk
    assert enforcement.recommendation(second, timezone.now()) == (2, first.policy.ladder[1])
    later = timezone.now() + timedelta(days=first.policy.strike_window_days + 1)
    assert enforcement.recommendation(second, later) == (1, first.policy.ladder[0])


def test_choosing_another_action_than_the_ladder_needs_a_reason_kept_with_it(analyst, claimed):
    case = claimed()
    with pytest.raises(ValidationError) as refused:
        act(analyst, case, "restrict", capabilities=["messaging"])
    assert "deviation_reason" in refused.value.message_dict
    action = act(analyst, case, "restrict", capabilities=["messaging"], deviation_reason="messaging is the vector")
    assert (action.recommended_kind, action.deviation_reason) == ("warn", "messaging is the vector")


@pytest.mark.parametrize(
    ("kind", "fields", "error_field"),
    [
        ("warn", {"facts": "  "}, "facts"),
        ("restrict", {"capabilities": [], "deviation_reason": "r"}, "capabilities"),
        ("restrict", {"capabilities": ["teleport"], "deviation_reason": "r"}, "capabilities"),
        ("suspend", {"deviation_reason": "r"}, "duration_days"),
        ("suspend", {"duration_days": 0, "deviation_reason": "r"}, "duration_days"),
        ("require_verification", {"deviation_reason": "r"}, "verification_days"),
        ("remove_content", {"deviation_reason": "r"}, "content_item_ids"),
        ("warn", {"protections": ["nuke_from_orbit"]}, "protections"),
        ("vanish", {"deviation_reason": "r"}, "kind"),
    ],
)
def test_bad_action_requests_are_refused_and_change_nothing(analyst, claimed, kind, fields, error_field):
    case = claimed()
    before = (case.version, case.status)
    with pytest.raises(ValidationError) as refused:
        act(analyst, case, kind, **fields)
    assert error_field in refused.value.message_dict
    case.refresh_from_db()
    assert (case.version, case.status) == before
    assert not EnforcementAction.objects.exists() and not Notice.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="action.").exists()


def test_a_second_analyst_cannot_act_on_a_case_someone_holds(analyst, claimed):
    case = claimed()
    other = make_staff("ana2", ["analyst"])
    with pytest.raises(PermissionDenied, match="working on this case"):
        act(other, case, "warn")


def test_a_stale_version_is_refused(analyst, claimed):
    case = claimed()
    from cases.services.enforcement import ActionRequest, take_action

    with pytest.raises(ValidationError, match="changed since you opened it"):
        take_action(
            actor=analyst, case_id=case.pk, expected_version=case.version - 1, request=ActionRequest("warn", facts="f")
        )


def test_several_actions_can_be_taken_on_one_case(analyst, claimed):
    case = claimed()
    act(analyst, case, "warn")
    act(analyst, case, "restrict", capabilities=["proposals"], deviation_reason="also limit proposals")
    assert EnforcementAction.objects.filter(case=case, status=ActionStatus.APPLIED).count() == 2


# --- four eyes -------------------------------------------------------------------------------


def test_a_ban_waits_for_a_lead_and_changes_nothing_until_approved(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "ban", deviation_reason="stolen cards")
    case.refresh_from_db()
    assert (action.status, case.status, standing_of(case)) == (
        ActionStatus.PENDING_APPROVAL,
        CaseStatus.PENDING_APPROVAL,
        AccountStatus.ACTIVE,
    )
    assert not Notice.objects.filter(kind=NoticeKind.STATEMENT_OF_REASONS).exists()
    with pytest.raises(ValidationError, match="pending approval"):
        act(analyst, case, "ban", deviation_reason="again")
    enforcement.approve_action(actor=lead, action_id=action.pk)
    action.refresh_from_db()
    assert (action.status, action.approved_by, standing_of(case)) == (ActionStatus.APPLIED, lead, AccountStatus.BANNED)


def test_nobody_approves_their_own_proposal(lead, claimed, analyst):
    case = claimed()
    case.assignee = None
    case.save(update_fields=["assignee"])
    action = act(lead, case, "ban", deviation_reason="fraud ring")
    with pytest.raises(PermissionDenied, match="You proposed this action"):
        enforcement.approve_action(actor=lead, action_id=action.pk)
    with pytest.raises(PermissionDenied, match="Only leads"):
        enforcement.approve_action(actor=analyst, action_id=action.pk)
    assert EnforcementAction.objects.get(pk=action.pk).status == ActionStatus.PENDING_APPROVAL


def test_a_lead_who_reported_the_case_cannot_approve(analyst, claimed, reports_token):
    from cases.tests.conftest import post_and_group

    case = claimed(policy="SCAM-JOB")
    report = {
        "id": "r-1",
        "reporter": {"id": "fl-lead", "kind": "freelancer"},
        "reason": "scam",
        "subject": {"id": "cl-1"},
        "content": {"type": "job_post", "id": "job-1", "text": "Pay a $50 fee to apply"},
    }
    assert post_and_group(reports_token, "reports", {"reports": [report]}).json()["counts"]["created"] == 1
    Account.objects.filter(external_id="fl-lead").update(email="lead.person@example.com")
    reporting_lead = make_staff("lead2", [LEAD])
    reporting_lead.email = "Lead.Person@example.com"
    reporting_lead.save(update_fields=["email"])
    case.refresh_from_db()
    action = act(analyst, case, "ban", deviation_reason="fraud ring")
    with pytest.raises(PermissionDenied, match="You reported this case"):
        enforcement.approve_action(actor=reporting_lead, action_id=action.pk)


def test_suspending_a_badge_holder_or_a_big_earner_needs_four_eyes(analyst, claimed):
    small = claimed()
    assert act(analyst, small, "suspend", duration_days=3, deviation_reason="r").status == ActionStatus.APPLIED
    badged = claimed(subject="cl-2")
    Badge.objects.create(account_id=badged.account_id, tier="top_rated_plus", awarded_at=timezone.now())
    assert act(analyst, badged, "suspend", duration_days=3, deviation_reason="r").status == "pending_approval"
    rich = claimed(subject="cl-3")
    Account.objects.filter(pk=rich.account_id).update(lifetime_earnings_cents=2_000_000)
    assert act(analyst, rich, "suspend", duration_days=3, deviation_reason="r").status == "pending_approval"


def test_an_inactive_rule_holds_nothing(analyst, claimed):
    FourEyesRule.objects.filter(action_kind="ban").update(active=False)
    assert act(analyst, claimed(), "ban", deviation_reason="r").status == ActionStatus.APPLIED


def test_rejection_returns_the_case_to_its_analyst_with_the_note(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "ban", deviation_reason="fraud")
    with pytest.raises(ValidationError):
        enforcement.reject_action(actor=lead, action_id=action.pk, note=" ")
    enforcement.reject_action(actor=lead, action_id=action.pk, note="Not enough evidence for a ban; warn first.")
    case.refresh_from_db()
    assert (case.status, case.assignee) == (CaseStatus.IN_REVIEW, analyst)
    assert case.notes.get().text.endswith("warn first.")
    assert standing_of(case) == AccountStatus.ACTIVE
    with pytest.raises(ValidationError, match="already rejected"):
        enforcement.approve_action(actor=lead, action_id=action.pk)


# --- expiry, reversal, dismissal ---------------------------------------------------------------


def test_expiry_lifts_the_restriction_as_the_system_and_says_so(analyst, claimed):
    case = claimed()
    act(analyst, case, "restrict", capabilities=["messaging"], duration_days=2, deviation_reason="r")
    lifted = standing.lift_expired_restrictions(actor=SystemActor("restriction-expiry"), now=timezone.now())
    assert lifted == 0 and standing_of(case) == AccountStatus.RESTRICTED
    lifted = standing.lift_expired_restrictions(
        actor=SystemActor("restriction-expiry"), now=timezone.now() + timedelta(days=3)
    )
    assert lifted == 1 and standing_of(case) == AccountStatus.ACTIVE
    event = AuditEvent.objects.get(action=AuditAction.RESTRICTION_LIFTED)
    assert (event.actor_name, event.reason, event.changes["status"]) == (
        "system:restriction-expiry",
        "expired",
        ["restricted", "active"],
    )


def test_reversal_restores_exactly_the_prior_state(analyst, claimed):
    case = claimed()
    account = Account.objects.get(pk=case.account_id)
    badge = Badge.objects.create(account=account, tier="rising_talent", awarded_at=timezone.now())
    listing = ContentItem.objects.create(content_type="proposal", external_id="p-9", author=account)
    held_before = ContentItem.objects.create(
        content_type="job_post", external_id="j-held", author=account, visibility=Visibility.HELD
    )
    action = act(
        analyst,
        case,
        "suspend",
        duration_days=10,
        protections=["hold_open_listings"],
        deviation_reason="r",
    )
    listing.refresh_from_db()
    assert listing.visibility == Visibility.HELD and standing_of(case) == AccountStatus.SUSPENDED
    from django.db import transaction

    with transaction.atomic():
        enforcement.reverse_action(actor=analyst, action=action, reason="test", now=timezone.now())
    listing.refresh_from_db()
    held_before.refresh_from_db()
    badge.refresh_from_db()
    assert (listing.visibility, held_before.visibility) == (Visibility.VISIBLE, Visibility.HELD)
    assert badge.revoked_at is None and standing_of(case) == AccountStatus.ACTIVE
    assert EnforcementAction.objects.get(pk=action.pk).status == ActionStatus.REVERSED


def test_dismissal_closes_the_case_counts_toward_accuracy_and_tells_reporters_nothing_of_the_other_party(
    analyst, claimed, reports_token
):
    from cases.models import Reporter
    from cases.tests.conftest import post_and_group

    case = claimed(policy="SCAM-JOB")
    report = {
        "id": "r-1",
        "reporter": {"id": "fl-9", "kind": "freelancer", "name": "Reporter Nine"},
        "reason": "scam",
        "subject": {"id": "cl-1"},
        "content": {"type": "job_post", "id": "job-1", "text": "Pay a $50 fee to apply"},
    }
    post_and_group(reports_token, "reports", {"reports": [report]})
    Account.objects.filter(external_id="fl-9").update(email="nine@example.com")
    case.refresh_from_db()
    with pytest.raises(ValidationError):
        enforcement.dismiss_case(actor=analyst, case_id=case.pk, expected_version=case.version, reason="")
    enforcement.dismiss_case(actor=analyst, case_id=case.pk, expected_version=case.version, reason="legit fee")
    case.refresh_from_db()
    assert case.status == CaseStatus.DISMISSED and case.closed_at
    reporter = Reporter.objects.get(account__external_id="fl-9")
    assert (reporter.decided_cases, reporter.actioned_cases) == (1, 0)
    notice = Notice.objects.get(kind=NoticeKind.REPORTER_OUTCOME)
    assert notice.to_email == "nine@example.com" and "no breach" in notice.body
    assert "cl-1" not in notice.body and "Member" not in notice.body


def test_counterparties_are_notified_when_the_protection_is_chosen(analyst, claimed):
    from reputation.models import Contract

    case = claimed()
    freelancer = Account.objects.create(external_id="fl-7", kind="freelancer", email="seven@example.com")
    Contract.objects.create(
        external_id="c-1", freelancer=freelancer, client_id=case.account_id, kind="fixed", started_at=timezone.now()
    )
    action = act(analyst, case, "suspend", duration_days=5, protections=["notify_counterparties"], deviation_reason="r")
    notice = Notice.objects.get(kind=NoticeKind.COUNTERPARTY)
    assert notice.to_email == "seven@example.com" and "cl-1" not in notice.body
    assert action.effects["counterparties_notified"] == ["fl-7"]
