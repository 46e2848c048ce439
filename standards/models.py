"""Client standards: what freelancers' experience of a client is measured against, each daily
assessment, and each client's place in outreach. See DESIGN.md "Reputation" and issue 6."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from reputation.models import Account
from trustconsole.models import NoticeText

DEFAULT_CONDUCT_POLICIES = ["HARASS", "FREE-WORK", "CIR-PAY", "COERCE"]
DEFAULT_HARD_TRIGGER_POLICIES = ["COERCE", "PAY-FRAUD", "HARASS"]


def _positive(low=1, high=1000):
    return [MinValueValidator(low), MaxValueValidator(high)]


class Thresholds(models.Model):
    """The bars a client is held to and the lengths of outreach; one row, edited by admins."""

    window_days = models.PositiveSmallIntegerField(default=180, validators=_positive(30, 730))
    # Against retaliation: nothing that rests on freelancers' word flags a client unless at
    # least this many distinct freelancers stand behind it.
    min_freelancers = models.PositiveSmallIntegerField(default=3, validators=_positive(2, 50))
    client_score_floor = models.FloatField(default=0.60, validators=[MinValueValidator(0.05), MaxValueValidator(0.95)])
    poor_rating_stars = models.PositiveSmallIntegerField(
        "a rating at or below this many stars is poor", default=2, validators=_positive(1, 4)
    )
    poor_raters_limit = models.PositiveSmallIntegerField(default=3, validators=_positive(1, 100))
    disputes_lost_limit = models.PositiveSmallIntegerField(default=2, validators=_positive(1, 100))
    ghosting_days = models.PositiveSmallIntegerField(default=14, validators=_positive(1, 90))
    ghosting_limit = models.PositiveSmallIntegerField(default=2, validators=_positive(1, 100))
    refunds_limit = models.PositiveSmallIntegerField(default=2, validators=_positive(1, 100))
    conduct_findings_limit = models.PositiveSmallIntegerField(default=1, validators=_positive(1, 100))
    conduct_policies = models.JSONField(default=list, help_text="Policy codes whose confirmed findings count.")
    hard_trigger_policies = models.JSONField(
        default=list, help_text="Policy codes that skip outreach and go straight to enforcement."
    )
    improvement_days = models.PositiveSmallIntegerField(default=60, validators=_positive(7, 365))
    contract_cap = models.PositiveSmallIntegerField(
        "concurrent contracts allowed at level 1", default=3, validators=_positive(1, 100)
    )
    exclusion_lookback_days = models.PositiveSmallIntegerField(default=180, validators=_positive(1, 730))

    class Meta:
        verbose_name = "client standards thresholds"
        verbose_name_plural = "client standards thresholds"

    def __str__(self):
        return "Client standards thresholds"

    def clean(self):
        from cases.models import Policy

        errors = {}
        for name in ("conduct_policies", "hard_trigger_policies"):
            codes = getattr(self, name)
            if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
                errors[name] = 'List policy codes, e.g. ["HARASS", "COERCE"].'
                continue
            unknown = sorted(set(codes) - set(Policy.objects.filter(code__in=codes).values_list("code", flat=True)))
            if unknown:
                errors[name] = f"Unknown policy codes: {', '.join(unknown)}."
        if errors:
            raise ValidationError(errors)

    @classmethod
    def current(cls):
        row = cls.objects.order_by("pk").first()
        return row or cls(
            conduct_policies=DEFAULT_CONDUCT_POLICIES, hard_trigger_policies=DEFAULT_HARD_TRIGGER_POLICIES
        )


class OutreachState(models.TextChoices):
    MONITORING = "monitoring", "Monitoring"
    IMPROVEMENT = "improvement", "Improvement period"
    DUE = "due", "Re-evaluation: waiting for a lead"
    ENFORCEMENT = "enforcement", "Referred to enforcement"


class RestrictionLevel(models.IntegerChoices):
    NONE = 0, "None"
    LEVEL_1 = 1, "Level 1: funded milestones, contract cap"
    LEVEL_2 = 2, "Level 2: job posts paused, feedback not counted"


class ClientStanding(models.Model):
    """A client's place in outreach. Changed only by standards.services, one audited transition
    at a time; `version` guards a lead's decision against a page that is out of date."""

    client = models.OneToOneField(Account, on_delete=models.CASCADE, related_name="client_standing")
    state = models.CharField(max_length=12, choices=OutreachState, default=OutreachState.MONITORING)
    level = models.PositiveSmallIntegerField(choices=RestrictionLevel, default=RestrictionLevel.NONE)
    state_since = models.DateTimeField()
    period_ends_at = models.DateTimeField(null=True, blank=True)
    # The assessment outreach started from, so progress per metric can be shown against it.
    baseline = models.ForeignKey("ClientAssessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    latest = models.ForeignKey("ClientAssessment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # Restrictions this process imposed, so returning to monitoring lifts exactly those.
    restriction_ids = models.JSONField(default=list, blank=True)
    referral_case_id = models.BigIntegerField(null=True, blank=True)
    # Hard-trigger actions already referred, so one finding refers a client once.
    referred_actions = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        indexes = [
            # The leads' queue: decisions due, oldest first; the sweep: periods that end.
            models.Index(fields=["state", "state_since"], name="standing_state"),
            models.Index(fields=["period_ends_at"], condition=models.Q(state="improvement"), name="standing_period"),
        ]

    def __str__(self):
        return f"Standards of {self.client_id}: {self.get_state_display()}"


class ClientAssessment(models.Model):
    """One client's metrics as of one day; re-running the day's assessment replaces nothing."""

    client = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="client_assessments")
    as_of = models.DateTimeField()
    day = models.DateField()
    # {metric: {"value", "limit", "tripped", "freelancers", "evidence": {...}}}
    metrics = models.JSONField(default=dict)
    tripped = models.JSONField(default=list)
    below_standard = models.BooleanField(default=False)
    hard_triggers = models.JSONField(default=list)
    thresholds = models.JSONField(default=dict)

    class Meta:
        ordering = ["-day"]
        constraints = [models.UniqueConstraint(fields=["client", "day"], name="assessment_once_a_day")]
        indexes = [models.Index(fields=["day", "below_standard"], name="assessment_day_below")]

    def __str__(self):
        return f"Assessment of {self.client_id} on {self.day}"


