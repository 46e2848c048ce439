from datetime import timedelta

import django_filters
from django.core.cache import cache
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
SEARCH_MATCH = "search_vector @@ websearch_to_tsquery('english', %s)"
SORTS = {"priority": ["-priority", "id"], "age": ["opened_at", "id"], "due": ["due_at", "id"]}


# Queues, policies and detectors change only in Django admin, yet every queue page lists them
# all: they are read into the cache, not three tables per page. Admin and load_catalogue drop
# the copy when they change one; it also expires after a minute.
REFERENCE_CACHE_KEY = "cases:filter-reference"
REFERENCE_CACHE_SECONDS = 60
REFERENCE_MODELS = {"queue": (Queue, "slug"), "policy": (Policy, "code"), "detector": (Detector, "slug")}


def forget_filter_choices():
    cache.delete(REFERENCE_CACHE_KEY)


def _reference():
    """{name: [(key, label, id)]} for the filters that name reference data, in display order."""
    reference = cache.get(REFERENCE_CACHE_KEY)
    if reference is None:
        reference = {
            name: [(getattr(row, key), str(row), row.pk) for row in model.objects.all()]
            for name, (model, key) in REFERENCE_MODELS.items()
        }
        cache.set(REFERENCE_CACHE_KEY, reference, REFERENCE_CACHE_SECONDS)
    return reference


def _fixed(choices):
    """Choices as a function: a filter set copies its filters, and its form its fields, for every
    request, and copying a function is free where copying a list of pairs is not."""
    choices = tuple(choices)
    return lambda: choices


class CaseFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="Search content", method="search")
    queue = django_filters.ChoiceFilter(choices=_fixed(()), method="by_reference", empty_label="All queues")
    policy = django_filters.ChoiceFilter(choices=_fixed(()), method="by_reference", empty_label="All policies")
    area = django_filters.ChoiceFilter(choices=_fixed(Area.choices), empty_label="All areas")
    status = django_filters.ChoiceFilter(
        choices=_fixed(STATUS_CHOICES), method="by_status", empty_label=None, label="Status"
    )
    assignee = django_filters.ChoiceFilter(
        choices=_fixed(ASSIGNEE_CHOICES), method="by_assignee", empty_label=None, label="Assignee"
    )
    detector = django_filters.ChoiceFilter(
        choices=_fixed(()),
        method="by_detector",
        empty_label="Any detector",
        label="Detector",
    )
    source = django_filters.ChoiceFilter(
        choices=_fixed(SOURCE_CHOICES), method="by_source", empty_label="Any source", label="Source"
    )
    country = django_filters.CharFilter(label="Country", method="by_country", max_length=2)
    band = django_filters.ChoiceFilter(
        choices=_fixed(BAND_CHOICES), method="by_band", label="Priority", empty_label="Any priority"
    )
    sla = django_filters.ChoiceFilter(
        choices=_fixed(SLA_CHOICES), method="by_sla", label="SLA", empty_label="Any SLA state"
    )
    sort = django_filters.ChoiceFilter(
        choices=_fixed(SORT_CHOICES), method="by_nothing", empty_label=None, label="Sort by"
    )

    class Meta:
        model = Case
        fields = []

    def __init__(self, data=None, *args, user=None, **kwargs):
        data = data.copy() if data is not None else {}
        for name, default in (("status", "open_any"), ("assignee", "anyone"), ("sort", "priority")):
            if not data.get(name):
                data[name] = default
        super().__init__(data, *args, **kwargs)
        reference = _reference()
        for name, rows in reference.items():
            self.filters[name].extra["choices"] = _fixed((key, label) for key, label, _ in rows)
        self.reference_ids = {name: {key: pk for key, _, pk in rows} for name, rows in reference.items()}
        self.user = user
        self.search_term = ""
        self.unsearched_qs = None

    @property
    def searched(self):
        return bool(self.search_term)

    def filter_queryset(self, queryset):
        # Every other filter first, kept apart: selectors.case_page may walk those cases in the
        # page's order and test the search on each itself.
        self.unsearched_qs = super().filter_queryset(queryset)
        return self.with_search(self.unsearched_qs)

    def search(self, queryset, name, value):
        self.search_term = value.strip()
        return queryset  # applied last, by with_search

    def with_search(self, queryset):
        if not self.search_term:
            return queryset
        if connection.vendor != "postgresql":
            return queryset.filter(search_text__icontains=self.search_term)
        # The generated, GIN-indexed search_vector column (cases migration 0002); which plan
        # reads it is chosen in selectors.case_page.
        return queryset.extra(where=[SEARCH_MATCH], params=[self.search_term])  # noqa: S610 - fixed SQL

    def by_status(self, queryset, name, value):
        return queryset.filter(status__in=OPEN_STATUSES) if value == "open_any" else queryset.filter(status=value)

    def by_assignee(self, queryset, name, value):
        if value == "mine":
            return queryset.filter(assignee=self.user)
        if value == "unassigned":
            return queryset.unclaimed_at(timezone.now())
        return queryset

    def by_reference(self, queryset, name, value):
        return queryset.filter(**{f"{name}_id": self.reference_ids[name][value]})

    def by_detector(self, queryset, name, value):
        detector_id = self.reference_ids["detector"][value]
        return queryset.filter(Exists(Signal.objects.filter(case=OuterRef("pk"), detector_id=detector_id)))

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
