import hashlib
import json

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from trustconsole.placeholders import fill, placeholders_in, unknown_placeholders


class AuditAction(models.TextChoices):
    """Every action the audit log knows. Later features add theirs here, one vocabulary."""

    LOGIN = "auth.login", "Signed in"
    LOGOUT = "auth.logout", "Signed out"
    LOGIN_FAILED = "auth.login_failed", "Failed sign-in"
    LOCKED_OUT = "auth.locked_out", "Locked out after repeated failures"
    PASSWORD_CHANGED = "auth.password_changed", "Password changed"
    USER_CREATED = "user.created", "Staff user created"
    USER_ROLES_CHANGED = "user.roles_changed", "Staff roles changed"
    ROLE_PERMISSIONS_CHANGED = "role.permissions_changed", "Role permissions changed"
    ADMIN_ADDED = "admin.added", "Added in Django admin"
    ADMIN_CHANGED = "admin.changed", "Changed in Django admin"
    ADMIN_DELETED = "admin.deleted", "Deleted in Django admin"
    API_CLIENT_CREATED = "api_client.created", "API client created"
    API_CLIENT_ROTATED = "api_client.rotated", "API client token rotated"
    API_CLIENT_REVOKED = "api_client.revoked", "API client revoked"
    CATALOGUE_LOADED = "catalogue.loaded", "Default catalogue installed or refreshed"
    INTAKE_BATCH = "intake.batch", "Intake batch accepted"
    ACCOUNT_CREATED = "account.created", "Account first seen"
    ACCOUNT_UPDATED = "account.updated", "Account details changed"
    ACCOUNT_EMAIL_REVEALED = "account.email_revealed", "Account e-mail revealed"
    ACCOUNT_NOTE_ADDED = "account.note_added", "Account note added"
    PRIVATE_FEEDBACK_REVEALED = "contract.private_feedback_revealed", "Private feedback revealed"
    CONTRACT_CREATED = "contract.created", "Contract first received"
    CONTRACT_UPDATED = "contract.updated", "Contract changed"
    SCORES_RECOMPUTED = "scores.recomputed", "Success scores recomputed"
    CASE_OPENED = "case.opened", "Case opened"
    CASE_SIGNALS_ADDED = "case.signals_added", "Signals joined the case"
    CASE_CLAIMED = "case.claimed", "Case claimed"
    CASE_RELEASED = "case.released", "Case released"
    CASE_REASSIGNED = "case.reassigned", "Case reassigned"
    CASE_ESCALATED = "case.escalated", "Case escalated to leads"
    CASE_NOTE_ADDED = "case.note_added", "Case note added"
    CASE_REPRIORITISED = "case.reprioritised", "Case re-ranked"
    CASE_SLA_BREACHED = "case.sla_breached", "Case breached its SLA"
    CASE_DISMISSED = "case.dismissed", "Case dismissed: no violation"
    CASE_REOPENED = "case.reopened", "Case reopened"
    CASE_SETTLED = "case.settled", "Case settled by an action on another case"
    ACTION_PROPOSED = "action.proposed", "Action proposed for four-eyes approval"
    ACTION_APPROVED = "action.approved", "Action approved"
    ACTION_REJECTED = "action.rejected", "Action rejected by a lead"
    ACTION_APPLIED = "action.applied", "Action applied"
    ACTION_REVERSED = "action.reversed", "Action reversed"
    RESTRICTION_IMPOSED = "restriction.imposed", "Restriction imposed"
    RESTRICTION_LIFTED = "restriction.lifted", "Restriction lifted"
    CONTENT_VISIBILITY_CHANGED = "content.visibility_changed", "Content visibility changed"
    BADGE_REVOKED = "badge.revoked", "Badge revoked"
    BADGE_RESTORED = "badge.restored", "Badge restored"
    BADGE_AWARDED = "badge.awarded", "Badge awarded"
    BADGE_WARNED = "badge.warned", "Badge holder fell below the keep bar"
    BADGE_WARNING_CLEARED = "badge.warning_cleared", "Badge holder back above the keep bar"
    BADGES_EVALUATED = "badges.evaluated", "Weekly badge evaluation finished"
    OVERRIDE_REQUESTED = "override.requested", "Badge override requested"
    OVERRIDE_APPROVED = "override.approved", "Badge override approved"
    OVERRIDE_REJECTED = "override.rejected", "Badge override rejected"
    OVERRIDE_EXPIRED = "override.expired", "Badge override expired"
    ACCOUNTS_LINKED = "account.linked", "Accounts linked"
    ACCOUNTS_UNLINKED = "account.unlinked", "Account link removed"
    PARAMETERS_PUBLISHED = "scoring.published", "Scoring parameters published"
    BADGE_RULE_PUBLISHED = "badge_rule.published", "Badge rule published"
    SIMULATION_REQUESTED = "simulation.requested", "Rule simulation requested"
    NOTICE_QUEUED = "notice.queued", "Notice stored for sending"
    NOTICE_SENT = "notice.sent", "Notice delivered to the mail server"
    NOTICE_ATTEMPT_FAILED = "notice.attempt_failed", "Notice delivery attempt failed"
    NOTICE_FAILED = "notice.failed", "Notice gave up after its last attempt"
    APPEAL_FILED = "appeal.filed", "Appeal filed"
    APPEAL_UPHELD = "appeal.upheld", "Appeal decided: action upheld"
    APPEAL_OVERTURNED = "appeal.overturned", "Appeal decided: action overturned"
    BULK_STARTED = "bulk.started", "Bulk operation started"
    BULK_FINISHED = "bulk.finished", "Bulk operation finished"
    AUDIT_EXPORTED = "audit.exported", "Audit log exported"
    CLIENT_FEEDBACK_EXCLUDED = "client.feedback_excluded", "Client's feedback stopped counting"
    CLIENT_FEEDBACK_RESTORED = "client.feedback_restored", "Client's new feedback counts again"
    CLIENTS_ASSESSED = "standards.assessed", "Client standards assessed"
    OUTREACH_STARTED = "outreach.started", "Client outreach started"
    OUTREACH_DUE = "outreach.due", "Client improvement period over: re-evaluation due"
    OUTREACH_EXTENDED = "outreach.extended", "Client improvement period extended"
    OUTREACH_RESTRICTED = "outreach.restricted", "Client restricted under client standards"
    OUTREACH_MONITORING = "outreach.monitoring", "Client back to monitoring"
    OUTREACH_REFERRED = "outreach.referred", "Client referred to enforcement"
    QA_SAMPLED = "qa.sampled", "Decided case sampled for a QA review"
    QA_ASSIGNED = "qa.assigned", "QA review taken"
    QA_REVIEWED = "qa.reviewed", "QA review recorded"


