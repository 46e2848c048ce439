"""The audit screen's filters. Every filter hits an indexed column of AuditEvent."""

import django_filters
from django import forms

from trustconsole.models import ActorKind, AuditAction, AuditEvent


class AuditFilter(django_filters.FilterSet):
    actor = django_filters.CharFilter(field_name="actor_name", label="Actor (exact name)")
    actor_kind = django_filters.ChoiceFilter(choices=ActorKind.choices, label="Actor kind")
    action = django_filters.MultipleChoiceFilter(
        choices=AuditAction.choices, label="Action", widget=forms.SelectMultiple(attrs={"size": 4})
    )
    target_type = django_filters.CharFilter(label="Target type (e.g. cases.case)")
    target_id = django_filters.CharFilter(label="Target id")
    account = django_filters.CharFilter(field_name="subject_account", label="Account id")
    case = django_filters.NumberFilter(field_name="case_id", label="Case", min_value=1)
    since = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__gte", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        field_name="occurred_at", lookup_expr="date__lte", label="Until", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = AuditEvent
        fields = []
