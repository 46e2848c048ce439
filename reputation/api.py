"""POST /api/v1/accounts and /api/v1/contracts (scope `marketplace`), and GET /api/v1/accounts/{id}.

Same contract as the signals API: items are validated one by one, valid ones are kept when others
are rejected, and each gets its own result.
"""

from datetime import datetime
from typing import Literal

from django.utils import timezone
from ninja import Router, Schema
from pydantic import Field, model_validator

from reputation.marketplace import ContractRecord, import_contracts
from reputation.models import Account, Badge, Restriction
from reputation.scores import latest_snapshot
from reputation.services import API_ACCOUNT_FIELDS, import_accounts
from trustconsole.api import (
    ERROR_RESPONSES,
    ApiError,
    ErrorOut,
    bearer_client,
    documented_body,
    enforce_rate_limit,
    require_scope,
    validate_batch,
)
from trustconsole.api_schemas import ExternalId, ItemId, Strict, Text, Timestamp

router = Router(tags=["marketplace"])
MARKETPLACE = "marketplace"


class AccountIn(Strict):
    id: ExternalId
    kind: Literal["freelancer", "client", "agency"]
    name: Text(200) = ""
    email: Text(254, pattern=r"^$|^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$") = ""
    country: Text(2, pattern=r"^[A-Z]{2}$") | None = None
    joined_at: Timestamp | None = None
    identity_verified: bool = False
    payment_verified: bool = False


class FeedbackIn(Strict):
    client_private: int | None = Field(None, ge=0, le=10)
    client_public: int | None = Field(None, ge=1, le=5)
    freelancer_public: int | None = Field(None, ge=1, le=5)
    at: Timestamp


class DisputeIn(Strict):
    outcome: Literal["freelancer_lost", "client_lost", "settled"]


class ContractIn(Strict):
    id: ItemId
    freelancer: ExternalId
    client: ExternalId
    kind: Literal["hourly", "fixed"]
    title: Text(200) = ""
    started_at: Timestamp
    ended_at: Timestamp | None = None
    earnings_cents: int = Field(ge=0, le=10**12)
    end_reason: Text(100) = ""
    feedback: FeedbackIn | None = None
    interim_feedback: list[FeedbackIn] = Field(default_factory=list, max_length=50)
    dispute: DisputeIn | None = None
    work_submitted_at: Timestamp | None = Field(None, description="The freelancer's latest submission of work.")
    client_responded_at: Timestamp | None = Field(None, description="The client's first response to that submission.")
    refund_after_delivery_at: Timestamp | None = Field(
        None, description="When the client forced a refund or cancellation after work was delivered."
    )

    @model_validator(mode="after")
    def dates_in_order(self):
        if self.ended_at and self.ended_at < self.started_at:
            raise ValueError("ended_at is before started_at")
        if self.client_responded_at and not self.work_submitted_at:
            raise ValueError("client_responded_at needs work_submitted_at")
        if self.client_responded_at and self.client_responded_at < self.work_submitted_at:
            raise ValueError("client_responded_at is before work_submitted_at")
        if self.freelancer == self.client:
            raise ValueError("freelancer and client must be different accounts")
        return self

    def record(self):
        feedback = self.feedback
        return ContractRecord(
            external_id=self.id,
            freelancer=self.freelancer,
            client=self.client,
            values={
                "kind": self.kind,
                "title": self.title,
                "started_at": self.started_at,
                "ended_at": self.ended_at,
                "earnings_cents": self.earnings_cents,
                "end_reason": self.end_reason,
                "client_private": feedback.client_private if feedback else None,
                "client_public": feedback.client_public if feedback else None,
                "freelancer_public": feedback.freelancer_public if feedback else None,
                "feedback_at": feedback.at if feedback else None,
                "dispute_outcome": self.dispute.outcome if self.dispute else "",
                "work_submitted_at": self.work_submitted_at,
                "client_responded_at": self.client_responded_at,
                "refund_after_delivery_at": self.refund_after_delivery_at,
            },
            interim=[(f.client_private, f.client_public, f.freelancer_public, f.at) for f in self.interim_feedback],
        )


class AccountBatchIn(Strict):
    accounts: list[AccountIn] = Field(max_length=1000)


