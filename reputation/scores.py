"""Recomputing success scores: every freelancer, in chunks of accounts, as of one moment.

Each chunk reads its contracts with two set-based queries, computes in Python (reputation.scoring)
and writes its snapshots and the run's progress in one transaction. A run killed between chunks
resumes after its last committed account; a snapshot is unique per (run, account), so nothing is
written twice. Memory is bounded by the chunk size.
"""

import dataclasses

from django.conf import settings
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
from reputation.score_workers import recompute_in_processes
from trustconsole.models import AuditAction
from trustconsole.services import record

NEW_CLIENT_DAYS = 90
SUSPENDED_STATUSES = frozenset({AccountStatus.SUSPENDED.value, AccountStatus.BANNED.value})
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
    if client_status in SUSPENDED_STATUSES:
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


# No join and no ORDER BY: rater facts come from a cache that outlives the chunk, and compute()
# puts each freelancer's contracts in order itself; sorting here would spill a chunk to disk.
CONTRACTS_OF_CHUNK = """
    SELECT c.id, c.freelancer_id, c.client_id, c.earnings_cents, {started}, {ended}, c.client_private,
           c.client_public, {feedback_at}, c.dispute_outcome
    FROM reputation_contract c
    WHERE c.freelancer_id >= %s AND c.freelancer_id <= %s AND c.started_at <= %s
"""
RATERS = """
    SELECT id, status, {joined}, payment_verified, {excluded_since}, {excluded_until}
    FROM reputation_account WHERE id {in_ids}
"""
# How many clients' rater facts one recompute process keeps between chunks (the same clients
# rate freelancers of many chunks); past it the memory starts over, so it stays bounded.
RATER_CACHE_LIMIT = 200_000
INTERIM_OF_CHUNK = """
    SELECT f.contract_id, f.client_private, f.client_public, {at}
    FROM reputation_interimfeedback f JOIN reputation_contract c ON c.id = f.contract_id
    WHERE c.freelancer_id >= %s AND c.freelancer_id <= %s AND f.at <= %s
    ORDER BY f.contract_id, f.at
"""


def _epoch(column):
    """A timestamp column as epoch seconds, in the database's own dialect."""
    if connection.vendor == "postgresql":
        return f"date_part('epoch', {column})"  # a float8; extract() makes a slower numeric
    return f"(julianday({column}) - 2440587.5) * 86400.0"


def _rater_facts(client_ids, cursor, raters):
    """Fill `raters` ({client id: (status, joined, payment verified, excluded since, until)})
    with the given clients it lacks; times in epoch seconds."""
    missing = sorted(set(client_ids) - raters.keys())
    if len(raters) + len(missing) > RATER_CACHE_LIMIT:
        raters.clear()
    times = {
        "joined": _epoch("joined_at"),
        "excluded_since": _epoch("feedback_excluded_since"),
        "excluded_until": _epoch("feedback_excluded_until"),
    }
    if connection.vendor == "postgresql":  # one array parameter, not thousands of placeholders
        cursor.execute(RATERS.format(in_ids="= ANY(%s)", **times), [missing])
        raters.update((row[0], row[1:]) for row in cursor.fetchall())
        return
    for start in range(0, len(missing), 10_000):
        batch = missing[start : start + 10_000]
        cursor.execute(RATERS.format(in_ids=f"IN ({', '.join(['%s'] * len(batch))})", **times), batch)
        raters.update((row[0], row[1:]) for row in cursor.fetchall())


def contract_facts(freelancer_ids, as_of, raters=None):
    """{freelancer id: [ContractFacts]} for a chunk of freelancers (ascending ids), as the
    contracts stood at as_of. Plain SQL over an id range, with times as epoch seconds: the ORM's
    and the datetime conversions' per-row cost would be most of a full recompute. `raters` is a
    cache of clients' rater facts that a caller may keep from one chunk to the next."""
    raters = {} if raters is None else raters
    first, last = freelancer_ids[0], freelancer_ids[-1]
    cutoff = as_of.timestamp()
    contracts_sql = CONTRACTS_OF_CHUNK.format(
        started=_epoch("c.started_at"), ended=_epoch("c.ended_at"), feedback_at=_epoch("c.feedback_at")
    )
    with connection.cursor() as cursor:
        cursor.execute(INTERIM_OF_CHUNK.format(at=_epoch("f.at")), [first, last, as_of])
        interim = {row[0]: scoring.Feedback(row[1], row[2], row[3]) for row in cursor.fetchall()}  # latest wins
        cursor.execute(contracts_sql, [first, last, as_of])
        rows = cursor.fetchall()
        linked = _linked_pairs(first, last, cursor)
        _rater_facts({row[2] for row in rows}, cursor, raters)
    facts = {pk: [] for pk in freelancer_ids}
    lost = DisputeOutcome.FREELANCER_LOST.value
    for pk, freelancer, client, earnings, started, ended, private, public, feedback_at, dispute in rows:
        if freelancer not in facts:
            continue  # an account of the id range that is not being recomputed
        ended = ended if ended and ended <= cutoff else None
        rated_at = feedback_at or ended
        final = (private is not None or public is not None) and rated_at is not None and rated_at <= cutoff
        feedback = scoring.Feedback(private, public, rated_at) if final else interim.get(pk)
        at = feedback.at if feedback else (ended or cutoff)
        credibility, because = credibility_of(*raters[client], at, linked=(freelancer, client) in linked)
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


