"""Two analysts act on one case at once, on PostgreSQL: one wins, the other is told why, and
nothing is applied twice."""

import threading

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from cases.models import ActionStatus, Case, EnforcementAction
from cases.services.enforcement import ActionRequest, take_action
from conftest import make_staff
from reputation.models import Restriction
from trustconsole.models import AuditAction, AuditEvent


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
