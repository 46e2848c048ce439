"""Intake: detector signals and user reports are stored as signals, then grouped into cases.

One batch is one transaction of set-based statements, so a batch of 500 costs a dozen
statements. Each phase inserts its rows sorted by key (accounts, content, signals), so concurrent
batches wait for each other in one order and never deadlock. The API's batches (`accept`) leave
grouping to a job (cases.services.grouping); `ingest` groups in the same transaction.
"""

import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from cases.models import ContentItem, ContentVersion, Policy, Reporter, ReportReason, Signal, SignalSource, Visibility
from cases.services.grouping import group_signals, schedule_grouping, waiting_signals
from reputation.models import AccountKind
from reputation.services import AccountSpec, ensure_account_ids, find_kind_conflicts
from trustconsole.db import copy_rows, insert_rows, prefer_index_lookups, rows_by_keys
from trustconsole.models import AuditAction
from trustconsole.services import record_many

SIGNAL_COLUMNS = [
    "api_client",
    "client_item_id",
    "source",
    "detector",
    "reporter",
    "report_reason",
    "policy",
    "account",
    "content",
    "score",
    "observed_at",
    "received_at",
    "evidence",
    "comment",
    "intake_batch",
]


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


def _reject(results, index, item, errors):
    results[index] = ItemResult(item.client_item_id, "rejected", errors=errors)


def _reject_late_kind_conflicts(items, results, accounts):
    """A concurrent batch may have created an account with another kind since we looked."""
    for index, item in enumerate(items):
        if results[index] is not None:
            continue
        for spec in (item.subject, item.reporter):
            if spec and spec.kind and accounts[spec.external_id][1] != spec.kind:
                _reject(results, index, item, {"subject": {"kind": "conflicts with the stored account"}})
                break


def _store_content(items, accounts, now):
    """Upsert content items and their frozen versions; set item.content_version_id."""
    with_content = [item for item in items if item.content and item.content.get("id")]
    if not with_content:
        return
    authors = {(i.content["type"], i.content["id"]): accounts[i.subject.external_id][0] for i in with_content}
    keys = sorted(authors)
    stored = insert_rows(
        ContentItem,
        ["content_type", "external_id", "author", "visibility", "first_seen_at"],
        [(kind, external_id, authors[(kind, external_id)], Visibility.VISIBLE, now) for kind, external_id in keys],
        skip_conflicts=True,
        returning=("content_type", "external_id", "id"),
    )
    stored = _with_earlier(ContentItem, ["content_type", "external_id"], keys, stored)
    versions = {}
    for item in with_content:
        text = item.content.get("text", "")
        item.version_key = (stored[(item.content["type"], item.content["id"])], ContentVersion.hash_text(text))
        url, created_at = item.content.get("url", ""), item.content.get("created_at")
        versions.setdefault(item.version_key, (*item.version_key, text, url, created_at, now))
    saved = insert_rows(
        ContentVersion,
        ["item", "sha256", "text", "url", "created_at", "seen_at"],
        [versions[key] for key in sorted(versions)],
        skip_conflicts=True,
        returning=("item", "sha256", "id"),
    )
    saved = _with_earlier(ContentVersion, ["item", "sha256"], sorted(versions), saved)
    for item in with_content:
        item.content_version_id = saved[item.version_key]


def _with_earlier(model, key_fields, keys, inserted):
    """{key: id} for every key: the rows just inserted, and the ones that were there before."""
    found = {tuple(row[:-1]): row[-1] for row in inserted}
    missing = [key for key in keys if key not in found]
    found.update({tuple(row[:-1]): row[-1] for row in rows_by_keys(model, key_fields, missing, [*key_fields, "id"])})
    return found


def _reporters(items, accounts):
    ids = sorted({accounts[item.reporter.external_id][0] for item in items if item.reporter})
    if not ids:
        return {}
    Reporter.objects.bulk_create([Reporter(account_id=pk) for pk in ids], ignore_conflicts=True)
    return dict(Reporter.objects.filter(account_id__any_of=ids).values_list("account_id", "pk"))


