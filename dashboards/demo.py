"""Demo history for the dashboards: a month of decided cases by two analysts, through the real
services with backdated clocks — claims, actions (now and then against the ladder), dismissals,
four-eyes approvals, appeals and their decisions, and blind QA reviews of the sampled ones.
Detectors differ in precision, and one of them drifts in the last week."""

import random
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from cases import selectors
from cases.demo import CLIENT_POLICIES, account_pools, detector_clients, group_items
from cases.models import ActionKind, ActionStatus, Case, CaseStatus, Policy, QaReview, QaVerdict
from cases.services import appeals, enforcement, qa, work
from cases.services.enforcement import ActionRequest
from cases.services.intake import ingest
from reputation.models import Capability

HISTORY_CASES = 420
DAYS = 30
FACTS = "Our review of the messages and posts in this case found the behaviour the policy describes."
# How often a case from each detector's policy really is a violation; the rest are dismissed.
DRIFTING = "CIR-CONTACT"


def _violation_rate(policy, days_ago):
    base = 0.45 + 0.5 * random.Random(policy.code).random()  # fixed per policy
    # The contact-info detector started flagging harmless messages a week ago.
    return base - 0.4 if policy.code == DRIFTING and days_ago < 7 else base


def _request(case, kind, rng):
    request = ActionRequest(kind=kind, facts=FACTS)
    if kind == ActionKind.REMOVE_CONTENT:
        request.content_item_ids = list(selectors.case_content_items(case).values_list("pk", flat=True))[:1]
    elif kind == ActionKind.RESTRICT:
        request.capabilities = [Capability.values[0]]
        request.duration_days = 30
    elif kind == ActionKind.SUSPEND:
        request.duration_days = rng.choice([7, 14, 30])
    elif kind == ActionKind.REQUIRE_VERIFICATION:
        request.verification_days = 14
    return request


def _decide(rng, case, worker, lead, decided_at, violation):
    if not violation:
        enforcement.dismiss_case(
            actor=worker, case_id=case.pk, expected_version=case.version, reason="Ordinary message.", now=decided_at
        )
        return None
    _, recommended = enforcement.recommendation(case, decided_at)
    kind = recommended
    request = _request(case, kind, rng)
    if kind != ActionKind.WARN and rng.random() < 0.12:
        request = _request(case, ActionKind.WARN, rng)
        request.deviation_reason = "First contact with a long-standing account; a warning is enough."
    if kind == ActionKind.REMOVE_CONTENT and not request.content_item_ids:
        request = ActionRequest(kind=ActionKind.WARN, facts=FACTS, deviation_reason="Nothing left to remove.")
    action = enforcement.take_action(
        actor=worker, case_id=case.pk, expected_version=case.version, request=request, now=decided_at
    )
    if action.status == ActionStatus.PENDING_APPROVAL:
        enforcement.approve_action(actor=lead, action_id=action.pk, now=decided_at + timedelta(hours=1))
        action.refresh_from_db()
    return action


def _appeal(rng, action, lead, now):
    filed = action.applied_at + timedelta(days=rng.uniform(0.5, 3))
    decided = filed + timedelta(days=rng.uniform(0.5, 4))
    if decided >= now or action.approved_by_id == lead.pk:
        return
    appeal, _ = appeals.file_appeal(
        actor=lead,
        action_id=action.pk,
        statement="The member wrote in: it was a misunderstanding with the client.",
        filed_via="demo",
        now=filed,
    )
    outcome = "overturn" if rng.random() < 0.35 else "uphold"
    appeals.decide_appeal(
        actor=lead, appeal_id=appeal.pk, outcome=outcome, note="Reviewed the thread again.", now=decided
    )


def _qa_reviews(rng, workers, now):
    for review in QaReview.objects.filter(reviewer__isnull=True).select_related("first_reviewer"):
        other = next(worker for worker in workers if worker.pk != review.first_reviewer_id)
        taken = qa.take_next_review(actor=other, now=now - timedelta(hours=rng.uniform(1, 48)))
        if taken is None:
            continue
        agree = rng.random() < 0.85
        verdict = taken.first_verdict
        if not agree:
            verdict = QaVerdict.NO_VIOLATION if verdict != QaVerdict.NO_VIOLATION else QaVerdict.WARN
        qa.complete_review(actor=other, review_id=taken.pk, verdict=verdict, note="", now=now)


def load(*, actor, stdout):
    User = get_user_model()
    workers = list(User.objects.filter(username__in=["analyst", "analyst2"]).order_by("username"))
    lead = User.objects.filter(username="lead").first()
    if len(workers) < 2 or lead is None:
        return
    if Case.objects.filter(decided_by__in=workers).count() > 50:
        stdout.write("Dashboard history: already loaded.")
        return
    rng = random.Random(17)
    now = datetime.now(UTC).replace(microsecond=0)
    clients, _ = detector_clients(actor)
    accounts, freelancers, clients_pool = account_pools()
    policies = [p for p in Policy.objects.exclude(code="CLIENT-STD") if p.code in clients]
    # The drifting detector is a busy one, so its week-on-week drift rests on enough cases.
    policies += [p for p in policies if p.code == DRIFTING] * 6
    decided = 0
    for n in range(HISTORY_CASES):
        policy = rng.choice(policies)
        days_ago = rng.uniform(0.3, DAYS)
        opened = now - timedelta(days=days_ago)
        subject = rng.choice(clients_pool if policy.code in CLIENT_POLICIES else freelancers)
        items = group_items(rng, 10_000 + n, policy, subject, accounts, clients[policy.code], opened)
        ingest(client=clients[policy.code], items=[item for key, item in items if key != "flags"], now=opened)
        case = Case.objects.filter(account=subject, policy=policy, status=CaseStatus.OPEN, opened_at=opened).first()
        if case is None:
            continue
        worker = rng.choice(workers)
        claimed = opened + timedelta(hours=rng.uniform(0.1, 0.8) * min(policy.sla_hours, 24 * days_ago))
        decided_at = claimed + timedelta(minutes=rng.lognormvariate(2.6, 0.7))
        if decided_at >= now:
            continue
        try:
            case = work.reassign_case(
                actor=lead, case_id=case.pk, assignee=worker, expected_version=case.version, now=claimed
            )
            violation = rng.random() < _violation_rate(policy, (now - decided_at).days)
            action = _decide(rng, case, worker, lead, decided_at, violation)
        except (ValidationError, PermissionDenied):
            continue
        decided += 1
        if action is not None and action.status == ActionStatus.APPLIED and rng.random() < 0.1:
            _appeal(rng, action, lead, now)
    _qa_reviews(rng, workers, now)
    stdout.write(f"Dashboard history: {decided} cases decided over {DAYS} days, {QaReview.objects.count()} sampled.")
