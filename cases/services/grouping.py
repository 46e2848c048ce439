"""Grouping: each signal joins the open case of its (account, policy), or opens one.

The API stores signals ungrouped and schedules `group_pending_signals`, which takes every waiting
signal in large runs. One grouper runs at a time, so concurrent requests never queue for the same
case rows, and a case that many signals of a run join is updated and audited once. The
synchronous `intake.ingest` (demo, referrals) groups its own signals in its own transaction.
"""

from collections import namedtuple
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from cases import priority
from cases.models import Case, Detector, Policy, Reporter, Signal, SignalSource
from reputation.models import Account
from trustconsole.db import insert_new_rows, row_defaults, update_rows
from trustconsole.models import AuditAction
from trustconsole.services import record_many

SEARCH_TEXT_LIMIT = 20_000
# Signals grouped per transaction: large enough that a busy case is written once per run.
RUN_SIZE = 10_000
# Any fixed 64-bit number: groupers take it so that two runs never group one signal twice.
GROUPING_LOCK = 0x7C0A_0D18
# Set while a grouping job waits in the queue, so a thousand requests a second share one job.
SCHEDULED_KEY = "intake:grouping-scheduled"
# A lost job (Redis flushed, worker killed) blocks new ones at most this long; the SLA sweep
# groups whatever waits as well.
SCHEDULED_TIMEOUT = 60

AccountFacts = namedtuple("AccountFacts", "external_id country active_contracts earnings_12m_cents")


# What grouping reads of a stored signal; the content's text comes from its frozen version.
WAITING_FIELDS = (
    "pk",
    "account_id",
    "policy_id",
    "source",
    "detector_id",
    "reporter_id",
    "api_client_id",
    "score",
    "text",
    "comment",
)
WAITING_COLUMNS = (*WAITING_FIELDS[:8], "content__text", "comment")


class WaitingSignal:
    """What grouping needs of a stored signal, read without building a model instance."""

    __slots__ = (*WAITING_FIELDS, "case_id")

    def __init__(self, *values):
        for name, value in zip(WAITING_FIELDS, values, strict=True):
            setattr(self, name, value)
        self.case_id = None

    @property
    def source_key(self):
        """Who stands behind a signal, for independence and accuracy: a detector, a reporter, or
        (for a generic client that names no detector) the API client itself."""
        if self.detector_id:
            return f"detector:{self.detector_id}"
        if self.reporter_id:
            return f"reporter:{self.reporter_id}"
        return f"client:{self.api_client_id}"


def waiting_signals(queryset):
    return [WaitingSignal(*row) for row in queryset.values_list(*WAITING_COLUMNS)]


def best_source_accuracies(cases):
    detector_ids, reporter_ids = set(), set()
    for case in cases:
        for source in case.sources:
            kind, pk = source.split(":")
            if kind == "detector":
                detector_ids.add(int(pk))
            elif kind == "reporter":
                reporter_ids.add(int(pk))
    tallies = {f"detector:{d.pk}": d.accuracy for d in Detector.objects.filter(pk__in=detector_ids)}
    tallies.update({f"reporter:{r.pk}": r.accuracy for r in Reporter.objects.filter(pk__any_of=reporter_ids)})
    return {case.pk: max((tallies.get(s, 0.5) for s in case.sources), default=0.5) for case in cases}


def reprioritise(case, account, policy, best_accuracy, now):
    case.priority, case.priority_parts = priority.compute(
        severity=policy.severity,
        max_score=case.max_score,
        source_count=len(case.sources),
        best_accuracy=best_accuracy,
        active_contracts=account.active_contracts,
        earnings_12m_cents=account.earnings_12m_cents,
        opened_at=case.opened_at,
        due_at=case.due_at,
        now=now,
    )


