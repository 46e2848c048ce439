"""Policies, detectors, signals, cases and enforcement. See DESIGN.md "Cases"."""

import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from reputation.models import Account
from trustconsole.models import ActorKind


class Area(models.TextChoices):
    SAFETY = "safety", "Safety"
    SECURITY = "security", "Security"
    INTEGRITY = "integrity", "Integrity"
    QUALITY = "quality", "Quality"
    PLATFORM_MISUSE = "platform_misuse", "Platform misuse"


class ActionKind(models.TextChoices):
    WARN = "warn", "Warn"
    REMOVE_CONTENT = "remove_content", "Remove content"
    RESTRICT = "restrict", "Restrict capabilities"
    SUSPEND = "suspend", "Suspend"
    BAN = "ban", "Ban"
    REQUIRE_VERIFICATION = "require_verification", "Require identity verification"


class Queue(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Policy(models.Model):
    code = models.CharField(max_length=20, unique=True)
    title = models.CharField(max_length=200)
    area = models.CharField(max_length=20, choices=Area)
    severity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="policies")
    sla_hours = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    tos_url = models.URLField("ToS clause URL")
    # Action kinds for the 1st, 2nd, 3rd… strike within the window; the last step repeats.
    ladder = models.JSONField(default=list)
    strike_window_days = models.PositiveIntegerField(default=365)
    dsa_category = models.CharField("DSA category", max_length=80)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name_plural = "policies"

    def __str__(self):
        return f"{self.code} {self.title}"

    def clean(self):
        if not isinstance(self.ladder, list) or not self.ladder:
            raise ValidationError({"ladder": 'List the action for each strike, e.g. ["warn", "restrict", "suspend"].'})
        unknown = [step for step in self.ladder if step not in ActionKind.values]
        if unknown:
            raise ValidationError({"ladder": f"Unknown actions {unknown}; choose from {', '.join(ActionKind.values)}."})


class SourceTally(models.Model):
    """Outcomes of a source's past cases: how often they ended in action. Neutral when empty."""

    actioned_cases = models.PositiveIntegerField(default=0)
    decided_cases = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    @property
    def accuracy(self):
        # Laplace's rule: 0.5 with no outcomes, moving toward the observed share as they arrive.
        return (self.actioned_cases + 1) / (self.decided_cases + 2)


class Detector(SourceTally):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    default_policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContentType(models.TextChoices):
    JOB_POST = "job_post", "Job post"
    PROPOSAL = "proposal", "Proposal"
    MESSAGE = "message", "Message"
    PROFILE = "profile", "Profile"
    REVIEW = "review", "Review"


class ReportReason(models.Model):
    """What a member can pick when flagging content of one type, and the policy it maps to."""

    code = models.SlugField(max_length=60)
    content_type = models.CharField(max_length=20, choices=ContentType)
    label = models.CharField(max_length=200)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="report_reasons")

    class Meta:
        ordering = ["content_type", "code"]
        constraints = [models.UniqueConstraint(fields=["code", "content_type"], name="reportreason_unique")]

    def __str__(self):
        return f"{self.get_content_type_display()}: {self.label}"


class Reporter(SourceTally):
    """A marketplace member who flags content; their past accuracy weighs new flags."""

    account = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="reporter_record")

    def __str__(self):
        return f"Reporter {self.account_id}"


class ApiScope(models.TextChoices):
    SIGNALS = "signals", "Send detector signals"
    REPORTS = "reports", "Send user reports"
    MARKETPLACE = "marketplace", "Send accounts and contracts"
    DECISIONS = "decisions", "Read the decisions feed"
    APPEALS = "appeals", "File appeals"


class ApiClient(models.Model):
    """A caller of the JSON API. Only a hash of its bearer token is kept; the token is shown once."""

    name = models.CharField(max_length=100, unique=True)
    token_prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    detector = models.ForeignKey(Detector, null=True, blank=True, on_delete=models.PROTECT, related_name="clients")
    rate_limit_per_minute = models.PositiveIntegerField(default=120)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def issue_token(self):
        """Give the client a fresh token and return it; only its prefix and hash are kept."""
        prefix = secrets.token_hex(4)
        token = f"tc_{prefix}_{secrets.token_urlsafe(32)}"
        self.token_prefix, self.token_hash = prefix, self.hash_token(token)
        return token

    @staticmethod
    def hash_token(token):
        return hashlib.sha256(token.encode()).hexdigest()

    def clean(self):
        unknown = sorted(set(self.scopes or []) - set(ApiScope.values)) if isinstance(self.scopes, list) else ["?"]
        if not self.scopes or unknown:
            raise ValidationError({"scopes": f"Choose scopes from {', '.join(ApiScope.values)}."})

    def audit_identity(self):
        return ActorKind.API_CLIENT, str(self.pk), f"api:{self.name}"


