import threading
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.selectors import first_audit_chain_break
from trustconsole.services import GENESIS_HASH, record, record_many

ROBOT = SystemActor("test-robot")


def test_record_writes_every_field_and_chains_to_the_previous_row(db, analyst):
    first = record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED, target=analyst, reason="first")
    second = record(
        actor=analyst,
        action=AuditAction.ADMIN_CHANGED,
        target_type="cases.case",
        target_id=42,
        subject_account="fl-100",
        case_id=42,
        reason="why",
        changes={"status": ["open", "in_review"]},
        context={"ip": "10.0.0.1"},
    )
    second.refresh_from_db()
    assert (second.actor_kind, second.actor_id, second.actor_name) == ("user", str(analyst.pk), "ana")
    assert (second.target_type, second.target_id, second.subject_account, second.case_id) == (
        "cases.case",
        "42",
        "fl-100",
        42,
    )
    assert second.changes == {"status": ["open", "in_review"]}
    assert second.prev_hash == first.hash
    assert second.hash == second.compute_hash()
    assert first.actor_name == "system:test-robot" and first.target_type == "auth.user"


def test_record_many_returns_ids_in_order_and_chains_rows_whose_hashes_verify_from_the_database(db, analyst):
    # Values that JSON changes on the way in (a decimal, a time, an int key) must hash as stored.
    when = datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    head = record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED)
    ids = record_many(
        [
            {"actor": ROBOT, "action": AuditAction.CASE_OPENED, "target_type": "cases.case", "target_id": 7},
            {
                "actor": analyst,
                "action": AuditAction.CASE_SIGNALS_ADDED,
                "target": analyst,
                "case_id": 7,
                "changes": {"amount": [Decimal("1.50"), Decimal("2.25")], "weeks": {3: ["a", "b"]}},
                "context": {"at": when},
                "occurred_at": when,
            },
        ]
    )
    first, second = (AuditEvent.objects.get(pk=pk) for pk in ids)
    assert ids[0] > head.pk and ids[1] > ids[0]
    assert (first.action, first.target_type, first.target_id) == (AuditAction.CASE_OPENED, "cases.case", "7")
    assert (second.actor_name, second.target_type, second.case_id) == ("ana", "auth.user", 7)
    assert second.changes == {"amount": ["1.50", "2.25"], "weeks": {"3": ["a", "b"]}}
    assert second.context == {"at": "2026-05-01T12:30:15.123Z"}
    assert second.occurred_at == when
    assert (first.prev_hash, second.prev_hash) == (head.hash, first.hash)
    assert first.hash == first.compute_hash() and second.hash == second.compute_hash()
    assert first_audit_chain_break() is None


def test_record_many_with_nothing_to_record_writes_nothing(db):
    before = AuditEvent.objects.count()
    assert record_many([]) == []
    assert AuditEvent.objects.count() == before


def test_the_first_row_of_an_empty_log_chains_to_the_genesis_hash(transactional_db):
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE trustconsole_auditevent")
    event = record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED)
    assert event.prev_hash == GENESIS_HASH


def test_an_action_outside_the_vocabulary_is_refused_and_nothing_is_written(db):
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError, match="vocabulary"):
        record(actor=ROBOT, action="case.invented")
    assert AuditEvent.objects.count() == before


def test_an_object_that_is_not_an_actor_cannot_act(db):
    with pytest.raises(TypeError):
        record(actor="someone", action=AuditAction.ADMIN_CHANGED)


def test_python_refuses_to_update_or_delete_audit_rows(db):
    event = record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED)
    event.reason = "rewritten"
    with pytest.raises(AuditEvent.AppendOnly):
        event.save()
    with pytest.raises(AuditEvent.AppendOnly):
        event.delete()
    with pytest.raises(AuditEvent.AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).update(reason="rewritten")
    with pytest.raises(AuditEvent.AppendOnly):
        AuditEvent.objects.filter(pk=event.pk).delete()
    event.refresh_from_db()
    assert event.reason == ""


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE trustconsole_auditevent SET reason = 'rewritten' WHERE id = %s",
        "DELETE FROM trustconsole_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_update_and_delete_of_audit_rows(db, statement):
    event = record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).reason == ""


def _tamper(event_id, reason):
    # Only a superuser with the trigger disabled can do this; verify_audit must still notice.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trustconsole_auditevent DISABLE TRIGGER trustconsole_auditevent_append_only")
        cursor.execute("UPDATE trustconsole_auditevent SET reason = %s WHERE id = %s", [reason, event_id])
        cursor.execute("ALTER TABLE trustconsole_auditevent ENABLE TRIGGER trustconsole_auditevent_append_only")


def test_verify_audit_passes_a_valid_chain(db, capsys):
    for n in range(5):
        record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED, reason=f"r{n}")
    call_command("verify_audit")
    assert "Audit chain valid" in capsys.readouterr().out


def test_verify_audit_names_the_first_row_altered_behind_the_triggers_back(db):
    events = [record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED, reason=f"r{n}") for n in range(5)]
    _tamper(events[2].pk, "quietly rewritten")
    _tamper(events[3].pk, "also rewritten")
    with pytest.raises(CommandError, match=f"#{events[2].pk}: its content does not match"):
        call_command("verify_audit")


def test_verify_audit_names_the_row_after_a_removed_one(db):
    events = [record(actor=ROBOT, action=AuditAction.ADMIN_CHANGED, reason=f"r{n}") for n in range(4)]
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE trustconsole_auditevent DISABLE TRIGGER trustconsole_auditevent_append_only")
        cursor.execute("DELETE FROM trustconsole_auditevent WHERE id = %s", [events[1].pk])
        cursor.execute("ALTER TABLE trustconsole_auditevent ENABLE TRIGGER trustconsole_auditevent_append_only")
    broken = first_audit_chain_break()
    assert broken.event_id == events[2].pk
    assert "previous-row hash" in broken.problem


def test_eight_threads_recording_at_once_leave_a_valid_chain(transactional_db):
    per_thread, threads = 25, 8
    start = threading.Barrier(threads)
    errors = []

    def append(n):
        try:
            start.wait()
            for i in range(per_thread):
                # Each in its own transaction, as services do.
                with transaction.atomic():
                    record(actor=SystemActor(f"thread-{n}"), action=AuditAction.ADMIN_CHANGED, reason=str(i))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=append, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    rows = AuditEvent.objects.filter(actor_name__startswith="system:thread-")
    assert rows.count() == per_thread * threads
    assert first_audit_chain_break() is None
    prev_hashes = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prev_hashes) == len(set(prev_hashes)), "two rows claim the same predecessor: the chain forked"
