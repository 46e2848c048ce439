"""The central audit test of enforcement: every service is called once and its exact audit row
is checked (action, actor, target, subject, case, before and after). A new enforcement action in
the vocabulary without a row here fails the last test."""

from datetime import timedelta

from django.utils import timezone

from cases.models import ContentItem
from cases.services import appeals, bulk, enforcement
from cases.tests.conftest import act
from reputation import standing
from reputation.models import Badge, Restriction
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent, Notice
from trustconsole.notices import deliver_notice

CHECKED = set()


def only_row(action, **filters):
    rows = list(AuditEvent.objects.filter(action=action, **filters))
    assert len(rows) == 1, f"{action}: expected one row, found {len(rows)}"
    CHECKED.add(action)
    return rows[0]


def target(event):
    return event.target_type, event.target_id


def test_proposing_approving_and_applying(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "ban", deviation_reason="card fraud ring")
    row = only_row(AuditAction.ACTION_PROPOSED)
    assert (row.actor_name, target(row), row.subject_account, row.case_id) == (
        "ana",
        ("cases.enforcementaction", str(action.pk)),
        "cl-1",
        case.pk,
    )
    assert row.changes == {"status": [None, "pending_approval"], "case_status": ["in_review", "pending_approval"]}
    assert row.reason == "card fraud ring"
    enforcement.approve_action(actor=lead, action_id=action.pk)
    row = only_row(AuditAction.ACTION_APPROVED)
    assert (row.actor_name, target(row), row.changes) == (
        "lee",
        ("cases.enforcementaction", str(action.pk)),
        {"approved_by": [None, "lee"]},
    )
    row = only_row(AuditAction.ACTION_APPLIED)
    assert (row.actor_name, row.case_id, row.changes) == (
        "lee",
        case.pk,
        {"status": ["pending_approval", "applied"], "case_status": ["pending_approval", "actioned"]},
    )
    assert (row.context["kind"], row.context["proposed_by"], row.context["approved_by"]) == ("ban", "ana", "lee")
    restriction = Restriction.objects.get()
    row = only_row(AuditAction.RESTRICTION_IMPOSED)
    assert (row.actor_name, target(row), row.changes) == (
        "lee",
        ("reputation.restriction", str(restriction.pk)),
        {"status": ["active", "banned"], "restriction": [None, "ban"]},
    )
    notice = Notice.objects.get(action_id=action.pk)
    row = only_row(AuditAction.NOTICE_QUEUED, target_id=str(notice.pk), target_type="trustconsole.notice")
    assert (row.actor_name, row.changes) == ("lee", {"status": [None, "pending"]})
    deliver_notice(notice_id=notice.pk)
    row = only_row(AuditAction.NOTICE_SENT)
    assert (row.actor_name, row.changes) == ("system:notices", {"status": ["pending", "sent"]})


def test_rejecting(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "ban", deviation_reason="r")
    enforcement.reject_action(actor=lead, action_id=action.pk, note="warn first")
    row = only_row(AuditAction.ACTION_REJECTED)
    assert (row.actor_name, target(row), row.reason, row.changes) == (
        "lee",
        ("cases.enforcementaction", str(action.pk)),
        "warn first",
        {"status": ["pending_approval", "rejected"], "case_status": ["pending_approval", "in_review"]},
    )


def test_content_badges_reversal_and_appeals(analyst, lead, claimed):
    case = claimed()
    badge = Badge.objects.create(account_id=case.account_id, tier="rising_talent", awarded_at=timezone.now())
    item = ContentItem.objects.get(versions__signals__case=case)
    action = act(analyst, case, "remove_content", content_item_ids=[item.pk], deviation_reason="r")
    row = only_row(AuditAction.CONTENT_VISIBILITY_CHANGED)
    assert (target(row), row.changes) == (("cases.contentitem", str(item.pk)), {"visibility": ["visible", "removed"]})
    suspension = act(analyst, case, "suspend", duration_days=3, deviation_reason="r")
    row = only_row(AuditAction.BADGE_REVOKED)
    assert (target(row), row.changes) == (("reputation.badge", str(badge.pk)), {"badge": ["rising_talent", None]})
    appeal, _ = appeals.file_appeal(actor=analyst, action_id=suspension.pk, statement="unfair", filed_via="t")
    row = only_row(AuditAction.APPEAL_FILED)
    assert (row.actor_name, target(row), row.changes) == (
        "ana",
        ("cases.appeal", str(appeal.pk)),
        {"status": [None, "open"]},
    )
    appeals.decide_appeal(actor=lead, appeal_id=appeal.pk, outcome="overturn", note="wrong")
    row = only_row(AuditAction.APPEAL_OVERTURNED)
    assert (row.actor_name, row.reason, row.changes) == ("lee", "wrong", {"status": ["open", "overturned"]})
    row = only_row(AuditAction.ACTION_REVERSED)
    assert (target(row), row.changes) == (
        ("cases.enforcementaction", str(suspension.pk)),
        {"status": ["applied", "reversed"]},
    )
    row = only_row(AuditAction.BADGE_RESTORED)
    assert row.changes == {"badge": [None, "rising_talent"]}
    row = only_row(AuditAction.RESTRICTION_LIFTED)
    assert row.changes == {"status": ["suspended", "active"], "restriction": ["suspend", None]}
    other, _ = appeals.file_appeal(actor=analyst, action_id=action.pk, statement="it was mine", filed_via="t")
    appeals.decide_appeal(actor=lead, appeal_id=other.pk, outcome="uphold", note="it breaks the rules")
    row = only_row(AuditAction.APPEAL_UPHELD)
    assert (target(row), row.changes) == (("cases.appeal", str(other.pk)), {"status": ["open", "upheld"]})


