"""Thin RQ entry points: they take ids (or nothing) and call a service."""

from reputation.standing import lift_expired_restrictions
from trustconsole.actors import SystemActor


def lift_expired_restrictions_job():
    return lift_expired_restrictions(actor=SystemActor("restriction-expiry"))


def recompute_scores_job():
    """Nightly: finish an interrupted run first, otherwise start a new one."""
    from reputation.scores import recompute_scores, unfinished_run

    return recompute_scores(actor=SystemActor("score-recompute"), run=unfinished_run()).pk
