"""QA sampling and the blind second review.

A decided case is sampled when a keyed hash of its id falls under the configured share: the
choice is reproducible (a rerun samples the same cases) but no analyst can tell in advance which
of their decisions will be reviewed again, and it is independent of policy, queue and analyst.
"""

import hashlib
import hmac
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from cases.models import QaReview, QaSampling, QaVerdict
from cases.services.work import audit_case
from trustconsole.db import first_unlocked
from trustconsole.models import AuditAction

WORK_PERMISSION = "trustconsole.work_cases"
# The hash is read as a number in [0, BUCKETS); a share of p % takes the first p * 100 buckets.
BUCKETS = 10_000


def sample_bucket(case_id):
    key = hashlib.sha256(f"qa-sampling:{settings.SECRET_KEY}".encode()).digest()
    digest = hmac.new(key, str(case_id).encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def is_sampled(case_id, share_percent):
    return sample_bucket(case_id) < Decimal(share_percent) * BUCKETS / 100


def sample_decided_case(actor, case, verdict, now):
    """Called in the transaction that closes a case on someone's decision. Each case is reviewed
    at most once, however often it is reopened and decided again."""
    if case.decided_by_id is None or QaReview.objects.filter(case=case).exists():
        return None
    if not is_sampled(case.pk, QaSampling.current().share_percent):
        return None
    review = QaReview.objects.create(
        case=case,
        policy_id=case.policy_id,
        first_reviewer_id=case.decided_by_id,
        first_verdict=verdict,
        sampled_at=now,
    )
    audit_case(actor, AuditAction.QA_SAMPLED, case, {"qa_review": [None, review.pk]})
    return review


def _next_unassigned(actor):
    candidates = QaReview.objects.filter(reviewer__isnull=True).exclude(first_reviewer=actor)
    # Two analysts pressing "next review" at once each get a different review.
    return first_unlocked(candidates.order_by("sampled_at", "id"))


def take_next_review(*, actor, now=None):
    """The actor's review in progress, or the oldest unassigned one they did not decide first;
    None when there is nothing for them."""
    now = now or timezone.now()
    if not actor.has_perm(WORK_PERMISSION):
        raise PermissionDenied("Only people who work cases review them.")
    with transaction.atomic():
        mine = QaReview.objects.filter(reviewer=actor, completed_at__isnull=True).order_by("assigned_at", "id").first()
        if mine is not None:
            return mine
        review = _next_unassigned(actor)
        if review is None:
            return None
        # The compare-and-set guards SQLite, which has no SKIP LOCKED.
        won = QaReview.objects.filter(pk=review.pk, reviewer__isnull=True).update(reviewer=actor, assigned_at=now)
        if not won:
            return None
        review.refresh_from_db()
        audit_case(actor, AuditAction.QA_ASSIGNED, review.case, {"qa_reviewer": [None, actor.get_username()]})
        return review


def complete_review(*, actor, review_id, verdict, note="", now=None):
    """Record the second decision; the comparison with the first is made here, not shown to the
    reviewer."""
    now = now or timezone.now()
    note = (note or "").strip()
    if not actor.has_perm(WORK_PERMISSION):
        raise PermissionDenied("Only people who work cases review them.")
    if verdict not in QaVerdict.values:
        raise ValidationError(f"Choose a verdict: {', '.join(QaVerdict.labels)}.")
    if len(note) > 4000:
        raise ValidationError("Keep the note under 4,000 characters.")
    with transaction.atomic():
        review = QaReview.objects.select_for_update(of=("self",)).select_related("case__account").get(pk=review_id)
        if review.first_reviewer_id == actor.pk:
            raise PermissionDenied("A QA review is a second look: it cannot be done by whoever decided the case.")
        if review.reviewer_id != actor.pk:
            raise PermissionDenied("This QA review is assigned to someone else; take your own with “Next review”.")
        if review.done:
            raise ValidationError("This QA review is already recorded; nothing was changed.")
        review.verdict, review.note, review.completed_at = verdict, note, now
        first_violation = review.first_verdict != QaVerdict.NO_VIOLATION
        review.outcome_agrees = first_violation == (verdict != QaVerdict.NO_VIOLATION)
        review.action_agrees = review.first_verdict == verdict
        review.save(update_fields=["verdict", "note", "completed_at", "outcome_agrees", "action_agrees"])
        audit_case(
            actor,
            AuditAction.QA_REVIEWED,
            review.case,
            {"qa_verdict": [None, verdict]},
            reason=note,
            context={
                "qa_review": review.pk,
                "first_verdict": review.first_verdict,
                "outcome_agrees": review.outcome_agrees,
                "action_agrees": review.action_agrees,
            },
        )
    return review
