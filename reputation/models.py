"""Accounts and their standing, contracts, scores, badges. See DESIGN.md "Reputation"."""

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
