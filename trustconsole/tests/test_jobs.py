"""The job dispatcher, on real Redis: nothing is enqueued before commit, nothing lost after."""

import django_rq
import pytest
from django.db import transaction

from conftest import run_queued_jobs
from trustconsole.jobs import enqueue

RAN = []


def remember(value):
    RAN.append(value)


@pytest.fixture(autouse=True)
def empty_queue():
    RAN.clear()
    queue = django_rq.get_queue("default")
    queue.empty()
    yield queue
    queue.empty()


def test_a_job_reaches_redis_only_when_its_transaction_commits(transactional_db, empty_queue):
    with transaction.atomic():
        enqueue("default", remember, "committed", job_id="job-committed")
        assert empty_queue.count == 0
    assert empty_queue.job_ids == ["job-committed"]
    run_queued_jobs("default")
    assert RAN == ["committed"]


def test_a_rolled_back_transaction_enqueues_nothing(transactional_db, empty_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("default", remember, "rolled back")
        raise RuntimeError("the change failed")
    assert empty_queue.count == 0


def test_without_redis_the_job_runs_inline_after_commit(transactional_db, settings):
    settings.REDIS_URL = ""
    with transaction.atomic():
        enqueue("notify", remember, "inline")
        assert RAN == []
    assert RAN == ["inline"]


def test_an_unknown_queue_is_refused(db):
    with pytest.raises(ValueError, match="Unknown job queue"):
        enqueue("fast-lane", remember, "x")