class Visibility(models.TextChoices):
    VISIBLE = "visible", "Visible"
    HELD = "held", "Held"
    REMOVED = "removed", "Removed"


class ContentItem(models.Model):
    content_type = models.CharField(max_length=20, choices=ContentType)
    external_id = models.CharField(max_length=200)
    author = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="content_items")
    visibility = models.CharField(max_length=10, choices=Visibility, default=Visibility.VISIBLE)
    first_seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_type", "external_id"], name="contentitem_unique")]

    def __str__(self):
        return f"{self.get_content_type_display()} {self.external_id}"


class ContentVersion(models.Model):
    """The text of a content item exactly as intake saw it, frozen, with its SHA-256."""

    # db_index=False: the unique (item, sha256) index serves lookups by item.
    item = models.ForeignKey(ContentItem, on_delete=models.CASCADE, related_name="versions", db_index=False)
    text = models.TextField(blank=True)
    url = models.CharField(max_length=2000, blank=True)
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(null=True, blank=True)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["item", "seen_at"]
        constraints = [models.UniqueConstraint(fields=["item", "sha256"], name="contentversion_unique")]

    def __str__(self):
        return f"{self.item_id}@{self.sha256[:8]}"

    @staticmethod
    def hash_text(text):
        return hashlib.sha256(text.encode()).hexdigest()


class SignalSource(models.TextChoices):
    DETECTOR = "detector", "Detector"
    REPORT = "report", "User report"


class CaseStatus(models.TextChoices):
    OPEN = "open", "Open"
    IN_REVIEW = "in_review", "In review"
    ESCALATED = "escalated", "Escalated to leads"
    PENDING_APPROVAL = "pending_approval", "Pending approval"
    ACTIONED = "actioned", "Actioned"
    DISMISSED = "dismissed", "Dismissed"


OPEN_STATUSES = (CaseStatus.OPEN, CaseStatus.IN_REVIEW, CaseStatus.ESCALATED, CaseStatus.PENDING_APPROVAL)


OPEN = Q(status__in=OPEN_STATUSES)


class CaseQuerySet(models.QuerySet):
    def still_open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def unclaimed_at(self, moment):
        return self.filter(Q(assignee__isnull=True) | Q(lease_expires_at__lt=moment))


