"""Intake: detector signals and user reports become signals grouped into cases.

One batch is one transaction, done with set-based queries so that a batch of 500 costs a few
dozen statements. Each phase inserts its rows sorted by key (accounts, content, signals, cases),
so concurrent batches wait for each other in one order and never deadlock.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from cases import priority
from cases.models import (
    Case,
    ContentItem,
    ContentVersion,
    Detector,
    Policy,
    Reporter,
    ReportReason,
    Signal,
    SignalSource,
)
from reputation.models import AccountKind
from reputation.services import AccountSpec, ensure_accounts, find_kind_conflicts
from trustconsole.db import update_rows
from trustconsole.models import AuditAction
from trustconsole.services import record_many

SEARCH_TEXT_LIMIT = 20_000


@dataclass
class IntakeItem:
    client_item_id: str
    source: str
    subject: AccountSpec
    observed_at: datetime
    policy_code: str = ""
    reason_code: str = ""
    reporter: AccountSpec | None = None
    content: dict | None = None
    score: float | None = None
    evidence: dict = field(default_factory=dict)
    comment: str = ""


@dataclass
class ItemResult:
    id: str
    status: str
    case: int | None = None
    errors: dict = field(default_factory=dict)

    def as_dict(self):
        return {"id": self.id, "status": self.status, "case": self.case, "errors": self.errors}


def _resolve_policies(client, items, results):
    """Fill item.policy for each item; reject the ones whose policy or reason is unknown."""
    codes = {item.policy_code for item in items if item.policy_code}
    policies = {p.code: p for p in Policy.objects.filter(code__in=codes, active=True).select_related("queue")}
    reason_keys = {
        (item.reason_code, (item.content or {}).get("type", "profile")) for item in items if item.reason_code
    }
    reasons = {}
    if reason_keys:
        lookup = ReportReason.objects.filter(code__in={code for code, _ in reason_keys}).select_related("policy__queue")
        reasons = {(r.code, r.content_type): r for r in lookup if r.policy.active}
    default_policy = None
    if client.detector_id:
        default_policy = Policy.objects.select_related("queue").filter(pk=client.detector.default_policy_id).first()
    for index, item in enumerate(items):
        if item.source == SignalSource.REPORT:
            key = (item.reason_code, (item.content or {}).get("type", "profile"))
            reason = reasons.get(key)
            if reason is None:
                results[index] = ItemResult(
                    item.client_item_id,
                    "rejected",
                    errors={"reason": f"unknown report reason {key[0]!r} for {key[1]} content"},
                )
                continue
            item.report_reason, item.policy = reason, reason.policy
        elif item.policy_code:
            item.policy = policies.get(item.policy_code)
            if item.policy is None:
                results[index] = ItemResult(
                    item.client_item_id,
                    "rejected",
                    errors={"policy": f"unknown or inactive policy {item.policy_code!r}"},
                )
        elif default_policy is not None:
            item.policy = default_policy
        else:
            results[index] = ItemResult(
                item.client_item_id,
                "rejected",
                errors={"policy": "required: this client has no detector with a default policy"},
            )


def _reject_kind_conflicts(items, results):
    specs = [item.subject for item in items] + [item.reporter for item in items if item.reporter]
    conflicts = find_kind_conflicts(specs)
    for index, item in enumerate(items):
        if results[index] is not None:
            continue
        errors = {}
        subject = item.subject
        if subject.external_id in conflicts and subject.kind:
            stored_kind = conflicts[subject.external_id]
            errors["subject"] = {"kind": f"account {subject.external_id} is a {stored_kind}, not a {subject.kind}"}
        if item.reporter and item.reporter.external_id in conflicts and item.reporter.kind:
            errors["reporter"] = {
                "kind": f"account {item.reporter.external_id} is a {conflicts[item.reporter.external_id]}"
            }
        if errors:
            results[index] = ItemResult(item.client_item_id, "rejected", errors=errors)


def _store_content(items, accounts):
    """Upsert content items and their frozen versions; set item.content_version."""
    with_content = [item for item in items if item.content and item.content.get("id")]
    if not with_content:
        return
    keys = sorted({(item.content["type"], item.content["id"]) for item in with_content})
    authors = {(item.content["type"], item.content["id"]): accounts[item.subject.external_id] for item in with_content}
    ContentItem.objects.bulk_create(
        [ContentItem(content_type=t, external_id=i, author=authors[(t, i)]) for t, i in keys], ignore_conflicts=True
    )
    stored = ContentItem.objects.filter(external_id__in={i for _, i in keys})
    stored = {(c.content_type, c.external_id): c for c in stored}
    versions = {}
    for item in with_content:
        text = item.content.get("text", "")
        sha = ContentVersion.hash_text(text)
        content_item = stored[(item.content["type"], item.content["id"])]
        versions.setdefault(
            (content_item.pk, sha),
            ContentVersion(
                item=content_item,
                text=text,
                url=item.content.get("url", ""),
                sha256=sha,
                created_at=item.content.get("created_at"),
            ),
        )
        item.version_key = (content_item.pk, sha)
    ContentVersion.objects.bulk_create([versions[key] for key in sorted(versions)], ignore_conflicts=True)
    saved = ContentVersion.objects.filter(
        item_id__in={pk for pk, _ in versions}, sha256__in={sha for _, sha in versions}
    )
    saved = {(v.item_id, v.sha256): v for v in saved}
    for item in with_content:
        item.content_version = saved[item.version_key]


def _reporters(items, accounts):
    ids = sorted({accounts[item.reporter.external_id].pk for item in items if item.reporter})
    if not ids:
        return {}
    Reporter.objects.bulk_create([Reporter(account_id=pk) for pk in ids], ignore_conflicts=True)
    return {r.account_id: r for r in Reporter.objects.filter(account_id__in=ids)}


def _source_key(signal):
    """Who stands behind a signal, for independence and accuracy: a detector, a reporter, or
    (for a generic client that names no detector) the API client itself."""
    if signal.detector_id:
        return f"detector:{signal.detector_id}"
    if signal.reporter_id:
        return f"reporter:{signal.reporter_id}"
    return f"client:{signal.api_client_id}"


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
    tallies.update({f"reporter:{r.pk}": r.accuracy for r in Reporter.objects.filter(pk__in=reporter_ids)})
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


def _group_into_cases(actor, new_signals, now):
    """Join each new signal to the open case of its (account, policy), opening cases as needed."""
    groups = {}
    for signal in new_signals:
        groups.setdefault((signal.account_id, signal.policy_id), []).append(signal)
    accounts = {s.account_id: s.account for s in new_signals}
    policies = {s.policy_id: s.policy for s in new_signals}
    account_ids = {a for a, _ in groups}
    policy_ids = {p for _, p in groups}

    def open_cases(lock):
        query = Case.objects.still_open().filter(account_id__in=account_ids, policy_id__in=policy_ids).order_by("pk")
        if lock:
            query = query.select_for_update()
        return {(c.account_id, c.policy_id): c for c in query}

    existing = open_cases(lock=False)
    to_open = sorted(key for key in groups if key not in existing)
    Case.objects.bulk_create(
        [
            Case(
                account_id=account_id,
                policy_id=policy_id,
                queue_id=policies[policy_id].queue_id,
                area=policies[policy_id].area,
                country=accounts[account_id].country,
                opened_at=now,
                due_at=now + timedelta(hours=policies[policy_id].sla_hours),
            )
            for account_id, policy_id in to_open
        ],
        ignore_conflicts=True,
    )
    cases = {key: case for key, case in open_cases(lock=True).items() if key in groups}
    opened = {key for key in to_open if cases[key].signal_count == 0}
    before = {key: (case.signal_count, case.priority) for key, case in cases.items()}
    for key, signals in groups.items():
        case = cases[key]
        case.signal_count += len(signals)
        scores = [s.score for s in signals if s.score is not None]
        case.max_score = max([case.max_score, *scores])
        case.sources = sorted(set(case.sources) | {_source_key(s) for s in signals})
        case.has_reports = case.has_reports or any(s.source == SignalSource.REPORT for s in signals)
        case.has_detections = case.has_detections or any(s.source == SignalSource.DETECTOR for s in signals)
        texts = [s.content.text for s in signals if s.content_id and s.content.text not in case.search_text]
        texts += [s.comment for s in signals if s.comment]
        if texts:
            case.search_text = "\n".join([case.search_text, *texts]).strip()[:SEARCH_TEXT_LIMIT]
        for signal in signals:
            signal.case = case
    accuracies = best_source_accuracies(cases.values())
    for (account_id, policy_id), case in cases.items():
        reprioritise(case, accounts[account_id], policies[policy_id], accuracies[case.pk], now)
        case.version += 1
    update_rows(
        Case,
        list(cases.values()),
        [
            "signal_count",
            "max_score",
            "sources",
            "has_reports",
            "has_detections",
            "search_text",
            "priority",
            "priority_parts",
            "version",
        ],
    )
    update_rows(Signal, new_signals, ["case"])
    audit = []
    for key, case in sorted(cases.items(), key=lambda kv: kv[1].pk):
        account = accounts[key[0]]
        count_before, priority_before = before[key]
        if key in opened:
            audit.append(
                {
                    "actor": actor,
                    "action": AuditAction.CASE_OPENED,
                    "target": case,
                    "subject_account": account.external_id,
                    "case_id": case.pk,
                    "changes": {
                        "status": [None, case.status],
                        "priority": [None, case.priority],
                        "signal_count": [None, case.signal_count],
                    },
                }
            )
        else:
            audit.append(
                {
                    "actor": actor,
                    "action": AuditAction.CASE_SIGNALS_ADDED,
                    "target": case,
                    "subject_account": account.external_id,
                    "case_id": case.pk,
                    "changes": {
                        "signal_count": [count_before, case.signal_count],
                        "priority": [priority_before, case.priority],
                    },
                }
            )
    record_many(audit)
    return len(opened)


def ingest(*, client, items, now=None):
    """Store a batch of validated items. Returns one ItemResult per item, in order."""
    now = now or timezone.now()
    batch = uuid.uuid4()
    results = [None] * len(items)
    _resolve_policies(client, items, results)
    _reject_kind_conflicts(items, results)
    valid = [item for index, item in enumerate(items) if results[index] is None]
    with transaction.atomic():
        specs = [item.subject for item in valid] + [item.reporter for item in valid if item.reporter]
        accounts = ensure_accounts(actor=client, specs=specs, default_kind=AccountKind.FREELANCER) if specs else {}
        # A concurrent batch may have created an account with another kind since we looked.
        late = find_kind_conflicts(specs)
        for index, item in enumerate(items):
            if results[index] is None and item.subject.external_id in late:
                results[index] = ItemResult(
                    item.client_item_id, "rejected", errors={"subject": {"kind": "conflicts with the stored account"}}
                )
        valid = [item for index, item in enumerate(items) if results[index] is None]
        _store_content(valid, accounts)
        reporters = _reporters(valid, accounts)
        rows = sorted(
            (
                Signal(
                    api_client=client,
                    client_item_id=item.client_item_id,
                    source=item.source,
                    detector_id=client.detector_id if item.source == SignalSource.DETECTOR else None,
                    reporter=reporters.get(accounts[item.reporter.external_id].pk) if item.reporter else None,
                    report_reason=getattr(item, "report_reason", None),
                    policy=item.policy,
                    account=accounts[item.subject.external_id],
                    content=getattr(item, "content_version", None),
                    score=item.score,
                    observed_at=item.observed_at,
                    received_at=now,
                    evidence=item.evidence,
                    comment=item.comment,
                    intake_batch=batch,
                )
                for item in valid
            ),
            key=lambda signal: signal.client_item_id,
        )
        by_id = {signal.client_item_id: signal for signal in rows}
        Signal.objects.bulk_create(rows, ignore_conflicts=True)
        stored = Signal.objects.filter(api_client=client, client_item_id__in=by_id).only(
            "pk", "client_item_id", "case_id", "intake_batch"
        )
        new_signals = []
        stored_by_id = {}
        for signal in stored:
            stored_by_id[signal.client_item_id] = signal
            if signal.intake_batch == batch:
                mine = by_id[signal.client_item_id]
                mine.pk = signal.pk
                new_signals.append(mine)
        opened = _group_into_cases(client, new_signals, now) if new_signals else 0
        for index, item in enumerate(items):
            if results[index] is not None:
                continue
            signal = stored_by_id[item.client_item_id]
            if signal.intake_batch == batch:
                results[index] = ItemResult(item.client_item_id, "created", case=by_id[item.client_item_id].case_id)
            else:
                results[index] = ItemResult(item.client_item_id, "duplicate", case=signal.case_id)
        counts = {
            status: sum(1 for r in results if r.status == status) for status in ("created", "duplicate", "rejected")
        }
        if counts["created"]:
            record_many(
                [
                    {
                        "actor": client,
                        "action": AuditAction.INTAKE_BATCH,
                        "target_type": "cases.apiclient",
                        "target_id": client.pk,
                        "context": {**counts, "batch": str(batch), "cases_opened": opened},
                    }
                ]
            )
    return results
