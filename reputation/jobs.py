"""Thin RQ entry points: they take ids (or nothing) and call a service."""

from reputation.standing import lift_expired_restrictions
from trustconsole.actors import SystemActor


def lift_expired_restrictions_job():
    return lift_expired_restrictions(actor=SystemActor("restriction-expiry"))


def recompute_scores_job():
    """Nightly: finish an interrupted run first, otherwise start a new one."""
    from reputation.scores import recompute_scores, unfinished_run

    return recompute_scores(actor=SystemActor("score-recompute"), run=unfinished_run()).pk


def evaluate_badges_job():
    """Weekly, after the night's recompute: finish an interrupted evaluation, else start one."""
    from reputation.evaluation import evaluate_badges, unfinished_evaluation

    return evaluate_badges(actor=SystemActor("badge-evaluation"), run=unfinished_evaluation()).pk


def expire_overrides_job():
    from reputation.overrides import expire_overrides

    return expire_overrides(actor=SystemActor("override-expiry"))


def simulate_job(simulation_id):
    from reputation.drafts import simulate

    return simulate(int(simulation_id)).pk
