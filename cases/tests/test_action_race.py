"""Two analysts act on one case at once, on PostgreSQL: one wins, the other is told why, and
nothing is applied twice."""

import threading
import time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction

from cases.models import ActionStatus, Case, CaseStatus, EnforcementAction
from cases.services.enforcement import ActionRequest, approve_action, take_action
from conftest import make_staff
from reputation.models import Restriction
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.services import AUDIT_CHAIN_LOCK


@pytest.mark.django_db(transaction=True)
def test_two_threads_applying_different_actions_to_one_case(make_case, lead):
    case = make_case(subject="cl-1", policy="CIR-PAY")
    version = case.version
    second_lead = make_staff("lee2", ["lead"])
    requests = {
        lead: ActionRequest("restrict", facts="paid outside", capabilities=["withdrawals"], deviation_reason="r"),
        second_lead: ActionRequest("suspend", facts="paid outside", duration_days=7, deviation_reason="r"),
    }
    barrier = threading.Barrier(2)
    outcomes = {}

    def apply(actor):
        barrier.wait()
        try:
            take_action(actor=actor, case_id=case.pk, expected_version=version, request=requests[actor])
            outcomes[actor.username] = "applied"
        except (ValidationError, PermissionDenied) as error:
            outcomes[actor.username] = " ".join(getattr(error, "messages", [str(error)]))
        finally:
            connection.close()

    threads = [threading.Thread(target=apply, args=(actor,)) for actor in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert list(outcomes.values()).count("applied") == 1
    loser = next(message for message in outcomes.values() if message != "applied")
    assert "changed since you opened it" in loser
    assert EnforcementAction.objects.filter(case=case, status=ActionStatus.APPLIED).count() == 1
    assert Restriction.objects.filter(account=case.account_id).count() == 1
    assert AuditEvent.objects.filter(action=AuditAction.ACTION_APPLIED, case_id=case.pk).count() == 1
    assert Case.objects.get(pk=case.pk).version == version + 1


def _wait_until_blocked_on_a_row_lock(pid_box, seconds=10):
    """True once the backend in pid_box waits for a lock held by another transaction."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if pid_box:
            with connection.cursor() as cursor:
                cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid_box[0]])
                row = cursor.fetchone()
            if row and row[0] == "Lock":
                return True
        time.sleep(0.05)
    return False


def _chain_is_free():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
def test_a_ban_waiting_for_a_case_the_grouper_holds_does_not_hold_the_audit_chain(make_case, lead):
    """The grouper holds open cases and takes the audit chain's lock last. A ban settles the
    account's other open cases, so it must wait for them before its first audit row: otherwise
    each would wait for what the other holds, and PostgreSQL would cancel one."""
    settled = make_case(subject="fl-ring", policy="PAY-FRAUD")
    banned = make_case(subject="fl-ring", policy="SCAM-JOB")
    assert settled.pk < banned.pk
    request = ActionRequest("ban", facts="stolen cards", deviation_reason="fraud ring")
    proposed = take_action(actor=lead, case_id=banned.pk, expected_version=banned.version, request=request)
    assert proposed.status == ActionStatus.PENDING_APPROVAL
    second_lead = make_staff("lee2", ["lead"])
    grouper_holds, grouper_may_go = threading.Event(), threading.Event()
    ban_pid, outcome = [], {}

    def grouper():
        try:
            with transaction.atomic():
                list(Case.objects.select_for_update().filter(pk=settled.pk))
                grouper_holds.set()
                grouper_may_go.wait(20)
        finally:
            connection.close()

    def ban():
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                ban_pid.append(cursor.fetchone()[0])
            outcome["action"] = approve_action(actor=second_lead, action_id=proposed.pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=grouper), threading.Thread(target=ban)]
    threads[0].start()
    assert grouper_holds.wait(10)
    threads[1].start()
    try:
        assert _wait_until_blocked_on_a_row_lock(ban_pid)
        assert _chain_is_free()
    finally:
        grouper_may_go.set()
        for thread in threads:
            thread.join(30)
    assert outcome["action"].status == ActionStatus.APPLIED
    assert Case.objects.get(pk=settled.pk).status == CaseStatus.ACTIONED
    assert AuditEvent.objects.filter(action=AuditAction.CASE_SETTLED, case_id=settled.pk).count() == 1
