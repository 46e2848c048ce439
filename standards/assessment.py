"""The daily client assessment: every client with recent activity or an outreach in progress is
measured, one row per client and day, and moved along outreach where the measure says so.

Chunks of clients by id; each chunk's assessments and the run's progress commit together, so a
killed run resumes after its last chunk, and an assessment is unique per (client, day), so a rerun
of the same day stores nothing twice and, the states having moved, transitions nothing twice.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.forms.models import model_to_dict
from django.utils import timezone

from cases.models import ActionStatus, ContentItem, ContentType, EnforcementAction
from reputation.models import Account, AccountKind, AccountLink, Contract, DisputeOutcome, InterimFeedback
from reputation.scores import current_parameters
from standards import metrics, services
from standards.models import AssessmentRun, ClientAssessment, ClientStanding, OutreachState, Thresholds
from trustconsole.models import AuditAction
from trustconsole.services import record

CLIENT_KINDS = (AccountKind.CLIENT, AccountKind.AGENCY)


def _window_filter(prefix, start):
    return (
        Q(**{f"{prefix}started_at__gte": start})
        | Q(**{f"{prefix}ended_at__isnull": True})
        | Q(**{f"{prefix}ended_at__gte": start})
        | Q(**{f"{prefix}feedback_at__gte": start})
        | Q(**{f"{prefix}work_submitted_at__gte": start})
        | Q(**{f"{prefix}refund_after_delivery_at__gte": start})
    )


def facts_of(client_ids, as_of, thresholds):
    """{client id: ClientFacts} for a chunk of clients, in six set-based queries."""
    start = as_of - thresholds.window_days * metrics.DAY
    facts = {pk: metrics.ClientFacts() for pk in client_ids}
    links = AccountLink.objects.filter(Q(account_id__in=client_ids) | Q(linked_account_id__in=client_ids))
    linked = {pair for a, b in links.values_list("account_id", "linked_account_id") for pair in ((a, b), (b, a))}
    contracts = Contract.objects.filter(client_id__in=client_ids, started_at__lte=as_of).filter(
        _window_filter("", start)
    )
    for row in contracts.values(
        "id",
        "client_id",
        "freelancer_id",
        "earnings_cents",
        "started_at",
        "ended_at",
        "freelancer_public",
        "feedback_at",
        "dispute_outcome",
        "work_submitted_at",
        "client_responded_at",
        "refund_after_delivery_at",
    ):
        facts[row["client_id"]].contracts.append(
            metrics.ClientContract(
                contract_id=row["id"],
                freelancer_id=row["freelancer_id"],
                earnings_cents=row["earnings_cents"],
                started_at=row["started_at"],
                ended_at=row["ended_at"],
                stars=row["freelancer_public"],
                rated_at=row["feedback_at"] or row["ended_at"],
                dispute_lost_by_client=row["dispute_outcome"] == DisputeOutcome.CLIENT_LOST,
                work_submitted_at=row["work_submitted_at"],
                client_responded_at=row["client_responded_at"],
                refund_after_delivery_at=row["refund_after_delivery_at"],
                linked=(row["client_id"], row["freelancer_id"]) in linked,
            )
        )
    interim = InterimFeedback.objects.filter(
        contract__client_id__in=client_ids, at__gte=start, at__lte=as_of, freelancer_public__isnull=False
    ).values_list("contract__client_id", "contract_id", "contract__freelancer_id", "freelancer_public", "at")
    for client_id, *row in interim:
        facts[client_id].interim.append(tuple(row))
    codes = set(thresholds.conduct_policies) | set(thresholds.hard_trigger_policies)
    actions = EnforcementAction.objects.filter(
        account_id__in=client_ids, status=ActionStatus.APPLIED, policy__code__in=codes, applied_at__gte=start
    ).values_list("pk", "account_id", "case_id", "policy__code", "applied_at")
    for action_id, client_id, case_id, code, applied_at in actions:
        if code in thresholds.conduct_policies:
            facts[client_id].findings.append(metrics.Finding(action_id, case_id, code, applied_at))
        if code in thresholds.hard_trigger_policies:
            facts[client_id].hard_triggers.append((code, case_id, action_id))
    posts = (
        ContentItem.objects.filter(
            author_id__in=client_ids, content_type=ContentType.JOB_POST, first_seen_at__gte=start
        )
        .values("author_id")
        .annotate(n=Count("pk"))
    )
    for row in posts:
        facts[row["author_id"]].job_posts = row["n"]
    return facts


def _worth_assessing(facts, standing):
    active = standing is not None and standing.state != OutreachState.MONITORING
    return active or bool(facts.contracts or facts.findings or facts.hard_triggers)


def _store(clients, as_of, day, thresholds, params, standings):
    """The day's assessments of a chunk, the stored one where the day was already assessed."""
    facts = facts_of([c.pk for c in clients], as_of, thresholds)
    rows = []
    for client in clients:
        client_facts = facts[client.pk]
        if not _worth_assessing(client_facts, standings.get(client.pk)):
            continue
        found, tripped, below = metrics.assess(client_facts, as_of, thresholds, params)
        rows.append(
            ClientAssessment(
                client=client,
                as_of=as_of,
                day=day,
                metrics=found,
                tripped=tripped,
                below_standard=below,
                hard_triggers=[
                    {"policy": code, "case": case_id, "action": action_id}
                    for code, case_id, action_id in sorted(set(client_facts.hard_triggers))
                ],
                thresholds=_thresholds_dict(thresholds),
            )
        )
    with transaction.atomic():
        ClientAssessment.objects.bulk_create(rows, ignore_conflicts=True)
    return list(ClientAssessment.objects.filter(client__in=clients, day=day))


