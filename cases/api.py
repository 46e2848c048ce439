"""POST /api/v1/signals and /api/v1/reports: detector hits and user flags in.

Items are validated one by one so that valid items are kept when others are rejected; the body
schemas are still published in the OpenAPI document (trustconsole.api.documented_body).
"""

import json
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.http import JsonResponse
from ninja import Router, Schema
from pydantic import (
    Field,
    field_validator,
)

from cases.models import ApiScope, SignalSource
from cases.services.intake import IntakeItem, ItemResult, accept
from reputation.services import AccountSpec
from trustconsole.api import (
    ERROR_RESPONSES,
    bearer_client,
    documented_body,
    enforce_rate_limit,
    require_scope,
    validate_batch,
)
from trustconsole.api_schemas import ExternalId, ItemId, Strict, Text, Timestamp

router = Router(tags=["intake"])

MAX_EVIDENCE_BYTES = 16 * 1024
# A detector's clock may run a little ahead; anything further in the future is a bad timestamp.
CLOCK_SKEW = timedelta(minutes=5)


class SubjectIn(Strict):
    id: ExternalId
    kind: Literal["freelancer", "client", "agency"] | None = None
    name: Text(200) = ""
    country: Text(2, pattern=r"^[A-Z]{2}$") | None = None

    def spec(self):
        return AccountSpec(external_id=self.id, kind=self.kind or "", name=self.name, country=self.country or "")


class ContentIn(Strict):
    type: Literal["job_post", "proposal", "message", "profile", "review"]
    id: ExternalId
    text: Text(50_000) = ""
    url: Text(2000) = ""
    created_at: Timestamp | None = None


def _not_in_future(moment):
    if moment > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return moment


class SignalIn(Strict):
    id: ItemId
    policy: Text(20, min_length=1) | None = Field(None, description="Policy code; defaults to the detector's policy.")
    subject: SubjectIn
    content: ContentIn | None = None
    score: float = Field(ge=0, le=1)
    observed_at: Timestamp
    evidence: dict = Field(default_factory=dict, description="Any JSON object up to 16 KiB.")

    _observed = field_validator("observed_at")(_not_in_future)

    @field_validator("evidence")
    @classmethod
    def evidence_fits(cls, evidence):
        encoded = json.dumps(evidence)
        if len(encoded.encode()) > MAX_EVIDENCE_BYTES:
            raise ValueError(f"must be at most {MAX_EVIDENCE_BYTES} bytes as JSON")
        if "\\u0000" in encoded:
            raise ValueError("must not contain NUL characters")
        return evidence

    def intake_item(self):
        return IntakeItem(
            client_item_id=self.id,
            source=SignalSource.DETECTOR,
            subject=self.subject.spec(),
            observed_at=self.observed_at,
            policy_code=self.policy or "",
            content=dict(self.content) if self.content else None,
            score=self.score,
            evidence=self.evidence,
        )


class ReportIn(Strict):
    id: ItemId
    reporter: SubjectIn
    reason: Text(60, min_length=1)
    subject: SubjectIn
    content: ContentIn | None = None
    comment: Text(4000) = ""
    observed_at: Timestamp | None = None

    _observed = field_validator("observed_at")(lambda moment: moment and _not_in_future(moment))

    def intake_item(self):
        return IntakeItem(
            client_item_id=self.id,
            source=SignalSource.REPORT,
            subject=self.subject.spec(),
            observed_at=self.observed_at or datetime.now(UTC),
            reason_code=self.reason,
            reporter=self.reporter.spec(),
            content=dict(self.content) if self.content else None,
            comment=self.comment,
        )


class SignalBatchIn(Strict):
    signals: list[SignalIn] = Field(max_length=1000)


class ReportBatchIn(Strict):
    reports: list[ReportIn] = Field(max_length=1000)


class ItemResultOut(Schema):
    id: str | None
    status: Literal["created", "duplicate", "rejected"]
    case: int | None = Field(
        description="The case the signal joined. Signals are grouped into cases just after they are stored "
        "(usually within a second), so a created item names none yet; a duplicate names its case once grouped."
    )
    errors: dict


class BatchCounts(Schema):
    created: int
    duplicate: int
    rejected: int


class BatchOut(Schema):
    results: list[ItemResultOut]
    counts: BatchCounts


def _process(request, scope, envelope_key, model):
    client = request.auth
    require_scope(client, scope)
    enforce_rate_limit(client)
    count, valid, rejected = validate_batch(request, envelope_key, model)
    results = [None] * count
    for index, (shown_id, errors) in rejected.items():
        results[index] = ItemResult(shown_id, "rejected", errors=errors)
    stored = accept(client=client, items=[item.intake_item() for _, item in valid])
    for (index, _), result in zip(valid, stored, strict=True):
        results[index] = result
    counts = {status: sum(1 for r in results if r.status == status) for status in ("created", "duplicate", "rejected")}
    # Written out directly: checking a thousand result dicts against BatchOut, which the results
    # are built to match and the schema tests hold them to, cost a tenth of the request.
    return JsonResponse({"results": [r.as_dict() for r in results], "counts": counts})


@router.post(
    "/signals",
    auth=bearer_client,
    response={200: BatchOut, **ERROR_RESPONSES},
    openapi_extra=documented_body(SignalBatchIn),
    summary="Send detector signals",
)
def post_signals(request):
    """Up to 1,000 signals. Each is kept, recognised as a replay of an id this client sent before,
    or rejected with its errors; valid items are kept even when others are rejected. Just after it
    is stored, a signal joins the open case of its account and policy, or opens one."""
    return _process(request, ApiScope.SIGNALS, "signals", SignalIn)


@router.post(
    "/reports",
    auth=bearer_client,
    response={200: BatchOut, **ERROR_RESPONSES},
    openapi_extra=documented_body(ReportBatchIn),
    summary="Send user reports",
)
def post_reports(request):
    """Up to 1,000 reports from members. `reason` is a report-reason code for the content's type
    (profile when no content is named), mapped by admins to a policy."""
    return _process(request, ApiScope.REPORTS, "reports", ReportIn)