# What the marketplace must enforce, published by the decisions feed in audit-log order.
DECISION_ACTIONS = (
    AuditAction.ACTION_APPLIED,
    AuditAction.ACTION_REVERSED,
    AuditAction.RESTRICTION_LIFTED,
    AuditAction.BADGE_REVOKED,
    AuditAction.BADGE_RESTORED,
    AuditAction.BADGE_AWARDED,
    AuditAction.OUTREACH_RESTRICTED,
)


class ActorKind(models.TextChoices):
    USER = "user", "Staff user"
    SYSTEM = "system", "System"
    API_CLIENT = "api_client", "API client"
    ANONYMOUS = "anonymous", "Anonymous"


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditEvent.AppendOnly("audit events cannot be updated")

    def delete(self):
        raise AuditEvent.AppendOnly("audit events cannot be deleted")

    _raw_delete = delete


# Every column of an audit row but its id and its own hash: what the chain's hash covers.
HASHED_FIELDS = (
    "occurred_at",
    "actor_kind",
    "actor_id",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "subject_account",
    "case_id",
    "reason",
    "changes",
    "context",
    "prev_hash",
)


class AuditEvent(models.Model):
    """One row of the append-only, hash-chained audit log (see DESIGN.md, "the spine").

    Targets, accounts and cases are plain values, not foreign keys, so the log outlives what it
    mentions. Rows are written only by trustconsole.services.record().
    """

    class AppendOnly(Exception):
        pass

    occurred_at = models.DateTimeField(db_index=True)
    actor_kind = models.CharField(max_length=16, choices=ActorKind)
    actor_id = models.CharField(max_length=64, blank=True)
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=64, choices=AuditAction)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    subject_account = models.CharField(max_length=200, blank=True)
    case_id = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True)
    changes = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    context = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        default_permissions = ("view",)
        indexes = [
            # The audit screen filters by each of these and pages by id (keyset).
            models.Index(fields=["action", "id"], name="audit_action_id"),
            models.Index(fields=["actor_kind", "actor_id", "id"], name="audit_actor_id"),
            models.Index(fields=["target_type", "target_id", "id"], name="audit_target_id"),
            # The account history and the case timeline read these.
            models.Index(fields=["subject_account", "id"], name="audit_account_id"),
            models.Index(fields=["case_id", "id"], name="audit_case_id"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.action} by {self.actor_name}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise self.AppendOnly("audit events cannot be updated")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise self.AppendOnly("audit events cannot be deleted")

    def hashed_content(self):
        return self.content_of(self._hashed_values())

    def _hashed_values(self):
        return {name: getattr(self, name) for name in HASHED_FIELDS}

    @staticmethod
    def content_of(values):
        """What the chain hashes of a row, from its column values (a dict naming HASHED_FIELDS)."""
        content = {name: values[name] for name in HASHED_FIELDS}
        content["occurred_at"] = content["occurred_at"].isoformat(timespec="microseconds")
        return content

    @classmethod
    def hash_of(cls, values):
        """The chain hash of a row from its column values, so bulk writers need no instances."""
        canonical = json.dumps(cls.content_of(values), sort_keys=True, separators=(",", ":"), cls=DjangoJSONEncoder)
        return hashlib.sha256(canonical.encode()).hexdigest()

    def compute_hash(self):
        return self.hash_of(self._hashed_values())


class NoticeStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed after every attempt"


class NoticeKind(models.TextChoices):
    STATEMENT_OF_REASONS = "statement_of_reasons", "Statement of reasons"
    REPORTER_OUTCOME = "reporter_outcome", "Outcome for a reporter"
    COUNTERPARTY = "counterparty", "Notice to a counterparty"
    APPEAL_DECISION = "appeal_decision", "Appeal decision"
    CLIENT_OUTREACH = "client_outreach", "Client standards notice"


class NoticeText(models.Model):
    """An admin-edited notice text of one kind; its placeholders look like {{ facts }} and must be
    among the subclass's PLACEHOLDERS ({name: what it holds})."""

    PLACEHOLDERS = {}

    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        abstract = True
        ordering = ["kind"]

    def __str__(self):
        return self.get_kind_display()

    def placeholders(self):
        return placeholders_in((self.subject, self.body))

    def clean(self):
        unknown = unknown_placeholders((self.subject, self.body), self.PLACEHOLDERS)
        if unknown:
            raise ValidationError(
                {"body": f"Unknown placeholders {unknown}; use {', '.join(sorted(self.PLACEHOLDERS))}."}
            )

    def render(self, values):
        """(subject, body) with every placeholder filled; NoticeIncomplete when one would be empty."""
        subject, body = fill((self.subject, self.body), values, self.get_kind_display().lower())
        return subject, body


class Notice(models.Model):
    """The notices outbox: a notice is stored first, in the transaction of the decision, then sent
    by a job that retries with backoff. Nothing is lost if the mail server is down."""

    kind = models.CharField(max_length=24, choices=NoticeKind)
    subject_account = models.CharField(max_length=200)
    to_email = models.EmailField(blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()
    case_id = models.BigIntegerField(null=True, blank=True)
    action_id = models.BigIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=NoticeStatus, default=NoticeStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The retry sweep reads pending notices that are due.
            models.Index(fields=["next_attempt_at"], condition=models.Q(status="pending"), name="notice_pending_due"),
            models.Index(fields=["action_id"], name="notice_action"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.subject_account}"


class ConsoleCapability(models.Model):
    """Holds the console-wide permissions that the roles grant; it has no table of its own."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_cases", "Can read case queues, cases and accounts"),
            ("work_cases", "Can claim cases, write notes and take actions"),
            ("approve_actions", "Can approve four-eyes actions"),
            ("reassign_cases", "Can reassign cases"),
            ("decide_appeals", "Can decide appeals"),
            ("decide_outreach", "Can decide client outreach restrictions"),
            ("view_dashboards", "Can read the leads' dashboards"),
            ("export_data", "Can export lists and the audit log"),
        ]

    def __str__(self):
        return "console capability"
