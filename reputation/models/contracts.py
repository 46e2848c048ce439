"""Contracts and the feedback on them."""

from django.db import models

from reputation.models.accounts import Account


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
    # How the client treated delivered work, for client standards: the latest submission, the
    # client's first response to it, and a refund or cancellation forced after delivery.
    work_submitted_at = models.DateTimeField(null=True, blank=True)
    client_responded_at = models.DateTimeField(null=True, blank=True)
    refund_after_delivery_at = models.DateTimeField(null=True, blank=True)
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
