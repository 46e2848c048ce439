"""QA sampling: a share of decided cases goes to a blind second review by another analyst, and
the agreement between the two decisions is what the leads' dashboard reports."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from cases.models.intake import ActionKind, Case, Policy


class QaSampling(models.Model):
    """How much of the decided work is reviewed again; one row, edited by admins."""

    share_percent = models.DecimalField(
        "share of decided cases sampled (%)",
        max_digits=5,
        decimal_places=2,
        default=Decimal("5.00"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text="0 stops sampling; 100 reviews every decided case again.",
    )

    class Meta:
        verbose_name = "QA sampling"
        verbose_name_plural = "QA sampling"

    def __str__(self):
        return f"QA sampling at {self.share_percent}%"

    @classmethod
    def current(cls):
        return cls.objects.order_by("pk").first() or cls()


class QaVerdict(models.TextChoices):
    NO_VIOLATION = "no_violation", "No violation"
    WARN = ActionKind.WARN.value, "Violation: warn"
    REMOVE_CONTENT = ActionKind.REMOVE_CONTENT.value, "Violation: remove content"
    RESTRICT = ActionKind.RESTRICT.value, "Violation: restrict capabilities"
    SUSPEND = ActionKind.SUSPEND.value, "Violation: suspend"
    BAN = ActionKind.BAN.value, "Violation: ban"
    REQUIRE_VERIFICATION = ActionKind.REQUIRE_VERIFICATION.value, "Violation: require identity verification"


class QaReview(models.Model):
    """One sampled case and its second, blind review. The first decision is copied here when the
    case is sampled, so a later reopening of the case does not change what was compared."""

    case = models.OneToOneField(Case, on_delete=models.PROTECT, related_name="qa_review")
    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="+")
    first_reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    first_verdict = models.CharField(max_length=24, choices=QaVerdict)
    sampled_at = models.DateTimeField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="qa_reviews"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    verdict = models.CharField(max_length=24, choices=QaVerdict, blank=True)
    note = models.TextField(max_length=4000, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    # Agreement on whether there was a violation at all, and on the exact action.
    outcome_agrees = models.BooleanField(null=True)
    action_agrees = models.BooleanField(null=True)

    class Meta:
        ordering = ["sampled_at", "id"]
        indexes = [
            # "Take the next review": the oldest unassigned one.
            models.Index(
                fields=["sampled_at", "id"],
                condition=models.Q(reviewer__isnull=True),
                name="qareview_unassigned",
            ),
            # Dashboards: agreement over reviews completed in a period.
            models.Index(
                fields=["completed_at"], condition=models.Q(completed_at__isnull=False), name="qareview_completed"
            ),
        ]

    def __str__(self):
        return f"QA review of case {self.case_id}"

    @property
    def done(self):
        return self.completed_at is not None
