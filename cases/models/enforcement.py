"""Enforcement: actions with their ladder step and four-eyes state, notice templates, appeals,
and bulk operations. See DESIGN.md "Cases"."""

import uuid

from django.conf import settings
from django.db import models

from cases.models.intake import ActionKind, Case, ContentItem, Policy
from reputation.models import Account, BadgeTier
from trustconsole.models import NoticeText
from trustconsole.placeholders import NoticeIncomplete  # noqa: F401

# What a notice template may name; the enforcement service fills every one of them.
NOTICE_PLACEHOLDERS = {
    "account_name": "the account's name",
    "decision": "what was decided",
    "scope": "what it covers (capabilities or content)",
    "duration": "how long it lasts",
    "facts": "the facts the decision rests on",
    "policy": "the policy's code and title",
    "tos_url": "the ToS clause",
    "automated_detection": "whether automated means detected it",
    "automated_decision": "whether the decision was automated",
    "appeal_until": "the last day to appeal",
    "appeal_how": "how to appeal",
    "case": "the case number",
    "outcome": "the outcome, for reporters and appeals",
}


class NoticeTemplateKind(models.TextChoices):
    WARN = ActionKind.WARN.value, ActionKind.WARN.label
    REMOVE_CONTENT = ActionKind.REMOVE_CONTENT.value, ActionKind.REMOVE_CONTENT.label
    RESTRICT = ActionKind.RESTRICT.value, ActionKind.RESTRICT.label
    SUSPEND = ActionKind.SUSPEND.value, ActionKind.SUSPEND.label
    BAN = ActionKind.BAN.value, ActionKind.BAN.label
    REQUIRE_VERIFICATION = ActionKind.REQUIRE_VERIFICATION.value, ActionKind.REQUIRE_VERIFICATION.label
    REPORTER_OUTCOME = "reporter_outcome", "Outcome for reporters"
    COUNTERPARTY = "counterparty", "Counterparty protection"
    APPEAL_UPHELD = "appeal_upheld", "Appeal upheld"
    APPEAL_OVERTURNED = "appeal_overturned", "Appeal overturned"


class NoticeTemplate(NoticeText):
    """The text of one kind of enforcement notice, edited by admins."""

    PLACEHOLDERS = NOTICE_PLACEHOLDERS

    kind = models.CharField(max_length=24, choices=NoticeTemplateKind, unique=True)

    class Meta(NoticeText.Meta):
        pass


class FourEyesRule(models.Model):
    """Actions that wait for a second person. With no threshold a rule holds every action of its
    kind; with thresholds it holds those on accounts at or above either one."""

    action_kind = models.CharField(max_length=24, choices=ActionKind)
    min_badge_tier = models.CharField(max_length=20, choices=BadgeTier, blank=True)
    min_lifetime_earnings_cents = models.BigIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["action_kind", "id"]

    def __str__(self):
        return self.description or f"Four-eyes for {self.get_action_kind_display()}"

    def holds(self, kind, top_badge_tier, lifetime_earnings_cents):
        if not self.active or kind != self.action_kind:
            return False
        if not self.min_badge_tier and self.min_lifetime_earnings_cents is None:
            return True
        by_badge = bool(self.min_badge_tier) and BadgeTier.rank(top_badge_tier) >= BadgeTier.rank(self.min_badge_tier)
        by_earnings = (
            self.min_lifetime_earnings_cents is not None and lifetime_earnings_cents >= self.min_lifetime_earnings_cents
        )
        return by_badge or by_earnings


class ActionStatus(models.TextChoices):
    PENDING_APPROVAL = "pending_approval", "Waiting for approval"
    APPLIED = "applied", "Applied"
    REJECTED = "rejected", "Rejected"
    REVERSED = "reversed", "Reversed"


class Protection(models.TextChoices):
    NOTIFY_COUNTERPARTIES = "notify_counterparties", "Tell counterparties of active contracts"
    HOLD_OPEN_LISTINGS = "hold_open_listings", "Hide the account's open job posts and proposals"


class EnforcementAction(models.Model):
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="actions")
    # The case's account and policy, copied so strikes are one index range (action_strikes).
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="enforcement_actions")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=24, choices=ActionKind)
    # The ladder: which strike this is, what it recommended, and why the actor chose otherwise.
    strike_number = models.PositiveSmallIntegerField()
    recommended_kind = models.CharField(max_length=24, choices=ActionKind)
    deviation_reason = models.TextField(blank=True)
    content_items = models.ManyToManyField(ContentItem, blank=True, related_name="enforcement_actions")
    capabilities = models.JSONField(default=list, blank=True)
    duration_days = models.PositiveIntegerField(null=True, blank=True)
    verification_days = models.PositiveIntegerField(null=True, blank=True)
    facts = models.TextField()
    internal_note = models.TextField(blank=True)
    automated_detection = models.BooleanField()
    automated_decision = models.BooleanField(default=False)
    protections = models.JSONField(default=list, blank=True)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=20, choices=ActionStatus)
    created_at = models.DateTimeField()
    applied_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    appeal_until = models.DateTimeField(null=True, blank=True)
    reversed_at = models.DateTimeField(null=True, blank=True)
    # What applying it did, so a reversal undoes exactly that: restriction and badge ids, and
    # each content item's visibility before.
    effects = models.JSONField(default=dict, blank=True)
    notice_id = models.BigIntegerField(null=True, blank=True)
    # The statement of reasons as previewed and sent.
    notice_subject = models.CharField(max_length=200, blank=True)
    notice_body = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # Strikes: an account's applied actions under a policy, newest first.
            models.Index(fields=["account", "policy", "status", "applied_at"], name="action_strikes"),
            models.Index(fields=["status", "created_at"], name="action_status"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on case {self.case_id}"


class AppealStatus(models.TextChoices):
    OPEN = "open", "Waiting for a decision"
    UPHELD = "upheld", "Upheld"
    OVERTURNED = "overturned", "Overturned"


class Appeal(models.Model):
    action = models.ForeignKey(EnforcementAction, on_delete=models.PROTECT, related_name="appeals")
    statement = models.TextField(max_length=8000)
    filed_at = models.DateTimeField()
    # Who filed it: the marketplace through the API (with its own id), or an analyst on the
    # account's behalf.
    filed_via = models.CharField(max_length=100)
    client_appeal_id = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=12, choices=AppealStatus, default=AppealStatus.OPEN)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["filed_at", "id"]
        constraints = [
            # One appeal per action: a second one while the first stands would be decided twice.
            models.UniqueConstraint(fields=["action"], name="appeal_one_per_action"),
        ]

    def __str__(self):
        return f"Appeal {self.pk} against action {self.action_id}"


class BulkKind(models.TextChoices):
    DISMISS = "dismiss", "Dismiss"
    ESCALATE = "escalate", "Escalate to leads"
    REASSIGN = "reassign", "Reassign"


class BulkStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"


class BulkOperation(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=BulkKind)
    reason = models.TextField(blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    case_ids = models.JSONField(default=list)
    # Case ids already handled and the ones refused with why, so a rerun after a crash resumes.
    done_ids = models.JSONField(default=list)
    failures = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=BulkStatus, default=BulkStatus.QUEUED)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"{self.get_kind_display()} of {len(self.case_ids)} cases"

    @property
    def processed(self):
        return len(self.done_ids) + len(self.failures)

    @property
    def percent(self):
        return round(100 * self.processed / len(self.case_ids)) if self.case_ids else 100
