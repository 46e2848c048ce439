"""Thin RQ entry points: they take ids (or nothing) and call a service."""

from reputation.standing import lift_expired_restrictions
from trustconsole.actors import SystemActor


def lift_expired_restrictions_job():
    return lift_expired_restrictions(actor=SystemActor("restriction-expiry"))
