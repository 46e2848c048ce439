"""The notices outbox. A notice is stored in the transaction of the decision it reports, then a
job on the `notify` queue sends it through Django's mail backend. A failed attempt is recorded
and retried later with a doubling delay; after the last attempt the notice is marked failed and
stays in the outbox for someone to see. Nothing is lost either way."""

from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from trustconsole.actors import SystemActor
from trustconsole.jobs import enqueue
from trustconsole.models import AuditAction, Notice, NoticeStatus
from trustconsole.services import record

POSTMAN = SystemActor("notices")


def _audit(action, notice, changes=None, reason="", actor=POSTMAN):
    record(
        actor=actor,
        action=action,
        target=notice,
        subject_account=notice.subject_account,
        case_id=notice.case_id,
        reason=reason,
        changes=changes or {},
        context={"kind": notice.kind, "action_id": notice.action_id, "attempts": notice.attempts},
    )


def queue_notice(*, actor, kind, subject_account, to_email, subject, body, case_id=None, action_id=None, now=None):
    """Store a notice and send it once the surrounding transaction commits."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.create(
            kind=kind,
            subject_account=subject_account,
            to_email=to_email,
            subject=subject,
            body=body,
            case_id=case_id,
            action_id=action_id,
            created_at=now,
            next_attempt_at=now,
        )
        _audit(AuditAction.NOTICE_QUEUED, notice, {"status": [None, notice.status]}, actor=actor)
        enqueue("notify", deliver_notice_job, notice.pk)
    return notice


def retry_delay(attempts):
    return timedelta(seconds=settings.NOTICE_RETRY_SECONDS * 2 ** (attempts - 1))


def deliver_notice(*, notice_id, now=None):
    """One delivery attempt. Idempotent: a notice already sent or given up on is left alone, and
    the row lock keeps two workers from sending one notice twice."""
    now = now or timezone.now()
    with transaction.atomic():
        notice = Notice.objects.select_for_update().get(pk=notice_id)
        if notice.status != NoticeStatus.PENDING:
            return notice
        notice.attempts += 1
        try:
            if not notice.to_email:
                raise ValueError("the account has no e-mail address on file")
            EmailMessage(notice.subject, notice.body, to=[notice.to_email]).send()
        # Any failure of the mail server is recorded, then retried.
        except Exception as error:
            notice.last_error = f"{type(error).__name__}: {error}"[:2000]
            if notice.attempts >= settings.NOTICE_MAX_ATTEMPTS or not notice.to_email:
                notice.status = NoticeStatus.FAILED
                action = AuditAction.NOTICE_FAILED
            else:
                notice.next_attempt_at = now + retry_delay(notice.attempts)
                action = AuditAction.NOTICE_ATTEMPT_FAILED
            notice.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
            _audit(action, notice, {"status": [NoticeStatus.PENDING, notice.status]}, reason=notice.last_error)
            return notice
        notice.status, notice.sent_at, notice.last_error = NoticeStatus.SENT, now, ""
        notice.save(update_fields=["attempts", "status", "sent_at", "last_error"])
        _audit(AuditAction.NOTICE_SENT, notice, {"status": [NoticeStatus.PENDING, notice.status]})
    return notice


def deliver_notice_job(notice_id):
    return deliver_notice(notice_id=notice_id).status


def send_due_notices(*, now=None):
    """The retry sweep: hand every pending notice whose next attempt is due to the job queue."""
    now = now or timezone.now()
    due = list(
        Notice.objects.filter(status=NoticeStatus.PENDING, next_attempt_at__lte=now).values_list("pk", flat=True)[:1000]
    )
    for pk in due:
        enqueue("notify", deliver_notice_job, pk)
    return len(due)


def send_due_notices_job():
    return send_due_notices()