@dataclass(slots=True)
class OpenCase:
    """An open case as grouping sees it, read without building a model instance: a run touches
    thousands of cases, and building, then saving, Case instances was most of its Python time.
    The fields are OPEN_CASE_FIELDS in order; priority_parts is only written."""

    pk: int
    account_id: int
    policy_id: int
    status: str
    signal_count: int
    max_score: float
    sources: list
    has_reports: bool
    has_detections: bool
    search_text: str
    priority: float
    opened_at: datetime
    due_at: datetime
    version: int
    priority_parts: dict | None = None


OPEN_CASE_FIELDS = tuple(field.name for field in fields(OpenCase))[:-1]
CASE_LABEL = Case._meta.label_lower
# What grouping changes of every case it touches; search_text is written only where it grew.
GROUPING_WRITES = (
    "signal_count",
    "max_score",
    "sources",
    "has_reports",
    "has_detections",
    "priority",
    "priority_parts",
    "version",
)


def _open_cases(account_ids, policy_ids, wanted):
    """The open cases of the wanted (account, policy) keys, locked in key order: an analyst
    closing one waits until its new signals are in, so a signal never joins a case that closed
    meanwhile."""
    query = (
        Case.objects.still_open()
        .filter(account_id__any_of=account_ids, policy_id__any_of=policy_ids)
        .select_for_update()
        .order_by("pk")
        .values_list(*OPEN_CASE_FIELDS)
    )
    cases = (OpenCase(*row) for row in query)
    return {(c.account_id, c.policy_id): c for c in cases if (c.account_id, c.policy_id) in wanted}


def _open_new_cases(keys, accounts, policies, now):
    """Open a case for each (account, policy) key; return those opened here as OpenCase records.
    Keys come sorted and conflicts are skipped: a concurrent grouper may open the same key first,
    and the caller reads those. The defaults are spelled out because the records need them too."""
    defaults = row_defaults(Case, now)
    opened = {}
    for account_id, policy_id in keys:
        policy = policies[policy_id]
        values = {
            **defaults,
            "account_id": account_id,
            "policy_id": policy_id,
            "queue_id": policy.queue_id,
            "area": policy.area,
            "country": accounts[account_id].country,
            "opened_at": now,
            "due_at": now + timedelta(hours=policy.sla_hours),
            "sources": [],  # a list of its own: the default's would be shared by every new case
        }
        opened[account_id, policy_id] = values
    inserted = insert_new_rows(Case, list(opened.values()), now=now, returning=("id", "account", "policy"))
    return {
        (account_id, policy_id): OpenCase(pk, *(opened[account_id, policy_id][name] for name in OPEN_CASE_FIELDS[1:]))
        for pk, account_id, policy_id in inserted
    }


def _add_signals(case, signals):
    """Count the signals into the case and add their new text; return whether the text grew."""
    case.signal_count += len(signals)
    case.max_score = max([case.max_score, *(s.score for s in signals if s.score is not None)])
    case.sources = sorted(set(case.sources) | {s.source_key for s in signals})
    case.has_reports = case.has_reports or any(s.source == SignalSource.REPORT for s in signals)
    case.has_detections = case.has_detections or any(s.source == SignalSource.DETECTOR for s in signals)
    texts = []
    for text in [s.text for s in signals if s.text] + [s.comment for s in signals if s.comment]:
        if text not in case.search_text and text not in texts:
            texts.append(text)
    grown = "\n".join([case.search_text, *texts]).strip()[:SEARCH_TEXT_LIMIT] if texts else case.search_text
    text_changed = grown != case.search_text
    case.search_text = grown
    for signal in signals:
        signal.case_id = case.pk
    return text_changed


