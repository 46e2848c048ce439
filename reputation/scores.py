"""Recomputing success scores: every freelancer, in chunks of accounts, as of one moment.

Each chunk reads its contracts with two set-based queries, computes in Python (reputation.scoring)
and writes its snapshots and the run's progress in one transaction. A run killed between chunks
resumes after its last committed account; a snapshot is unique per (run, account), so nothing is
written twice. Memory is bounded by the chunk size.
"""

import json

from django.db import connection, transaction
from django.utils import timezone

from reputation import scoring
from reputation.models import (
    Account,
    AccountKind,
    AccountStatus,
    DisputeOutcome,
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
    row = ScoringParameters.objects.published().order_by("-version").first()
    if row is None:
        return scoring.Parameters()
    return scoring.Parameters(version=row.version, **{name: getattr(row, name) for name in PARAMETER_FIELDS})


def credibility_of(
    client_status,
    client_joined_at,
    client_payment_verified,
    excluded_since,
    excluded_until,
    rated_at,
    linked=False,
):
    """(How much a client's feedback counts, why it does not count at all); times in epoch
    seconds. A client restricted at level 2 of client standards gives no credible feedback from
    the exclusion's start until it is lifted."""
    if linked:
        return 0.0, scoring.RATER_LINKED
    if client_status in (AccountStatus.SUSPENDED, AccountStatus.BANNED):
        return 0.0, scoring.RATER_SUSPENDED
    if (
        excluded_since is not None
        and rated_at >= excluded_since
        and (excluded_until is None or rated_at < excluded_until)
    ):
        return 0.0, scoring.RATER_BELOW_STANDARDS
    new = client_joined_at is None or rated_at - client_joined_at < NEW_CLIENT_DAYS * scoring.DAY_SECONDS
    if new and not client_payment_verified:
        return 0.5, ""
    return 1.0, ""


LINKS_OF_CHUNK = """
    SELECT account_id, linked_account_id FROM reputation_accountlink
    WHERE (account_id >= %s AND account_id <= %s) OR (linked_account_id >= %s AND linked_account_id <= %s)
"""


def _linked_pairs(first, last, cursor):
    """Both orders of every link touching the id range: (freelancer, client) lookups."""
    cursor.execute(LINKS_OF_CHUNK, [first, last, first, last])
    pairs = set()
    for one, other in cursor.fetchall():
        pairs.update(((one, other), (other, one)))
    return pairs


CONTRACTS_OF_CHUNK = """
    SELECT c.id, c.freelancer_id, c.client_id, c.earnings_cents, {started}, {ended}, c.client_private,
           c.client_public, {feedback_at}, c.dispute_outcome, a.status, {joined}, a.payment_verified,
           {excluded_since}, {excluded_until}
    FROM reputation_contract c JOIN reputation_account a ON a.id = c.client_id
    WHERE c.freelancer_id >= %s AND c.freelancer_id <= %s AND c.started_at <= %s
    ORDER BY c.freelancer_id, c.id
"""
INTERIM_OF_CHUNK = """
    SELECT f.contract_id, f.client_private, f.client_public, {at}
    FROM reputation_interimfeedback f JOIN reputation_contract c ON c.id = f.contract_id
    WHERE c.freelancer_id >= %s AND c.freelancer_id <= %s AND f.at <= %s
    ORDER BY f.contract_id, f.at
"""


def _epoch(column):
    """A timestamp column as epoch seconds, in the database's own dialect."""
    if connection.vendor == "postgresql":
        return f"extract(epoch FROM {column})::float8"
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def contract_facts(freelancer_ids, as_of):
    """{freelancer id: [ContractFacts]} for a chunk of freelancers (ascending ids), as the
    contracts stood at as_of. Plain SQL over an id range, with times as epoch seconds: the ORM's
    and the datetime conversions' per-row cost would be most of a full recompute."""
    first, last = freelancer_ids[0], freelancer_ids[-1]
    cutoff = as_of.timestamp()
    contracts_sql = CONTRACTS_OF_CHUNK.format(
        started=_epoch("c.started_at"),
        ended=_epoch("c.ended_at"),
        feedback_at=_epoch("c.feedback_at"),
        joined=_epoch("a.joined_at"),
        excluded_since=_epoch("a.feedback_excluded_since"),
        excluded_until=_epoch("a.feedback_excluded_until"),
    )
    with connection.cursor() as cursor:
        cursor.execute(INTERIM_OF_CHUNK.format(at=_epoch("f.at")), [first, last, as_of])
        interim = {row[0]: scoring.Feedback(row[1], row[2], row[3]) for row in cursor.fetchall()}  # latest wins
        cursor.execute(contracts_sql, [first, last, as_of])
        rows = cursor.fetchall()
        linked = _linked_pairs(first, last, cursor)
    facts = {pk: [] for pk in freelancer_ids}
    lost = DisputeOutcome.FREELANCER_LOST.value
    for pk, freelancer, client, earnings, started, ended, private, public, feedback_at, dispute, *rater in rows:
        if freelancer not in facts:
            continue  # an account of the id range that is not being recomputed
        ended = ended if ended and ended <= cutoff else None
        rated_at = feedback_at or ended
        final = (private is not None or public is not None) and rated_at is not None and rated_at <= cutoff
        feedback = scoring.Feedback(private, public, rated_at) if final else interim.get(pk)
        at = feedback.at if feedback else (ended or cutoff)
        credibility, because = credibility_of(*rater, at, linked=(freelancer, client) in linked)
        facts[freelancer].append(
            scoring.ContractFacts(pk, client, earnings, started, ended, feedback, dispute == lost, credibility, because)
        )
    return facts


SNAPSHOT_COLUMNS = (
    "account_id",
    "run_id",
    "as_of",
    "params_version",
    "score",
    "lower_bound",
    "effective_sample_size",
    "eligible_contracts",
    "distinct_clients",
    "public",
    "ledger",
)


def _ledger(result):
    return [
        {
            "contract_id": e.contract_id,
            "client_id": e.client_id,
            "outcome": e.outcome,
            "weight": e.weight,
            "points": e.points,
            "excluded": e.excluded,
        }
        for e in result.ledger
    ]


def _write_snapshots(run, results):
    """Insert a chunk's snapshots, skipping any this run already has (a resumed chunk)."""
    if connection.vendor != "postgresql":
        ScoreSnapshot.objects.bulk_create(
            [
                ScoreSnapshot(
                    account_id=pk,
                    run=run,
                    as_of=run.as_of,
                    params_version=run.params_version,
                    score=r.score,
                    lower_bound=r.lower_bound,
                    effective_sample_size=r.effective_sample_size,
                    eligible_contracts=r.eligible_contracts,
                    distinct_clients=r.distinct_clients,
                    public=r.public,
                    ledger=_ledger(r),
                )
                for pk, r in results
            ],
            ignore_conflicts=True,
        )
        return
    # COPY into a temporary table, then one INSERT that skips conflicts, which COPY cannot.
    columns = ", ".join(SNAPSHOT_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS snapshot_chunk ON COMMIT DELETE ROWS "  # noqa: S608
            f"AS SELECT {columns} FROM reputation_scoresnapshot WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY snapshot_chunk ({columns}) FROM STDIN") as copy:
            for pk, r in results:
                copy.write_row(
                    (
                        pk,
                        run.pk,
                        run.as_of,
                        run.params_version,
                        r.score,
                        r.lower_bound,
                        r.effective_sample_size,
                        r.eligible_contracts,
                        r.distinct_clients,
                        r.public,
                        json.dumps(_ledger(r)),
                    )
                )
        cursor.execute(
            f"INSERT INTO reputation_scoresnapshot ({columns}) SELECT {columns} FROM snapshot_chunk "  # noqa: S608
            "ON CONFLICT (run_id, account_id) DO NOTHING"
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
        results = [(pk, scoring.compute(facts[pk], run.as_of, params)) for pk in ids]
        with transaction.atomic():
            _write_snapshots(run, results)
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
    snapshots = last_two_snapshots(account)
    return snapshots[0] if snapshots else None


def last_two_snapshots(account):
    return list(ScoreSnapshot.objects.filter(account=account, run__finished_at__isnull=False).order_by("-as_of")[:2])
