"""Recomputing success scores: every freelancer, in chunks of accounts, as of one moment.

Each chunk reads its contracts with two set-based queries, computes in Python (reputation.scoring)
and writes its snapshots and the run's progress in one transaction. A run killed between chunks
resumes after its last committed account; a snapshot is unique per (run, account), so nothing is
written twice. Memory is bounded by the chunk size.
"""

from dataclasses import asdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from reputation import scoring
from reputation.models import (
    Account,
    AccountKind,
    AccountStatus,
    Contract,
    DisputeOutcome,
    InterimFeedback,
    ScoreRun,
    ScoreSnapshot,
    ScoringParameters,
)
from trustconsole.models import AuditAction
from trustconsole.services import record

NEW_CLIENT_DAYS = 90
PARAMETER_FIELDS = [
    "prior_mean",
    "prior_strength",
    "private_share",
    "half_life_days",
    "max_age_days",
    "max_contract_weight",
    "max_client_weight",
    "lower_quantile",
    "public_min_contracts",
    "public_min_clients",
]


def current_parameters():
    row = ScoringParameters.objects.order_by("-version").first()
    if row is None:
        return scoring.Parameters()
    return scoring.Parameters(version=row.version, **{name: getattr(row, name) for name in PARAMETER_FIELDS})


def credibility_of(client_status, client_joined_at, client_payment_verified, rated_at):
    """How much a client's feedback counts. Client standards and account links (later issues)
    will add their zeroes here."""
    if client_status in (AccountStatus.SUSPENDED, AccountStatus.BANNED):
        return 0.0
    new = client_joined_at is None or rated_at - client_joined_at < timedelta(days=NEW_CLIENT_DAYS)
    if new and not client_payment_verified:
        return 0.5
    return 1.0


CONTRACT_COLUMNS = (
    "pk",
    "freelancer_id",
    "client_id",
    "earnings_cents",
    "started_at",
    "ended_at",
    "client_private",
    "client_public",
    "feedback_at",
    "dispute_outcome",
    "client__status",
    "client__joined_at",
    "client__payment_verified",
)


def contract_facts(freelancer_ids, as_of):
    """{freelancer id: [ContractFacts]} for a chunk of freelancers, as the contracts stood at as_of."""
    rows = (
        Contract.objects.filter(freelancer_id__in=freelancer_ids, started_at__lte=as_of)
        .values_list(*CONTRACT_COLUMNS)
        .order_by("freelancer_id", "pk")
    )
    interim = {}
    for contract_id, private, public, at in (
        InterimFeedback.objects.filter(contract__freelancer_id__in=freelancer_ids, at__lte=as_of)
        .order_by("contract_id", "at")
        .values_list("contract_id", "client_private", "client_public", "at")
    ):
        interim[contract_id] = scoring.Feedback(private, public, at)  # the latest one wins
    facts = {pk: [] for pk in freelancer_ids}
    for pk, freelancer, client, earnings, started, ended, private, public, feedback_at, dispute, *rater in rows:
        ended = ended if ended and ended <= as_of else None
        rated_at = feedback_at or ended
        final = (private is not None or public is not None) and rated_at is not None and rated_at <= as_of
        feedback = scoring.Feedback(private, public, rated_at) if final else interim.get(pk)
        at = feedback.at if feedback else (ended or as_of)
        facts[freelancer].append(
            scoring.ContractFacts(
                contract_id=pk,
                client_id=client,
                earnings_cents=earnings,
                started_at=started,
                ended_at=ended,
                feedback=feedback,
                dispute_lost_by_freelancer=dispute == DisputeOutcome.FREELANCER_LOST,
                credibility=credibility_of(*rater, at),
            )
        )
    return facts


def _snapshot(run, account_id, result):
    return ScoreSnapshot(
        account_id=account_id,
        run=run,
        as_of=run.as_of,
        params_version=run.params_version,
        score=result.score,
        lower_bound=result.lower_bound,
        effective_sample_size=result.effective_sample_size,
        eligible_contracts=result.eligible_contracts,
        distinct_clients=result.distinct_clients,
        public=result.public,
        ledger=[asdict(entry) for entry in result.ledger],
    )


def start_run(*, as_of=None):
    now = timezone.now()
    return ScoreRun.objects.create(as_of=as_of or now, params_version=current_parameters().version, started_at=now)


def unfinished_run():
    return ScoreRun.objects.filter(finished_at__isnull=True).order_by("-started_at").first()


def recompute_scores(*, actor, run=None, account_ids=None, chunk_size=1000, after_chunk=None):
    """Compute every freelancer's snapshot for a run (a new one unless given one to resume)."""
    run = run or start_run()
    params = current_parameters()
    if params.version != run.params_version:
        raise ValueError(f"Run {run.pk} used parameters v{run.params_version}; v{params.version} is current now.")
    freelancers = Account.objects.exclude(kind=AccountKind.CLIENT).order_by("pk")
    if account_ids is not None:
        freelancers = freelancers.filter(pk__in=account_ids)
    while True:
        ids = list(freelancers.filter(pk__gt=run.last_account_id).values_list("pk", flat=True)[:chunk_size])
        if not ids:
            break
        facts = contract_facts(ids, run.as_of)
        snapshots = [_snapshot(run, pk, scoring.compute(facts[pk], run.as_of, params)) for pk in ids]
        with transaction.atomic():
            ScoreSnapshot.objects.bulk_create(snapshots, ignore_conflicts=True)
            run.last_account_id, run.accounts_done = ids[-1], run.accounts_done + len(ids)
            run.save(update_fields=["last_account_id", "accounts_done"])
        if after_chunk:
            after_chunk(run)
    with transaction.atomic():
        run.finished_at = timezone.now()
        run.save(update_fields=["finished_at"])
        record(
            actor=actor,
            action=AuditAction.SCORES_RECOMPUTED,
            target=run,
            context={
                "accounts": run.accounts_done,
                "as_of": run.as_of,
                "params_version": run.params_version,
                "only": sorted(account_ids) if account_ids is not None else None,
            },
        )
    return run


def latest_snapshot(account):
    return ScoreSnapshot.objects.filter(account=account, run__finished_at__isnull=False).order_by("-as_of").first()