class ContractBatchIn(Strict):
    contracts: list[ContractIn] = Field(max_length=1000)


class UpsertResultOut(Schema):
    id: str | None
    status: Literal["created", "updated", "unchanged", "rejected"]
    errors: dict


class UpsertCounts(Schema):
    created: int
    updated: int
    unchanged: int
    rejected: int


class UpsertOut(Schema):
    results: list[UpsertResultOut]
    counts: UpsertCounts


def _validate_items(request, envelope_key, model):
    client = request.auth
    require_scope(client, MARKETPLACE)
    enforce_rate_limit(client)
    count, valid, rejected = validate_batch(request, envelope_key, model)
    results = [None] * count
    for index, (shown_id, errors) in rejected.items():
        results[index] = {"id": shown_id, "status": "rejected", "errors": errors}
    for index, item in valid:
        results[index] = {"id": item.id, "status": None, "errors": {}}
    return client, results, [item for _, item in valid]


def _answer(results):
    counts = {s: sum(1 for r in results if r["status"] == s) for s in ("created", "updated", "unchanged", "rejected")}
    return {"results": results, "counts": counts}


@router.post(
    "/accounts",
    auth=bearer_client,
    response={200: UpsertOut, **ERROR_RESPONSES},
    openapi_extra=documented_body(AccountBatchIn),
    summary="Send marketplace accounts",
)
def post_accounts(request):
    """Up to 1,000 accounts, created or updated by `id`. Sending the same record again changes
    nothing and answers `unchanged`."""
    client, results, valid = _validate_items(request, "accounts", AccountIn)
    accounts = [
        Account(
            external_id=item.id,
            kind=item.kind,
            name=item.name,
            email=item.email,
            country=item.country or "",
            joined_at=item.joined_at,
            identity_verified=item.identity_verified,
            payment_verified=item.payment_verified,
        )
        for item in valid
    ]
    outcome = (
        import_accounts(actor=client, accounts=accounts, fields=API_ACCOUNT_FIELDS, report=True) if accounts else {}
    )
    for result in results:
        if result["status"] is None:
            result["status"] = outcome[result["id"]]
    return _answer(results)


@router.post(
    "/contracts",
    auth=bearer_client,
    response={200: UpsertOut, **ERROR_RESPONSES},
    openapi_extra=documented_body(ContractBatchIn),
    summary="Send marketplace contracts",
)
def post_contracts(request):
    """Up to 1,000 contracts, created or updated by `id`, with feedback both ways, interim
    feedback and the dispute outcome. Accounts named here that are not known yet are created."""
    client, results, valid = _validate_items(request, "contracts", ContractIn)
    outcome = import_contracts(actor=client, records=[item.record() for item in valid]) if valid else {}
    for result in results:
        if result["status"] is None:
            status = outcome[result["id"]]
            if status in ("created", "updated", "unchanged"):
                result["status"] = status
            else:
                result["status"], result["errors"] = "rejected", {"item": status}
    return _answer(results)


class RestrictionOut(Schema):
    kind: str
    capabilities: list[str]
    starts_at: datetime
    ends_at: datetime | None


class AccountOut(Schema):
    id: str
    kind: str
    status: str
    restrictions: list[RestrictionOut]
    badges: list[str]
    score: int | None = Field(description="The public success score as a whole percentage, when public.")


@router.get(
    "/accounts/{account_id}",
    auth=bearer_client,
    response={200: AccountOut, 404: ErrorOut, **ERROR_RESPONSES},
    summary="Read an account's standing",
)
def get_account(request, account_id: str):
    """Standing, restrictions in force, badges held and the public score."""
    client = request.auth
    require_scope(client, MARKETPLACE)
    enforce_rate_limit(client)
    account = Account.objects.filter(external_id=account_id).first()
    if account is None:
        raise ApiError(404, "not_found", f"No account {account_id!r}.")
    snapshot = latest_snapshot(account)
    return {
        "id": account.external_id,
        "kind": account.kind,
        "status": account.status,
        "restrictions": list(Restriction.objects.filter(account=account).active_at(timezone.now())),
        "badges": list(Badge.objects.filter(account=account, revoked_at__isnull=True).values_list("tier", flat=True)),
        "score": round(100 * snapshot.score) if snapshot and snapshot.public else None,
    }
