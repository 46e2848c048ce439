from django.db import connections

from trustconsole.replica import replica_alias


def rate(part, whole):
    """part / whole, or None when there is nothing to divide (shown as a dash, never as 0 %)."""
    return part / whole if whole else None


def on_postgresql():
    return connections[replica_alias()].vendor == "postgresql"