# A ledger entry as compact JSON, written out here because the encoder's per-entry dict and
# generic walk were a sixth of a full recompute. Floats print as json does (repr); the exclusion
# codes are fixed identifiers that need no escaping.
LEDGER_ENTRY_JSON = '{"contract_id":%d,"client_id":%d,"outcome":%s,"weight":%r,"points":%r,"excluded":"%s"}'


def ledger_json(result):
    """The snapshot's ledger as JSON text: what json.dumps(ledger_dicts(result)) says, faster."""
    return (
        "["
        + ",".join(
            [
                LEDGER_ENTRY_JSON
                % (
                    e.contract_id,
                    e.client_id,
                    "null" if e.outcome is None else repr(e.outcome),
                    e.weight,
                    e.points,
                    e.excluded,
                )
                for e in result.ledger
            ]
        )
        + "]"
    )


def ledger_dicts(result):
    return [dataclasses.asdict(entry) for entry in result.ledger]


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
                    ledger=ledger_dicts(r),
                )
                for pk, r in results
            ],
            ignore_conflicts=True,
        )
        return
    # A chunk is written once, and straight by COPY, unless this run already holds some of its
    # snapshots (a resumed run's chunk that a worker wrote before the stop): then COPY goes to a
    # temporary table and one INSERT skips what exists, which COPY alone cannot. The lock keeps
    # two writers of one chunk from both taking the straight path.
    columns = ", ".join(SNAPSHOT_COLUMNS)
    first, last = results[0][0], results[-1][0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"snapshots:{run.pk}:{first}"])
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM reputation_scoresnapshot WHERE run_id = %s AND account_id BETWEEN %s AND %s)",
            [run.pk, first, last],
        )
        (written_before,) = cursor.fetchone()
        target = "snapshot_chunk" if written_before else "reputation_scoresnapshot"
        if written_before:
            cursor.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS snapshot_chunk ON COMMIT DELETE ROWS "  # noqa: S608
                f"AS SELECT {columns} FROM reputation_scoresnapshot WITH NO DATA"
            )
        with cursor.cursor.copy(f"COPY {target} ({columns}) FROM STDIN") as copy:
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
                        ledger_json(r),
                    )
                )
        if written_before:
            cursor.execute(
                f"INSERT INTO reputation_scoresnapshot ({columns}) SELECT {columns} FROM snapshot_chunk "  # noqa: S608
                "ON CONFLICT (run_id, account_id) DO NOTHING"
            )


def start_run(*, as_of=None):
    now = timezone.now()
    return ScoreRun.objects.create(as_of=as_of or now, params_version=current_parameters().version, started_at=now)


def unfinished_run():
    return ScoreRun.objects.filter(finished_at__isnull=True).order_by("-started_at").first()


def _chunks(freelancers, after_id, chunk_size):
    """Lists of ascending freelancer ids after `after_id`, read a chunk at a time."""
    while ids := list(freelancers.filter(pk__gt=after_id).values_list("pk", flat=True)[:chunk_size]):
        yield ids
        after_id = ids[-1]


def score_chunk(run, params, ids, *, raters=None, record_progress=False):
    """Score one chunk of freelancers and write their snapshots, with the run's progress when
    asked: together in one transaction, a resumed run skips exactly the chunks written."""
    facts = contract_facts(ids, run.as_of, raters)
    results = [(pk, scoring.compute(facts[pk], run.as_of, params)) for pk in ids]
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Not waiting for the disk at each chunk's commit is safe: a crash loses whole
            # chunks, snapshots and progress together, and the resumed run writes them again;
            # in worker processes, the parent's own (waited-for) commit of the progress that
            # counts a chunk flushes the log past that chunk's commit.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit = off")
        _write_snapshots(run, results)
        if record_progress:
            run.last_account_id, run.accounts_done = ids[-1], run.accounts_done + len(ids)
            run.save(update_fields=["last_account_id", "accounts_done"])


def recompute_scores(*, actor, run=None, account_ids=None, chunk_size=1000, after_chunk=None, workers=None):
    """Compute every freelancer's snapshot for a run (a new one unless given one to resume), in
    `workers` processes on PostgreSQL (settings.RECOMPUTE_WORKERS unless given)."""
    run = run or start_run()
    params = current_parameters()
    if params.version != run.params_version:
        raise ValueError(f"Run {run.pk} used parameters v{run.params_version}; v{params.version} is current now.")
    freelancers = Account.objects.exclude(kind=AccountKind.CLIENT).order_by("pk")
    if account_ids is not None:
        freelancers = freelancers.filter(pk__in=account_ids)
    workers = settings.RECOMPUTE_WORKERS if workers is None else workers
    chunks = _chunks(freelancers, run.last_account_id, chunk_size)
    if workers > 1 and account_ids is None and connection.vendor == "postgresql":
        recompute_in_processes(run, params, chunks, workers, after_chunk)
    else:
        raters = {}
        for ids in chunks:
            score_chunk(run, params, ids, raters=raters, record_progress=True)
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
