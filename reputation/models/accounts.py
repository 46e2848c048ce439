"""Marketplace members, their notes, restrictions and links. See DESIGN.md "Reputation"."""

from django.conf import settings
from django.db import models


class AccountKind(models.TextChoices):
    FREELANCER = "freelancer", "Freelancer"
    CLIENT = "client", "Client"
    AGENCY = "agency", "Agency"


class AccountStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESTRICTED = "restricted", "Restricted"
    SUSPENDED = "suspended", "Suspended"
    BANNED = "banned", "Banned"


class Account(models.Model):
    """A marketplace member, known by the marketplace's own id."""

    external_id = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=16, choices=AccountKind)
    name = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    country = models.CharField(max_length=2, blank=True)
    joined_at = models.DateTimeField(null=True, blank=True)
    identity_verified = models.BooleanField(default=False)
    payment_verified = models.BooleanField(default=False)
    # Derived from the account's active restrictions by the standing service.
    status = models.CharField(max_length=16, choices=AccountStatus, default=AccountStatus.ACTIVE)
    # Reach, used by case priority; refreshed from contracts by the reputation service.
    active_contracts = models.PositiveIntegerField(default=0)
    earnings_12m_cents = models.BigIntegerField(default=0)
    lifetime_earnings_cents = models.BigIntegerField(default=0)
    # Client standards, level 2: feedback this client gave from `since` (until `until`, once it
    # is back in good standing) counts for nothing in freelancers' scores.
    feedback_excluded_since = models.DateTimeField(null=True, blank=True)
    feedback_excluded_until = models.DateTimeField(null=True, blank=True)
    first_seen_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["country"], name="account_country")]

    def __str__(self):
        return f"{self.name or self.external_id} ({self.external_id})"

    @property
    def email_domain(self):
        return self.email.rsplit("@", 1)[-1] if "@" in self.email else ""


class AccountNote(models.Model):
    """Account memory: pinned notes show on every case about the account."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(max_length=4000)
    pinned = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["account", "-created_at"], name="accountnote_account")]

    def __str__(self):
        return f"Note on {self.account_id} by {self.author_id}"


class Capability(models.TextChoices):
    PROPOSALS = "proposals", "Send proposals"
    JOB_POSTS = "job_posts", "Post jobs"
    MESSAGING = "messaging", "Send messages"
    NEW_CONTRACTS = "new_contracts", "Start new contracts"
    WITHDRAWALS = "withdrawals", "Withdraw earnings"
    # Client standards, restriction level 1.
    UNFUNDED_WORK = "unfunded_work", "Let work start before its milestone is funded"
    CONTRACTS_OVER_CAP = "contracts_over_cap", "Hold more concurrent contracts than the cap"


class RestrictionKind(models.TextChoices):
    RESTRICT = "restrict", "Restricted capabilities"
    VERIFY = "verify", "Restricted until identity is verified"
    SUSPEND = "suspend", "Suspended"
    BAN = "ban", "Banned"


# The status an active restriction of each kind implies; the strongest one wins.
STATUS_OF_KIND = {
    RestrictionKind.RESTRICT: AccountStatus.RESTRICTED,
    RestrictionKind.VERIFY: AccountStatus.RESTRICTED,
    RestrictionKind.SUSPEND: AccountStatus.SUSPENDED,
    RestrictionKind.BAN: AccountStatus.BANNED,
}
STATUS_RANK = [AccountStatus.ACTIVE, AccountStatus.RESTRICTED, AccountStatus.SUSPENDED, AccountStatus.BANNED]


class RestrictionQuerySet(models.QuerySet):
    def active_at(self, moment):
        return self.filter(lifted_at__isnull=True, starts_at__lte=moment).filter(
            models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=moment)
        )


class Restriction(models.Model):
    """One capability-scoped limit on an account, timed or open-ended. The account's status is
    derived from the ones in force."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="restrictions")
    kind = models.CharField(max_length=10, choices=RestrictionKind)
    capabilities = models.JSONField(default=list)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(null=True, blank=True)
    # For identity verification: after this the restriction becomes a suspension until verified.
    deadline = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)
    # Numbers a capability limit carries, e.g. {"max_concurrent_contracts": 3}.
    limits = models.JSONField(default=dict, blank=True)
    # What imposed it, as a plain reference ("action:12"), so reputation never imports cases.
    source = models.CharField(max_length=64, blank=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(blank=True)

    objects = RestrictionQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "-id"]
        # The expiry sweep reads restrictions still in force by end time.
        indexes = [
            models.Index(fields=["ends_at"], condition=models.Q(lifted_at__isnull=True), name="restriction_in_force")
        ]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.account_id}"


class AccountLink(models.Model):
    """Two accounts run by one person or one business (shared devices, payment instruments,
    identity). Feedback between linked accounts never counts in a score. Stored once per pair,
    the lower id first."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    linked_account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    reason = models.TextField(max_length=2000)
    source = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "linked_account"], name="accountlink_once_per_pair"),
            models.CheckConstraint(
                condition=models.Q(account__lt=models.F("linked_account")), name="accountlink_lower_id_first"
            ),
        ]
        indexes = [models.Index(fields=["linked_account"], name="accountlink_linked")]

    def __str__(self):
        return f"Link {self.account_id} ↔ {self.linked_account_id}"
