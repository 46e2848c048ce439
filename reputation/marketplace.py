"""Contracts from the marketplace: idempotent upserts by external id, each change audited."""

from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from reputation.models import AccountKind, Contract, InterimFeedback
from reputation.services import AccountSpec, ensure_accounts, find_kind_conflicts
from trustconsole.models import AuditAction
from trustconsole.services import record_many

CONTRACT_FIELDS = (
    "kind",
    "title",
    "started_at",
    "ended_at",
    "earnings_cents",
    "end_reason",
    "client_private",
    "client_public",
    "freelancer_public",
    "feedback_at",
    "dispute_outcome",
    "work_submitted_at",
    "client_responded_at",
    "refund_after_delivery_at",
)


@dataclass
class ContractRecord:
    external_id: str
    freelancer: str
    client: str
    values: dict
    interim: list = field(default_factory=list)  # (client_private, client_public, freelancer_public, at)


def _interim_key(rows):
    return sorted((r[0], r[1], r[2], r[3].isoformat() if isinstance(r[3], datetime) else r[3]) for r in rows)


def import_contracts(*, actor, records):
    """Upsert contracts; returns {external_id: "created" | "updated" | "unchanged" | error text}."""
    outcome = {}
    client_specs = [AccountSpec(r.client, kind=AccountKind.CLIENT) for r in records]
    specs = [AccountSpec(r.freelancer) for r in records] + client_specs
    conflicts = find_kind_conflicts(client_specs)
    usable = []
    for record in records:
        if record.freelancer == record.client:
            outcome[record.external_id] = "freelancer and client must be different accounts"
        elif conflicts.get(record.client) == AccountKind.FREELANCER:
            outcome[record.external_id] = f"account {record.client} is a freelancer, not a client"
        else:
            usable.append(record)
    with transaction.atomic():
        accounts = ensure_accounts(actor=actor, specs=specs, default_kind=AccountKind.FREELANCER) if usable else {}
        stored = {
            c.external_id: c
            for c in Contract.objects.select_for_update().filter(external_id__in=[r.external_id for r in usable])
        }
        events = []
        for record in sorted(usable, key=lambda r: r.external_id):
            contract = stored.get(record.external_id)
            freelancer, client = accounts[record.freelancer], accounts[record.client]
            if contract is None:
                contract = Contract.objects.create(
                    external_id=record.external_id, freelancer=freelancer, client=client, **record.values
                )
                changes, action, status = {"kind": [None, contract.kind]}, AuditAction.CONTRACT_CREATED, "created"
            else:
                if (contract.freelancer_id, contract.client_id) != (freelancer.pk, client.pk):
                    outcome[record.external_id] = "a contract's freelancer and client cannot change"
                    continue
                changes = {
                    name: [getattr(contract, name), value]
                    for name, value in record.values.items()
                    if getattr(contract, name) != value
                }
                before_interim = list(
                    contract.interim_feedback.values_list("client_private", "client_public", "freelancer_public", "at")
                )
                if _interim_key(before_interim) != _interim_key(record.interim):
                    changes["interim_feedback"] = [len(before_interim), len(record.interim)]
                if not changes:
                    outcome[record.external_id] = "unchanged"
                    continue
                for name in record.values:
                    setattr(contract, name, record.values[name])
                contract.save(update_fields=[*record.values, "updated_at"])
                action, status = AuditAction.CONTRACT_UPDATED, "updated"
            contract.interim_feedback.all().delete()
            InterimFeedback.objects.bulk_create(
                [
                    InterimFeedback(contract=contract, client_private=p, client_public=c, freelancer_public=f, at=at)
                    for p, c, f, at in record.interim
                ]
            )
            outcome[record.external_id] = status
            events.append(
                {
                    "actor": actor,
                    "action": action,
                    "target": contract,
                    "subject_account": record.freelancer,
                    "changes": {k: v for k, v in changes.items() if k not in ("client_private",)},
                    "context": {"client": record.client},
                }
            )
        record_many(events)
    return outcome