def _thresholds_dict(thresholds):
    return model_to_dict(thresholds, exclude=["id"])


def start_run(*, day=None, as_of=None):
    as_of = as_of or timezone.now()
    day = day or as_of.date()
    run, _ = AssessmentRun.objects.get_or_create(day=day, defaults={"as_of": as_of, "started_at": timezone.now()})
    return run


def assess_clients(*, actor, day=None, as_of=None, chunk_size=500, after_chunk=None):
    """Assess every client for a day and move each along outreach. Running it again for the same
    day finishes an interrupted run and otherwise changes nothing."""
    run = start_run(day=day, as_of=as_of)
    thresholds, params = Thresholds.current(), current_parameters()
    clients = Account.objects.filter(kind__in=CLIENT_KINDS).order_by("pk")
    moved = defaultdict(int)
    while True:
        chunk = list(clients.filter(pk__gt=run.last_client_id)[:chunk_size])
        if not chunk:
            break
        standings = {s.client_id: s for s in ClientStanding.objects.filter(client__in=chunk)}
        assessments = _store(chunk, run.as_of, run.day, thresholds, params, standings)
        for assessment in assessments:
            try:
                outcome = services.follow_assessment(actor=actor, assessment_id=assessment.pk, now=run.as_of)
            except ValidationError:
                # A missing notice template, say: the client stays where it is and the next
                # run tries again; the count tells the admins to look.
                outcome = "refused"
            if outcome:
                moved[outcome] += 1
        # Progress is saved after the transitions: a run killed mid-chunk redoes the chunk, whose
        # stored assessments are reused and whose clients have already moved on.
        run.last_client_id, run.clients_done = chunk[-1].pk, run.clients_done + len(chunk)
        run.save(update_fields=["last_client_id", "clients_done"])
        if after_chunk:
            after_chunk(run)
    if run.finished_at is None:
        with transaction.atomic():
            run.finished_at = timezone.now()
            run.save(update_fields=["finished_at"])
            record(
                actor=actor,
                action=AuditAction.CLIENTS_ASSESSED,
                target=run,
                context={"day": run.day, "clients": run.clients_done, "moved": dict(moved)},
            )
    return run
