"""Reads that may go to a read replica: the leads' dashboards and exports.

A selector opts in with @on_replica; inside it, Django's router sends every read to the alias
named by settings.REPLICA_READS_DATABASE (the `replica` alias when DATABASE_REPLICA_URL is set,
otherwise the primary). Writes and everything outside those selectors stay on the primary, so a
lagging replica can make a chart a few seconds old but never a decision.
"""

import functools
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings

_reading_replica = ContextVar("reading_replica", default=False)


def replica_alias():
    alias = getattr(settings, "REPLICA_READS_DATABASE", "default")
    return alias if alias in settings.DATABASES else "default"


@contextmanager
def reading_from_replica():
    token = _reading_replica.set(True)
    try:
        yield replica_alias()
    finally:
        _reading_replica.reset(token)


def on_replica(selector):
    """Run the selector's reads on the replica. It must return evaluated results (lists, dicts),
    since a lazy queryset would run after the context has ended, on the primary."""

    @functools.wraps(selector)
    def run(*args, **kwargs):
        with reading_from_replica():
            return selector(*args, **kwargs)

    return run


class ReplicaRouter:
    def db_for_read(self, model, **hints):
        return replica_alias() if _reading_replica.get() else None

    def db_for_write(self, model, **hints):
        return None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the same rows as the primary, so objects read from either relate.
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica follows the primary by replication; it is never migrated itself.
        return db == "default"
