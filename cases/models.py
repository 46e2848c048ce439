"""Policies, detectors, signals, cases and enforcement. See DESIGN.md "Cases"."""

from django.db import models  # noqa: F401
