"""Badge tiers, the rules that award them, the weekly record the rules are read against, the
badges accounts hold, and admins' overrides."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from reputation.models.accounts import Account
from reputation.models.versions import Versioned


class BadgeTier(models.TextChoices):
    # In ascending order: four-eyes rules compare tiers by their place in this list.
    RISING_TALENT = "rising_talent", "Rising Talent"
    TOP_RATED = "top_rated", "Top Rated"
    TOP_RATED_PLUS = "top_rated_plus", "Top Rated Plus"
    EXPERT_VETTED = "expert_vetted", "Expert-Vetted"

    @classmethod
    def rank(cls, tier):
        return cls.values.index(tier) if tier in cls.values else -1


# Expert-Vetted is given by people after an interview; no rule awards or demotes it.
RULED_TIERS = (BadgeTier.RISING_TALENT, BadgeTier.TOP_RATED, BadgeTier.TOP_RATED_PLUS)


class BadgeSource(models.TextChoices):
    RULES = "rules", "Weekly evaluation"
    OVERRIDE = "override", "Admin override"
    RESTORED = "restored", "Restored by a reversed decision"
    IMPORTED = "imported", "Held before the rules existed"


class Badge(models.Model):
    """One holding of a badge, from award to removal. History is these rows: a badge won again
    is a new row, so nothing about an earlier holding is overwritten."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="badges")
    tier = models.CharField(max_length=20, choices=BadgeTier)
    awarded_at = models.DateTimeField()
    source = models.CharField(max_length=10, choices=BadgeSource, default=BadgeSource.IMPORTED)
    # The published rule version (rules) or the override id (override) that gave it.
    source_ref = models.CharField(max_length=64, blank=True)
    # The week the account first fell below the keep bar; demotion waits out the warning period.
    warning_since = models.DateField(null=True, blank=True)
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


class BadgeRule(Versioned):
    """When the weekly evaluation awards and keeps one tier. A draft per tier may exist beside
    the published versions; the latest published version of each tier is in force."""

    tier = models.CharField(max_length=20, choices=[(t.value, t.label) for t in RULED_TIERS])
    min_score = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    min_lower_bound = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    # Hysteresis: a holder keeps the badge while above these lower bars.
    keep_score = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    keep_lower_bound = models.FloatField(validators=[MinValueValidator(0), MaxValueValidator(1)])
    min_earnings_12m_cents = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    min_tenure_days = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(3650)])
    min_distinct_clients = models.PositiveIntegerField(default=0, validators=[MaxValueValidator(1000)])
    # Top Rated Plus asks for one large contract within the score's window.
    min_largest_contract_cents = models.BigIntegerField(default=0, validators=[MinValueValidator(0)])
    clean_days = models.PositiveIntegerField(
        default=90,
        validators=[MaxValueValidator(730)],
        help_text="No restriction or enforcement within this many days.",
    )
    active_within_days = models.PositiveIntegerField(
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="A contract active this recently.",
    )
    required_weeks = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    window_weeks = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1), MaxValueValidator(52)])
    warning_weeks = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(26)], help_text="Weeks below the keep bar before demotion."
    )

    class Meta:
        ordering = ["tier", models.F("version").desc(nulls_first=True)]
        constraints = [
            models.UniqueConstraint(fields=["tier", "version"], name="badgerule_version_once_per_tier"),
            models.UniqueConstraint(
                fields=["tier"], condition=models.Q(version__isnull=True), name="badgerule_one_draft_per_tier"
            ),
        ]

    def __str__(self):
        return f"{self.get_tier_display()} rule {self.version_label()}"

    def clean(self):
        errors = {}
        if self.keep_score is not None and self.min_score is not None and self.keep_score > self.min_score:
            errors["keep_score"] = "The keep bar cannot be above the award bar."
        if (
            self.keep_lower_bound is not None
            and self.min_lower_bound is not None
            and self.keep_lower_bound > self.min_lower_bound
        ):
            errors["keep_lower_bound"] = "The keep bar cannot be above the award bar."
        if self.required_weeks and self.window_weeks and self.required_weeks > self.window_weeks:
            errors["required_weeks"] = "A badge cannot need more weeks than its window holds."
        if errors:
            raise ValidationError(errors)


class BadgeWeek(models.Model):
    """What one weekly evaluation found for one account: the tiers whose bar and whose keep bar
    it met, and the figures it judged (which the rule simulator judges drafts on). Weeks that
    met nothing are dropped once they are older than any window; a missing week is a miss."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="badge_weeks")
    week = models.DateField(help_text="The Monday of the week.")
    met = models.JSONField(default=list)
    kept = models.JSONField(default=list)
    figures = models.JSONField(default=dict)

    class Meta:
        ordering = ["account", "-week"]
        constraints = [models.UniqueConstraint(fields=["account", "week"], name="badgeweek_once_per_week")]

    def __str__(self):
        return f"Badge week {self.week} of {self.account_id}"


class BadgeEvaluation(models.Model):
    """One weekly evaluation of every freelancer; resumable from its last account."""

    week = models.DateField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    last_account_id = models.BigIntegerField(default=0)
    accounts_done = models.PositiveIntegerField(default=0)
    rule_versions = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self):
        return f"Badge evaluation of {self.week}"


class OverrideEffect(models.TextChoices):
    GRANT = "grant", "Grant"
    REVOKE = "revoke", "Revoke"


class OverrideStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a second admin"
    ACTIVE = "active", "In force"
    REJECTED = "rejected", "Rejected"
    EXPIRED = "expired", "Expired"
    RENEWED = "renewed", "Replaced by a renewal"


MAX_OVERRIDE_DAYS = 90


class BadgeOverride(models.Model):
    """An admin's decision that beats the rules for one account and tier, for at most 90 days.
    Above Top Rated it waits for a second admin."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="badge_overrides")
    tier = models.CharField(max_length=20, choices=BadgeTier)
    effect = models.CharField(max_length=6, choices=OverrideEffect)
    reason = models.TextField(max_length=2000)
    days = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_OVERRIDE_DAYS)])
    status = models.CharField(max_length=10, choices=OverrideStatus, default=OverrideStatus.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    renews = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="renewals")
    ended_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "tier"],
                condition=models.Q(status="active"),
                name="badgeoverride_one_in_force_per_tier",
            )
        ]
        indexes = [
            models.Index(fields=["expires_at"], condition=models.Q(status="active"), name="badgeoverride_expiry"),
        ]

    def __str__(self):
        return f"{self.get_effect_display()} {self.get_tier_display()} for {self.account_id}"

    @property
    def needs_second_admin(self):
        return BadgeTier.rank(self.tier) > BadgeTier.rank(BadgeTier.TOP_RATED)
