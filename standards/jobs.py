"""Thin RQ entry points for client standards."""

from trustconsole.actors import SystemActor


def assess_clients_job():
    """Daily, after the night's score recompute: today's assessment, resumed if interrupted."""
    from standards.assessment import assess_clients

    return assess_clients(actor=SystemActor("client-standards")).pk


def recompute_freelancers_job(account_ids):
    """After a client's feedback stops counting: the scores it moved, so each freelancer's
    "why did it change" shows the exclusion."""
    from reputation.scores import recompute_scores

    return recompute_scores(actor=SystemActor("client-standards"), account_ids=list(account_ids)).pk