def group_signals(*, actor, signals, now):
    """Join each signal to the open case of its (account, policy), opening cases as needed; set
    each signal's case_id. Call inside a transaction, and record the audit rows it returns before
    that commits (last: the audit chain's lock must come after the case locks, or a grouper and
    an intake could each hold what the other waits for)."""
    groups = {}
    for signal in signals:
        groups.setdefault((signal.account_id, signal.policy_id), []).append(signal)
    account_ids = sorted({a for a, _ in groups})
    policy_ids = sorted({p for _, p in groups})
    accounts = {
        pk: AccountFacts(*facts)
        for pk, *facts in Account.objects.filter(pk__any_of=account_ids).values_list("pk", *AccountFacts._fields)
    }
    policies = Policy.objects.in_bulk(policy_ids)

    cases = _open_cases(account_ids, policy_ids, groups)
    to_open = sorted(key for key in groups if key not in cases)
    if to_open:
        cases.update(_open_new_cases(to_open, accounts, policies, now))
        taken = [key for key in to_open if key not in cases]
        if taken:
            cases.update(_open_cases(sorted({a for a, _ in taken}), sorted({p for _, p in taken}), set(taken)))
    opened = {key for key in to_open if cases[key].signal_count == 0}
    before = {key: (case.signal_count, case.priority) for key, case in cases.items()}
    new_text = {key for key, case in cases.items() if _add_signals(case, groups[key])}
    accuracies = best_source_accuracies(cases.values())
    for (account_id, policy_id), case in cases.items():
        reprioritise(case, accounts[account_id], policies[policy_id], accuracies[case.pk], now)
        case.version += 1
    # The text only where it grew: most runs add signals about content a case already holds, and
    # the text, up to 20,000 characters a case, is by far the largest value written.
    update_rows(Case, [case for key, case in cases.items() if key in new_text], [*GROUPING_WRITES, "search_text"])
    update_rows(Case, [case for key, case in cases.items() if key not in new_text], GROUPING_WRITES)
    update_rows(Signal, signals, ["case"])
    return [_audit_row(actor, key, case, accounts, opened, before) for key, case in sorted(cases.items())]


def _audit_row(actor, key, case, accounts, opened, before):
    row = {
        "actor": actor,
        "target_type": CASE_LABEL,
        "target_id": case.pk,
        "subject_account": accounts[key[0]].external_id,
        "case_id": case.pk,
    }
    if key in opened:
        return {
            **row,
            "action": AuditAction.CASE_OPENED,
            "changes": {
                "status": [None, case.status],
                "priority": [None, case.priority],
                "signal_count": [None, case.signal_count],
            },
        }
    count_before, priority_before = before[key]
    return {
        **row,
        "action": AuditAction.CASE_SIGNALS_ADDED,
        "changes": {"signal_count": [count_before, case.signal_count], "priority": [priority_before, case.priority]},
    }


def group_pending_signals(*, actor, run_size=RUN_SIZE, now=None):
    """Group every signal stored ungrouped, oldest first, a run per transaction. Returns how many
    signals were grouped. Runs wait for each other, so one signal is never grouped twice."""
    grouped = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [GROUPING_LOCK])
            # Read after the lock: a run that held it has committed, and its signals are grouped.
            waiting = waiting_signals(Signal.objects.filter(case__isnull=True).order_by("pk")[:run_size])
            if waiting:
                record_many(group_signals(actor=actor, signals=waiting, now=now or timezone.now()))
        grouped += len(waiting)
        if len(waiting) < run_size:
            return grouped


def group_scheduled_signals(*, actor):
    """The queued grouping job's work: clear the mark first, so a request that commits from here
    on queues the next job, then group everything waiting."""
    cache.delete(SCHEDULED_KEY)
    return group_pending_signals(actor=actor)


def schedule_grouping():
    """After this transaction commits, make sure a grouping job follows. The first request to
    find none waiting enqueues one; the job clears the mark before it reads, so signals that
    commit after its read find the mark gone and enqueue the next."""
    from cases.jobs import group_scheduled_signals_job
    from trustconsole.jobs import enqueue

    def send():
        if cache.add(SCHEDULED_KEY, 1, timeout=SCHEDULED_TIMEOUT):
            enqueue("ingest", group_scheduled_signals_job)

    # Robust: the batch is committed by now, so a Redis outage must not turn its answer into an
    # error (a retry would only find duplicates); the failure is logged and the sweep groups it.
    transaction.on_commit(send, robust=True)
