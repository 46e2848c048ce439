import django_filters

from standards.metrics import INFORMATIONAL_METRICS, METRIC_LABELS
from standards.models import ClientStanding, OutreachState, RestrictionLevel

TRIGGER_CHOICES = [(name, label) for name, label in METRIC_LABELS.items() if name not in INFORMATIONAL_METRICS]


class StandingFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=OutreachState.choices, empty_label="Any state")
    level = django_filters.ChoiceFilter(
        choices=[(str(value), label) for value, label in RestrictionLevel.choices],
        empty_label="Any level",
        label="Restriction level",
    )
    metric = django_filters.ChoiceFilter(
        choices=TRIGGER_CHOICES, method="by_metric", empty_label="Any metric", label="Tripped metric"
    )
    country = django_filters.CharFilter(field_name="client__country", max_length=2, label="Country")

    class Meta:
        model = ClientStanding
        fields = []

    def by_metric(self, queryset, name, value):
        return queryset.filter(**{f"latest__metrics__{value}__tripped": True})
