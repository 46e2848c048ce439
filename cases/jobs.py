"""Thin RQ entry points: they take ids (or nothing) and call a service."""

from cases.services.sla import sweep_open_cases
from trustconsole.actors import SystemActor


def sweep_open_cases_job():
    return sweep_open_cases(actor=SystemActor("sla-sweeper"))
