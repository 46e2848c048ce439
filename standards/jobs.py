"""Thin RQ entry points for client standards."""

from trustconsole.actors import SystemActor


def assess_clients_job():
    """Daily, after the night's score recompute: today's assessment, resumed if interrupted."""
    from standards.assessment import assess_clients

    return assess_clients(actor=SystemActor("client-standards")).pk
