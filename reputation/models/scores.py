"""Scoring parameters, recompute runs and the snapshots they write."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from reputation.models.accounts import Account
from reputation.models.versions import Versioned


class ScoringParameters(Versioned):
    """The success score's parameters: a draft while admins edit and simulate it, then a frozen,
    numbered version that every snapshot names."""

    prior_mean = models.FloatField(default=0.85, validators=[MinValueValidator(0.01), MaxValueValidator(0.99)])
    prior_strength = models.FloatField(default=4.0, validators=[MinValueValidator(0.1), MaxValueValidator(100)])
    private_share = models.FloatField(default=0.7, validators=[MinValueValidator(0), MaxValueValidator(1)])
    half_life_days = models.FloatField(default=180, validators=[MinValueValidator(1), MaxValueValidator(3650)])
    max_age_days = models.FloatField(default=730, validators=[MinValueValidator(1), MaxValueValidator(3650)])
    max_contract_weight = models.FloatField(default=8, validators=[MinValueValidator(1), MaxValueValidator(100)])
    max_client_weight = models.FloatField(default=8, validators=[MinValueValidator(1), MaxValueValidator(100)])
    lower_quantile = models.FloatField(default=0.1, validators=[MinValueValidator(0.01), MaxValueValidator(0.5)])
    public_min_contracts = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    public_min_clients = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )

    class Meta:
        ordering = [models.F("version").desc(nulls_first=True)]
        verbose_name_plural = "scoring parameters"
        constraints = [
            models.UniqueConstraint(fields=["version"], name="scoringparameters_version_once"),
        ]

    def __str__(self):
        return f"Scoring parameters {self.version_label()}"


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
    # No single-column indexes: (account, -as_of) and (run, account) below lead with each, and a
    # nightly recompute writes a row per freelancer into every index.
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="score_snapshots", db_index=False)
    run = models.ForeignKey(ScoreRun, on_delete=models.CASCADE, related_name="snapshots", db_index=False)
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
