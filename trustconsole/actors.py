"""Who did it: a staff user, a named system process, an API client, or nobody signed in."""

from dataclasses import dataclass

from trustconsole.models import ActorKind


@dataclass(frozen=True)
class SystemActor:
    """A job or command acting on its own, e.g. ``SystemActor("sla-sweeper")``."""

    name: str

    def audit_identity(self):
        return ActorKind.SYSTEM, "", f"system:{self.name}"


@dataclass(frozen=True)
class AnonymousActor:
    """Someone not signed in, named by what they typed (a failed sign-in)."""

    claimed_username: str

    def audit_identity(self):
        return ActorKind.ANONYMOUS, "", self.claimed_username[:150] or "(blank)"


def audit_identity(actor):
    """(kind, id, name) for an actor; users are Django's, so they are handled here."""
    if hasattr(actor, "audit_identity"):
        return actor.audit_identity()
    if getattr(actor, "is_authenticated", False):
        return ActorKind.USER, str(actor.pk), actor.get_username()
    raise TypeError(f"{actor!r} cannot act: pass a user, a SystemActor or an API client")
