"""Accounts and their standing, contracts, scores, badges. See DESIGN.md "Reputation"."""

from django.db import models  # noqa: F401
