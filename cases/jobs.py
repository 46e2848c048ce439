"""Thin RQ entry points: they take ids (or nothing) and call a service."""

from cases.services.bulk import run_bulk
from cases.services.grouping import group_scheduled_signals
from cases.services.sla import sweep_open_cases
from trustconsole.actors import SystemActor

GROUPER = SystemActor("intake-grouping")


def sweep_open_cases_job():
    return sweep_open_cases(actor=SystemActor("sla-sweeper"))


def run_bulk_job(operation_id):
    return run_bulk(operation_id=operation_id).status


def group_scheduled_signals_job():
    return group_scheduled_signals(actor=GROUPER)
