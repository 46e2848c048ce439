"""Named reads of the core."""

from dataclasses import dataclass

from django.db import connection

from trustconsole.models import AuditEvent
from trustconsole.services import GENESIS_HASH


@dataclass(frozen=True)
class ChainBreak:
    event_id: int
    problem: str


def first_audit_chain_break(chunk_size=5000):
    """Walk the chain in id order; return the first row whose hashes do not hold, or None."""
    expected_prev = GENESIS_HASH
    last_id = 0
    while True:
        chunk = list(AuditEvent.objects.filter(id__gt=last_id).order_by("id")[:chunk_size])
        if not chunk:
            return None
        for event in chunk:
            if event.prev_hash != expected_prev:
                return ChainBreak(event.id, "its previous-row hash does not match the row before it")
            if event.compute_hash() != event.hash:
                return ChainBreak(event.id, "its content does not match its stored hash")
            expected_prev = event.hash
            last_id = event.id


def database_is_up():
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        return False


def redis_is_up(url):
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping())
    except redis.RedisError:
        return False
