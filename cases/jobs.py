"""Thin RQ entry points: they take ids (or nothing) and call a service."""

from django.core.cache import cache

from cases.services.bulk import run_bulk
from cases.services.grouping import SCHEDULED_KEY, group_pending_signals
from cases.services.sla import sweep_open_cases
from trustconsole.actors import SystemActor

GROUPER = SystemActor("intake-grouping")


def sweep_open_cases_job():
    return sweep_open_cases(actor=SystemActor("sla-sweeper"))


def run_bulk_job(operation_id):
    return run_bulk(operation_id=operation_id).status


def group_pending_signals_job():
    # Cleared before reading, so a request that commits from here on schedules the next job.
    cache.delete(SCHEDULED_KEY)
    return group_pending_signals(actor=GROUPER)
