"""The period a dashboard reports on, and the previous one of the same length for drift."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

PERIOD_CHOICES = [(7, "Last 7 days"), (30, "Last 30 days"), (90, "Last 90 days")]
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @classmethod
    def last_days(cls, days, now=None):
        end = now or timezone.now()
        return cls(start=end - timedelta(days=days), end=end)

    @property
    def days(self):
        return (self.end - self.start).days

    def previous(self):
        return Period(start=self.start - (self.end - self.start), end=self.start)

    def dates(self):
        """Every UTC date the period touches, oldest first (the x axis of per-day charts)."""
        first, last = self.start.date(), (self.end - timedelta(microseconds=1)).date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class PeriodForm(forms.Form):
    days = forms.TypedChoiceField(
        label="Period", choices=PERIOD_CHOICES, coerce=int, required=False, empty_value=DEFAULT_DAYS
    )

    def period(self, now=None):
        return Period.last_days(self.cleaned_data["days"], now)

    @staticmethod
    def default_period(now=None):
        return Period.last_days(DEFAULT_DAYS, now)