class AssessmentRun(models.Model):
    """One daily assessment of every client with recent contracts; resumable by client id."""

    day = models.DateField(unique=True)
    as_of = models.DateTimeField()
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    last_client_id = models.BigIntegerField(default=0)
    clients_done = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-day"]

    def __str__(self):
        return f"Client assessment of {self.day}"


class OutreachNoticeKind(models.TextChoices):
    OUTREACH = "outreach", "Outreach: below standard, improvement period"
    RESTRICTED_1 = "restricted_1", "Restricted, level 1"
    RESTRICTED_2 = "restricted_2", "Restricted, level 2"
    BACK_TO_MONITORING = "monitoring", "Back in good standing"


OUTREACH_PLACEHOLDERS = {
    "account_name": "the client's name",
    "findings": "what fell below standard, one line each",
    "period_days": "the length of the improvement period",
    "period_ends": "the day the period ends",
    "restrictions": "what is restricted",
}


class OutreachTemplate(NoticeText):
    PLACEHOLDERS = OUTREACH_PLACEHOLDERS

    kind = models.CharField(max_length=16, choices=OutreachNoticeKind, unique=True)

    class Meta(NoticeText.Meta):
        pass


class OutreachDecision(models.TextChoices):
    RESTRICT = "restrict", "Restrict one level further"
    EXTEND = "extend", "Give another improvement period"
    MONITOR = "monitor", "Back to monitoring"
    REFER = "refer", "Refer for suspension through enforcement"


class OutreachStep(models.Model):
    """Each transition as it happened, for the client's timeline and the outreach funnel."""

    standing = models.ForeignKey(ClientStanding, on_delete=models.CASCADE, related_name="steps")
    from_state = models.CharField(max_length=12, choices=OutreachState)
    to_state = models.CharField(max_length=12, choices=OutreachState)
    level = models.PositiveSmallIntegerField(choices=RestrictionLevel)
    decision = models.CharField(max_length=10, choices=OutreachDecision, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_state", "at"], name="outreachstep_funnel")]

    def __str__(self):
        return f"{self.from_state} → {self.to_state} for {self.standing_id}"