def test_reopening_and_dismissing(analyst, lead, claimed):
    case = claimed()
    action = act(analyst, case, "warn")
    appeal, _ = appeals.file_appeal(actor=analyst, action_id=action.pk, statement="x", filed_via="t")
    appeals.decide_appeal(actor=lead, appeal_id=appeal.pk, outcome="overturn", note="again", reopen=True)
    row = only_row(AuditAction.CASE_REOPENED)
    assert (row.actor_name, row.case_id, row.changes) == ("lee", case.pk, {"status": ["actioned", "open"]})
    case.refresh_from_db()
    enforcement.dismiss_case(actor=lead, case_id=case.pk, expected_version=case.version, reason="fine after all")
    row = only_row(AuditAction.CASE_DISMISSED)
    assert (row.actor_name, row.reason, row.changes) == ("lee", "fine after all", {"status": ["open", "dismissed"]})


def test_expiry_and_failed_notices(analyst, claimed, settings):
    case = claimed()
    act(analyst, case, "restrict", capabilities=["messaging"], duration_days=1, deviation_reason="r")
    standing.lift_expired_restrictions(actor=SystemActor("restriction-expiry"), now=timezone.now() + timedelta(days=2))
    row = only_row(AuditAction.RESTRICTION_LIFTED)
    assert (row.actor_name, row.reason) == ("system:restriction-expiry", "expired")
    settings.NOTICE_MAX_ATTEMPTS = 2
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend", "OPTIONS": {"port": 9}}}
    notice = Notice.objects.get()
    deliver_notice(notice_id=notice.pk)
    row = only_row(AuditAction.NOTICE_ATTEMPT_FAILED)
    assert row.changes == {"status": ["pending", "pending"]} and row.reason
    deliver_notice(notice_id=notice.pk)
    row = only_row(AuditAction.NOTICE_FAILED)
    assert row.changes == {"status": ["pending", "failed"]}


def test_bulk_operations(analyst, make_case):
    case = make_case()
    operation = bulk.start_bulk(actor=analyst, kind="escalate", case_ids=[case.pk], reason="leads")
    row = only_row(AuditAction.BULK_STARTED)
    assert (row.actor_name, target(row), row.context["cases"]) == ("ana", ("cases.bulkoperation", str(operation.pk)), 1)
    bulk.run_bulk(operation_id=operation.pk)
    row = only_row(AuditAction.BULK_FINISHED)
    assert (row.changes, row.context) == ({"status": ["running", "done"]}, {"done": 1, "failed": 0})
    row = AuditEvent.objects.get(action=AuditAction.CASE_ESCALATED)
    assert row.context == {"batch": str(operation.pk)}


def test_a_ban_settling_another_case(analyst, lead, claimed, make_case):
    other = make_case(subject="cl-1", policy="SPAM")
    action = act(analyst, claimed(), "ban", deviation_reason="ring")
    enforcement.approve_action(actor=lead, action_id=action.pk)
    row = only_row(AuditAction.CASE_SETTLED)
    assert (row.actor_name, target(row), row.changes, row.context) == (
        "lee",
        ("cases.case", str(other.pk)),
        {"status": ["open", "actioned"]},
        {"action_id": action.pk},
    )


def test_every_enforcement_action_of_the_vocabulary_is_checked_above():
    enforcement_actions = {
        a
        for a in AuditAction.values
        if a.split(".")[0] in {"action", "restriction", "badge", "notice", "appeal", "bulk", "content"}
        or a in {AuditAction.CASE_DISMISSED, AuditAction.CASE_REOPENED, AuditAction.CASE_SETTLED}
    }
    # The weekly evaluation's own rows are pinned in reputation/tests/test_evaluation.py.
    enforcement_actions -= {AuditAction.BADGE_AWARDED, AuditAction.BADGE_WARNED, AuditAction.BADGE_WARNING_CLEARED}
    assert enforcement_actions - CHECKED == set()
