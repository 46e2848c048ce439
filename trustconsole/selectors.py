"""Named reads of the core."""

from dataclasses import dataclass

from django.db import connection

from trustconsole.models import DECISION_ACTIONS, AuditEvent
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


def decisions_after(after_id, limit):
    """The decisions feed: decision rows after a cursor, in id order.

    Gap-free under concurrent writers because every audit row is appended while its transaction
    holds the chain's advisory lock until commit: ids are taken and made visible in one order,
    so once a reader sees row N, no row below N can still appear.
    """
    return list(AuditEvent.objects.filter(id__gt=after_id, action__in=DECISION_ACTIONS).order_by("id")[:limit])


AUDIT_PAGE_SIZE = 50


def audit_page(queryset, before_id=None, size=AUDIT_PAGE_SIZE):
    """Newest first, keyset-paginated on id: page N costs the same as page 1."""
    if before_id:
        queryset = queryset.filter(id__lt=before_id)
    rows = list(queryset.order_by("-id")[: size + 1])
    return rows[:size], (rows[size - 1].pk if len(rows) > size else None)


def audit_rows_for_export(queryset, chunk=2000):
    """Every matching row, newest first, read in keyset chunks so memory stays flat."""
    before = None
    while True:
        page = queryset.order_by("-id")
        if before is not None:
            page = page.filter(id__lt=before)
        rows = list(page[:chunk])
        if not rows:
            return
        yield from rows
        before = rows[-1].pk
