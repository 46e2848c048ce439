"""Sixteen analysts pressing "next case" at once on PostgreSQL: no case is ever held twice."""

import threading
from datetime import UTC, datetime, timedelta

from django.contrib.auth.models import Group
from django.db import connections

from cases.models import ApiClient, Case, CaseStatus, Detector, Queue
from cases.services.api_clients import create_api_client
from cases.services.catalogue import load_default_catalogue
from cases.services.intake import IntakeItem, ingest
from cases.services.work import claim_next_case
from conftest import make_staff
from reputation.services import AccountSpec
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent

ROBOT = SystemActor("test-setup")


def test_sixteen_threads_claiming_from_one_queue_each_get_different_cases(transactional_db):
    load_default_catalogue(actor=ROBOT)
    create_api_client(actor=ROBOT, name="d", scopes=["signals"], detector=Detector.objects.get(slug="scam-job"))
    client = ApiClient.objects.get(name="d")
    observed = datetime.now(UTC) - timedelta(minutes=1)
    items = [
        IntakeItem(
            client_item_id=f"s-{n}",
            source="detector",
            subject=AccountSpec(f"cl-{n}", "client"),
            observed_at=observed,
            score=n / 100,
        )
        for n in range(40)
    ]
    ingest(client=client, items=items)
    Group.objects.get_or_create(name="analyst")
    analysts = [make_staff(f"analyst-{n}", ["analyst"]) for n in range(16)]
    queue = Queue.objects.get(slug="scams")
    start, claimed, failures = threading.Barrier(16), [], []
    lock = threading.Lock()

    def keep_claiming(analyst):
        try:
            start.wait()
            while True:
                case = claim_next_case(actor=analyst, queue=queue)
                if case is None:
                    return
                with lock:
                    claimed.append((case.pk, analyst.pk))
        except Exception as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=keep_claiming, args=(analyst,)) for analyst in analysts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    case_ids = [case_id for case_id, _ in claimed]
    assert len(case_ids) == len(set(case_ids)) == 40, "a case was handed out twice, or one was never claimed"
    holders = dict(claimed)
    for case in Case.objects.all():
        assert case.status == CaseStatus.IN_REVIEW and case.assignee_id == holders[case.pk]
    assert AuditEvent.objects.filter(action=AuditAction.CASE_CLAIMED).count() == 40
    assert len({analyst for _, analyst in claimed}) > 1, "the claims were not actually concurrent"
