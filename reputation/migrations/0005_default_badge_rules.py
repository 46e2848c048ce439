from django.db import migrations
from django.utils import timezone

# Version 1 of the badge rules: the bars a new install starts from. Admins publish new versions.
DEFAULT_RULES = [
    {
        "tier": "rising_talent",
        "min_score": 0.85,
        "min_lower_bound": 0.60,
        "keep_score": 0.80,
        "keep_lower_bound": 0.55,
        "min_distinct_clients": 1,
        "required_weeks": 1,
        "window_weeks": 1,
        "warning_weeks": 2,
    },
    {
        "tier": "top_rated",
        "min_score": 0.90,
        "min_lower_bound": 0.72,
        "keep_score": 0.87,
        "keep_lower_bound": 0.68,
        "min_earnings_12m_cents": 100_000,
        "min_tenure_days": 90,
        "min_distinct_clients": 2,
        "required_weeks": 13,
        "window_weeks": 16,
        "warning_weeks": 4,
    },
    {
        "tier": "top_rated_plus",
        "min_score": 0.92,
        "min_lower_bound": 0.78,
        "keep_score": 0.90,
        "keep_lower_bound": 0.74,
        "min_earnings_12m_cents": 1_000_000,
        "min_tenure_days": 180,
        "min_distinct_clients": 3,
        "min_largest_contract_cents": 500_000,
        "required_weeks": 13,
        "window_weeks": 16,
        "warning_weeks": 4,
    },
]


def publish_defaults(apps, schema_editor):
    BadgeRule = apps.get_model("reputation", "BadgeRule")
    now = timezone.now()
    for values in DEFAULT_RULES:
        if not BadgeRule.objects.filter(tier=values["tier"]).exists():
            BadgeRule.objects.create(version=1, published_at=now, note="Default rules", **values)


class Migration(migrations.Migration):
    dependencies = [("reputation", "0004_badges_overrides_drafts")]

    operations = [migrations.RunPython(publish_defaults, migrations.RunPython.noop)]
