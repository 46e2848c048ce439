from datetime import timedelta

import django_filters
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from cases import priority
from cases.models import OPEN_STATUSES, Area, Case, CaseStatus, Detector, Policy, Queue, Signal

ASSIGNEE_CHOICES = [("mine", "Mine"), ("unassigned", "Unassigned"), ("anyone", "Anyone")]
SOURCE_CHOICES = [("detector", "Detector"), ("report", "User report")]
BAND_CHOICES = [("high", "High"), ("medium", "Medium"), ("low", "Low")]
SLA_CHOICES = [("ok", "Within SLA"), ("due_soon", "Due within 2 hours"), ("breached", "Breached")]
SORT_CHOICES = [("priority", "Priority"), ("age", "Oldest first"), ("due", "Due soonest")]
STATUS_CHOICES = [("open_any", "Any open"), *CaseStatus.choices]
SORTS = {"priority": ["-priority", "id"], "age": ["opened_at", "id"], "due": ["due_at", "id"]}


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search content", method="search")
    queue = django_filters.ModelChoiceFilter(
        queryset=Queue.objects.all(), to_field_name="slug", empty_label="All queues"
    )
    policy = django_filters.ModelChoiceFilter(
        queryset=Policy.objects.all(), to_field_name="code", empty_label="All policies"
    )
    area = django_filters.ChoiceFilter(choices=Area.choices, empty_label="All areas")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="by_status", empty_label=None, label="Status")
    assignee = django_filters.ChoiceFilter(
        choices=ASSIGNEE_CHOICES, method="by_assignee", empty_label=None, label="Assignee"
    )
    detector = django_filters.ModelChoiceFilter(
        queryset=Detector.objects.all(),
        to_field_name="slug",
        method="by_detector",
        empty_label="Any detector",
        label="Detector",
    )
    source = django_filters.ChoiceFilter(
        choices=SOURCE_CHOICES, method="by_source", empty_label="Any source", label="Source"
    )
    country = django_filters.CharFilter(label="Country", method="by_country", max_length=2)
    band = django_filters.ChoiceFilter(
        choices=BAND_CHOICES, method="by_band", label="Priority", empty_label="Any priority"
    )
    sla = django_filters.ChoiceFilter(choices=SLA_CHOICES, method="by_sla", label="SLA", empty_label="Any SLA state")
    sort = django_filters.ChoiceFilter(choices=SORT_CHOICES, method="by_nothing", empty_label=None, label="Sort by")

    class Meta:
        model = Case
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        for name, default in (("status", "open_any"), ("assignee", "anyone"), ("sort", "priority")):
            if not data.get(name):
                data[name] = default
        super().__init__(data, *args, **kwargs)
        self.user = user
        self.searched = False

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        self.searched = True
        if connection.vendor != "postgresql":
            return queryset.filter(search_text__icontains=value)
        # The generated, GIN-indexed search_vector column (cases migration 0002); which plan
        # reads it is chosen in selectors.case_page.
        return queryset.extra(where=["search_vector @@ websearch_to_tsquery('english', %s)"], params=[value])

    def by_status(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value == "open_any" else queryset.filter(status=value)

    def by_assignee(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assignee=self.user)
        if value == "unassigned":
            return queryset.unclaimed_at(timezone.now())
        return queryset

    def by_detector(self, queryset, name, value):
        return queryset.filter(Exists(Signal.objects.filter(case=OuterRef("pk"), detector=value)))

    def by_source(self, queryset, name, value):
        return queryset.filter(has_reports=True) if value == "report" else queryset.filter(has_detections=True)

    def by_country(self, queryset, name, value):
        return queryset.filter(country=value.upper()) if value else queryset

    def by_band(self, queryset, name, value):
        if value == "high":
            return queryset.filter(priority__gte=priority.HIGH_BAND)
        if value == "medium":
            return queryset.filter(priority__gte=priority.MEDIUM_BAND, priority__lt=priority.HIGH_BAND)
        return queryset.filter(priority__lt=priority.MEDIUM_BAND)

    def by_sla(self, queryset, name, value):
        now = timezone.now()
        if value == "breached":
            return queryset.filter(Q(sla_breached=True) | Q(due_at__lt=now))
        if value == "due_soon":
            return queryset.filter(due_at__gte=now, due_at__lt=now + timedelta(hours=2))
        return queryset.filter(due_at__gte=now)

    def by_nothing(self, queryset, name, value):
        return queryset

    @property
    def ordering(self):
        sort = self.form.cleaned_data.get("sort") if self.form.is_valid() else None
        return SORTS.get(sort or "priority")