def _store(client, items, now):
    """Store a batch's valid items as ungrouped signals, inside the caller's transaction.

    Returns one ItemResult per item (created ones without a case yet), the client item ids of
    the signals it created, and the audit rows for the caller to record last: the audit chain's
    lock is held from then until commit, so it must come after every row lock the batch takes.
    """
    prefer_index_lookups()
    batch = uuid.uuid4()
    results = [None] * len(items)
    _resolve_policies(client, items, results)
    _reject_kind_conflicts(items, results)
    _replays(client, items, results)
    valid = [item for index, item in enumerate(items) if results[index] is None]
    specs = [item.subject for item in valid] + [item.reporter for item in valid if item.reporter]
    audit = []
    accounts = {}
    if specs:
        accounts = ensure_account_ids(actor=client, specs=specs, default_kind=AccountKind.FREELANCER, audit_rows=audit)
    _reject_late_kind_conflicts(items, results, accounts)
    valid = sorted(
        (item for index, item in enumerate(items) if results[index] is None), key=lambda item: item.client_item_id
    )
    _store_content(valid, accounts, now)
    reporters = _reporters(valid, accounts)
    rows = [
        (
            client.pk,
            item.client_item_id,
            item.source,
            client.detector_id if item.source == SignalSource.DETECTOR else None,
            reporters[accounts[item.reporter.external_id][0]] if item.reporter else None,
            item.report_reason.pk if item.source == SignalSource.REPORT else None,
            item.policy.pk,
            accounts[item.subject.external_id][0],
            getattr(item, "content_version_id", None),
            item.score,
            item.observed_at,
            now,
            item.evidence,
            item.comment,
            batch,
        )
        for item in valid
    ]
    if copy_rows(Signal, SIGNAL_COLUMNS, rows):
        created = {row[1] for row in rows}
    else:
        # A concurrent request stored some of these ids since we looked: skip those rows instead.
        created = {
            item_id
            for (item_id,) in insert_rows(
                Signal, SIGNAL_COLUMNS, rows, skip_conflicts=True, returning=("client_item_id",)
            )
        }
    for index, item in enumerate(items):
        if results[index] is None and item.client_item_id in created:
            results[index] = ItemResult(item.client_item_id, "created")
    if len(created) < len(rows):
        _replays(client, items, results)
    counts = {status: sum(1 for r in results if r.status == status) for status in ("created", "duplicate", "rejected")}
    if created:
        audit.append(
            {
                "actor": client,
                "action": AuditAction.INTAKE_BATCH,
                "target_type": "cases.apiclient",
                "target_id": client.pk,
                "context": {**counts, "batch": str(batch)},
            }
        )
    return results, created, audit


def _replays(client, items, results):
    """Mark as duplicates the undecided items whose id this client sent before, naming their case."""
    wanted = [item.client_item_id for index, item in enumerate(items) if results[index] is None]
    if not wanted:
        return
    earlier = Signal.objects.filter(api_client=client, client_item_id__any_of=wanted)
    earlier = dict(earlier.values_list("client_item_id", "case_id"))
    for index, item in enumerate(items):
        if results[index] is None and item.client_item_id in earlier:
            results[index] = ItemResult(item.client_item_id, "duplicate", case=earlier[item.client_item_id])


def accept(*, client, items, now=None):
    """The API's intake: store a batch of validated items now and group them in a job, so that
    requests never wait on each other's cases. Returns one ItemResult per item, in order; created
    items name no case yet."""
    with transaction.atomic():
        results, created, audit = _store(client, items, now or timezone.now())
        record_many(audit)
        if created:
            schedule_grouping()
    return results


def ingest(*, client, items, now=None):
    """Store a batch and group it in the same transaction (the demo, referrals, tests): every
    created item's result names its case. Returns one ItemResult per item, in order."""
    now = now or timezone.now()
    with transaction.atomic():
        results, created, audit = _store(client, items, now)
        if created:
            stored = Signal.objects.filter(api_client=client, client_item_id__any_of=sorted(created))
            signals = waiting_signals(stored.order_by("pk"))
            audit += group_signals(actor=client, signals=signals, now=now)
        record_many(audit)
    if not created:
        return results
    case_of = dict(stored.values_list("client_item_id", "case_id"))
    for result in results:
        if result.status == "created":
            result.case = case_of[result.id]
    return results
