"""Accounts and their standing, contracts, scores, badges. See DESIGN.md "Reputation"."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
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


class BadgeTier(models.TextChoices):
    # In ascending order: four-eyes rules compare tiers by their place in this list.
    RISING_TALENT = "rising_talent", "Rising Talent"
    TOP_RATED = "top_rated", "Top Rated"
    TOP_RATED_PLUS = "top_rated_plus", "Top Rated Plus"
    EXPERT_VETTED = "expert_vetted", "Expert-Vetted"

    @classmethod
    def rank(cls, tier):
        return cls.values.index(tier) if tier in cls.values else -1


class Badge(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="badges")
    tier = models.CharField(max_length=20, choices=BadgeTier)
    awarded_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)
    revoked_source = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["account", "tier"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "tier"],
                condition=models.Q(revoked_at__isnull=True),
                name="badge_one_active_per_tier",
            )
        ]

    def __str__(self):
        return f"{self.get_tier_display()} for {self.account_id}"


class ContractKind(models.TextChoices):
    HOURLY = "hourly", "Hourly"
    FIXED = "fixed", "Fixed price"


class DisputeOutcome(models.TextChoices):
    FREELANCER_LOST = "freelancer_lost", "Freelancer lost"
    CLIENT_LOST = "client_lost", "Client lost"
    SETTLED = "settled", "Settled"


class Contract(models.Model):
    external_id = models.CharField(max_length=200, unique=True)
    freelancer = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contracts_as_freelancer")
    client = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="contracts_as_client")
    kind = models.CharField(max_length=10, choices=ContractKind)
    title = models.CharField(max_length=200, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    earnings_cents = models.BigIntegerField(default=0)
    end_reason = models.CharField(max_length=100, blank=True)
    # Feedback at the end: the client's private 0-10 and public stars, the freelancer's stars.
    client_private = models.PositiveSmallIntegerField(null=True, blank=True)
    client_public = models.PositiveSmallIntegerField(null=True, blank=True)
    freelancer_public = models.PositiveSmallIntegerField(null=True, blank=True)
    feedback_at = models.DateTimeField(null=True, blank=True)
    dispute_outcome = models.CharField(max_length=20, choices=DisputeOutcome, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [
            models.Index(fields=["freelancer", "ended_at"], name="contract_freelancer"),
            models.Index(fields=["client", "ended_at"], name="contract_client"),
        ]

    def __str__(self):
        return f"Contract {self.external_id}"


class InterimFeedback(models.Model):
    """Feedback given during a long contract; it counts from its own date."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="interim_feedback")
    client_private = models.PositiveSmallIntegerField(null=True, blank=True)
    client_public = models.PositiveSmallIntegerField(null=True, blank=True)
    freelancer_public = models.PositiveSmallIntegerField(null=True, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["contract", "at"]

    def __str__(self):
        return f"Interim feedback on {self.contract_id}"


class ScoringParameters(models.Model):
    """One published version of the success score's parameters. Versions are never edited: a
    change is a new version, so every snapshot names the parameters it was computed with."""

    version = models.PositiveIntegerField(unique=True, editable=False)
    prior_mean = models.FloatField(default=0.85, validators=[MinValueValidator(0.01), MaxValueValidator(0.99)])
    prior_strength = models.FloatField(default=4.0, validators=[MinValueValidator(0.1), MaxValueValidator(100)])
    private_share = models.FloatField(default=0.7, validators=[MinValueValidator(0), MaxValueValidator(1)])
    half_life_days = models.FloatField(default=180, validators=[MinValueValidator(1), MaxValueValidator(3650)])
    max_age_days = models.FloatField(default=730, validators=[MinValueValidator(1), MaxValueValidator(3650)])
    max_contract_weight = models.FloatField(default=8, validators=[MinValueValidator(1), MaxValueValidator(100)])
    max_client_weight = models.FloatField(default=8, validators=[MinValueValidator(1), MaxValueValidator(100)])
    lower_quantile = models.FloatField(default=0.1, validators=[MinValueValidator(0.01), MaxValueValidator(0.5)])
    public_min_contracts = models.PositiveSmallIntegerField(default=2)
    public_min_clients = models.PositiveSmallIntegerField(default=2)
    published_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-version"]
        verbose_name_plural = "scoring parameters"

    def __str__(self):
        return f"Scoring parameters v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is None and not self.version:
            latest = ScoringParameters.objects.order_by("-version").values_list("version", flat=True).first()
            self.version = (latest or 0) + 1
        super().save(*args, **kwargs)


class ScoreRun(models.Model):
    """One recompute of every freelancer as of one moment; resumable from its last account."""

    as_of = models.DateTimeField()
    params_version = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    last_account_id = models.BigIntegerField(default=0)
    accounts_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Score run {self.pk} as of {self.as_of:%Y-%m-%d}"


class ScoreSnapshot(models.Model):
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="score_snapshots")
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="snapshots")
    # The run's moment and parameters, copied so an account's latest snapshot is one index read.
    as_of = models.DateTimeField()
    params_version = models.PositiveIntegerField()
    score = models.FloatField()
    lower_bound = models.FloatField()
    effective_sample_size = models.FloatField()
    eligible_contracts = models.PositiveIntegerField()
    distinct_clients = models.PositiveIntegerField()
    public = models.BooleanField()
    # Each contract's outcome, weight and contribution in points, or why it was excluded.
    ledger = models.JSONField(default=list)

    class Meta:
        ordering = ["-as_of"]
        constraints = [models.UniqueConstraint(fields=["run", "account"], name="snapshot_one_per_run")]
        indexes = [models.Index(fields=["account", "-as_of"], name="snapshot_account_latest")]

    def __str__(self):
        return f"Score of {self.account_id} as of {self.as_of:%Y-%m-%d}"
