"""The notices outbox: stored first, sent by a job, retried with backoff, never lost."""

import socket
from datetime import timedelta

import django_rq
import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from conftest import run_queued_jobs
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent, Notice, NoticeStatus
from trustconsole.notices import deliver_notice, queue_notice, retry_delay, send_due_notices

ROBOT = SystemActor("test")


def a_notice(to_email="member@example.com"):
    return queue_notice(
        actor=ROBOT,
        kind="statement_of_reasons",
        subject_account="fl-1",
        to_email=to_email,
        subject="Your account is suspended",
        body="Decision: suspend",
        case_id=7,
    )


@pytest.fixture
def dead_mail_server(settings):
    """A real SMTP backend pointed at a port where nothing listens."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 2},
        }
    }


def test_a_notice_is_stored_pending_and_audited_before_anything_is_sent(db):
    notice = a_notice()
    assert (notice.status, notice.attempts, len(mail.outbox)) == (NoticeStatus.PENDING, 0, 0)
    event = AuditEvent.objects.get(action=AuditAction.NOTICE_QUEUED)
    assert (event.target_id, event.subject_account, event.case_id) == (str(notice.pk), "fl-1", 7)


def test_delivery_sends_through_the_mail_backend_once(db):
    notice = a_notice()
    deliver_notice(notice_id=notice.pk)
    deliver_notice(notice_id=notice.pk)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.SENT, 1)
    assert [(m.subject, m.to) for m in mail.outbox] == [("Your account is suspended", ["member@example.com"])]
    assert AuditEvent.objects.filter(action=AuditAction.NOTICE_SENT).count() == 1


def test_a_failing_mail_server_is_retried_with_backoff_then_marked_failed_and_kept(db, settings, dead_mail_server):
    settings.NOTICE_MAX_ATTEMPTS = 3
    notice = a_notice()
    now = timezone.now()
    deliver_notice(notice_id=notice.pk, now=now)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.PENDING, 1)
    assert notice.next_attempt_at == now + retry_delay(1) and "ConnectionRefusedError" in notice.last_error
    assert send_due_notices(now=now) == 0
    assert send_due_notices(now=now + timedelta(minutes=2)) == 1
    deliver_notice(notice_id=notice.pk, now=now)
    notice.refresh_from_db()
    assert notice.next_attempt_at == now + retry_delay(2) > now + retry_delay(1)
    deliver_notice(notice_id=notice.pk, now=now)
    notice.refresh_from_db()
    assert (notice.status, notice.attempts) == (NoticeStatus.FAILED, 3)
    assert Notice.objects.filter(pk=notice.pk).exists() and notice.body == "Decision: suspend"
    events = AuditEvent.objects.filter(target_type="trustconsole.notice", target_id=str(notice.pk))
    actions = list(events.values_list("action", flat=True))
    assert actions == ["notice.queued", "notice.attempt_failed", "notice.attempt_failed", "notice.failed"]


def test_a_notice_to_an_account_without_email_fails_at_once_and_says_why(db):
    notice = a_notice(to_email="")
    deliver_notice(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.FAILED and "no e-mail" in notice.last_error


def test_the_notify_job_runs_after_commit_on_the_notify_queue(transactional_db):
    queue = django_rq.get_queue("notify")
    queue.empty()
    with transaction.atomic():
        notice = a_notice()
        assert queue.count == 0
    assert queue.count == 1
    run_queued_jobs("notify")
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.SENT and len(mail.outbox) == 1