class Case(models.Model):
    """One subject account suspected under one policy: the unit of review."""

    # The account, queue and assignee keys have no index of their own: the composite indexes
    # below lead with them and serve the same lookups, and every index costs each grouping update.
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="cases", db_index=False)
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="cases")
    # Copied from the policy and the account when the case opens, so the queue filters on one table.
    queue = models.ForeignKey(Queue, on_delete=models.PROTECT, related_name="cases", db_index=False)
    area = models.CharField(max_length=20, choices=Area)
    country = models.CharField(max_length=2, blank=True)
    status = models.CharField(max_length=20, choices=CaseStatus, default=CaseStatus.OPEN)
    priority = models.FloatField(default=0)
    priority_parts = models.JSONField(default=dict)
    signal_count = models.PositiveIntegerField(default=0)
    max_score = models.FloatField(default=0)
    # Distinct detectors and reporters behind the case, for priority's independence part.
    sources = models.JSONField(default=list)
    has_reports = models.BooleanField(default=False)
    has_detections = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    due_at = models.DateTimeField()
    sla_breached = models.BooleanField(default=False)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_cases",
        db_index=False,
    )
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    closed_at = models.DateTimeField(null=True, blank=True)
    # For the leads' figures: when the current holder took the case, and who decided it when
    # (the dismissal, or the proposal of the action that closed it; a four-eyes wait is not
    # the analyst's handling time). Cases settled by another case's ban have no decider.
    claimed_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="decided_cases"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    # The case's content text, searched with a GIN-indexed tsvector on PostgreSQL (see migrations).
    search_text = models.TextField(blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        constraints = [
            # Grouping: at most one open case per account and policy, also under concurrent intake.
            models.UniqueConstraint(
                fields=["account", "policy"],
                condition=Q(status__in=OPEN_STATUSES),
                name="case_one_open_per_account_policy",
            )
        ]
        # The queue page filters on open statuses and reads the first page in one order. Partial
        # indexes on exactly the open statuses let PostgreSQL walk rows in that order and stop
        # after a page, instead of sorting every open case; they also serve the capped counts.
        indexes = [
            models.Index(fields=["-priority", "id"], condition=OPEN, name="case_open_priority"),
            models.Index(fields=["queue", "-priority", "id"], condition=OPEN, name="case_open_queue_priority"),
            models.Index(fields=["due_at", "id"], condition=OPEN, name="case_open_due"),
            models.Index(fields=["queue", "due_at", "id"], condition=OPEN, name="case_open_queue_due"),
            models.Index(fields=["opened_at", "id"], condition=OPEN, name="case_open_opened"),
            models.Index(fields=["queue", "opened_at", "id"], condition=OPEN, name="case_open_queue_opened"),
            # "Next case": claimable cases of a queue by priority.
            models.Index(fields=["queue", "status", "-priority", "id"], name="case_queue_priority"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            models.Index(fields=["account", "status"], name="case_account_status"),
            # Dashboards: decisions per day and per analyst over a period.
            models.Index(fields=["decided_at"], condition=Q(decided_at__isnull=False), name="case_decided"),
        ]

    def __str__(self):
        return f"Case #{self.pk}"


def _signal_reference(to, *, optional=False, related_name="signals", db_index=False):
    """A foreign key of Signal: PROTECT, and no database constraint (see Signal)."""
    blank = {"null": True, "blank": True} if optional else {}
    return models.ForeignKey(
        to, on_delete=models.PROTECT, related_name=related_name, db_index=db_index, db_constraint=False, **blank
    )


class Signal(models.Model):
    """One detector hit or user report, stored exactly as accepted.

    The busiest table: every index costs each intake insert and each grouping update. Signals are
    read by case, by content (linked cases) and by client id (replays); the other foreign keys
    have no index of their own. The api_client and case indexes would repeat the first columns of
    the composite ones, and deleting a policy, detector or account (which PROTECT refuses while
    signals name it) is rare enough to scan for.

    Its foreign keys have no database constraint (`REFERENCES`). PostgreSQL checks each one with
    a query per row at commit, and share-locks the referenced row: that cost intake more than
    storing the signal, and made every concurrent batch contend for the same policy, detector
    and client rows. Only intake and grouping write signals, with ids they read or inserted in
    the same transaction; the referenced rows are never deleted while signals name them, as
    Django's PROTECT (which does not rely on the constraint) refuses it.
    """

    api_client = _signal_reference(ApiClient)
    client_item_id = models.CharField(max_length=200)
    source = models.CharField(max_length=10, choices=SignalSource)
    detector = _signal_reference(Detector, optional=True)
    reporter = _signal_reference(Reporter, optional=True)
    report_reason = _signal_reference(ReportReason, optional=True, related_name="+")
    policy = _signal_reference(Policy)
    account = _signal_reference(Account)
    content = _signal_reference(ContentVersion, optional=True, db_index=True)
    case = _signal_reference(Case, optional=True)
    score = models.FloatField(null=True, blank=True)
    observed_at = models.DateTimeField()
    received_at = models.DateTimeField()
    evidence = models.JSONField(default=dict, blank=True)
    comment = models.TextField(blank=True)
    # Which request stored the row: a replayed id finds another request's row and says "duplicate".
    intake_batch = models.UUIDField()

    class Meta:
        constraints = [
            # The item id leads: a replay check names hundreds of ids of one client, and with the
            # client first a planner without statistics (a new table) scanned all of its rows.
            models.UniqueConstraint(fields=["client_item_id", "api_client"], name="signal_unique_per_client")
        ]
        indexes = [models.Index(fields=["case", "received_at"], name="signal_case_received")]

    def __str__(self):
        return f"Signal {self.client_item_id} from {self.api_client_id}"


class CaseNote(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"Note on case {self.case_id}"
