"""POST /api/v1/appeals and GET /api/v1/decisions: the marketplace files appeals and reads the
decisions it must enforce."""

from datetime import datetime
from typing import Annotated

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Query, Router, Schema
from pydantic import BeforeValidator, Field, ValidationError

from cases.models import ApiScope, EnforcementAction
from cases.services.appeals import AppealRefused, file_appeal
from trustconsole.api import (
    ERROR_RESPONSES,
    ApiError,
    ErrorOut,
    bearer_client,
    documented_body,
    enforce_rate_limit,
    read_json,
    require_scope,
)
from trustconsole.api_schemas import ExternalId, ItemId, Strict, Text
from trustconsole.selectors import decisions_after

router = Router(tags=["enforcement"])
MAX_FEED_PAGE = 1000


def _whole_number(value):
    # JSON Schema counts 12.0 as an integer, so generated clients may send it; true and "12" stay errors.
    return int(value) if isinstance(value, float) and value.is_integer() else value


class AppealIn(Strict):
    id: ItemId
    action: Annotated[int, BeforeValidator(_whole_number)] = Field(ge=1, le=2**63 - 1)
    account: ExternalId
    statement: Text(8000, min_length=1)


class AppealOut(Schema):
    id: int
    client_id: str
    action: int
    status: str
    filed_at: datetime
    created: bool


def _appeal_out(appeal, created):
    return {
        "id": appeal.pk,
        "client_id": appeal.client_appeal_id,
        "action": appeal.action_id,
        "status": appeal.status,
        "filed_at": appeal.filed_at,
        "created": created,
    }


@router.post(
    "/appeals",
    auth=bearer_client,
    response={201: AppealOut, 200: AppealOut, 404: ErrorOut, 409: ErrorOut, **ERROR_RESPONSES},
    openapi_extra=documented_body(AppealIn),
    summary="File an appeal",
)
def post_appeal(request):
    """An account's appeal against an applied action, within its window. `id` is your own key:
    sending it again answers 200 with the first appeal. 404 when the action is unknown or is not
    about that account; 409 when the window has closed, the action is not applied, or it was
    already appealed."""
    client = request.auth
    require_scope(client, ApiScope.APPEALS)
    enforce_rate_limit(client)
    payload = read_json(request)
    try:
        item = AppealIn.model_validate(payload)
    except ValidationError as error:
        fields = {".".join(str(p) for p in e["loc"]) or "body": e["msg"] for e in error.errors()}
        raise ApiError(400, "invalid", "The appeal does not match the schema.", fields) from error
    action = EnforcementAction.objects.select_related("account").filter(pk=item.action).first()
    if action is None or action.account.external_id != item.account:
        raise ApiError(404, "not_found", f"No action {item.action} about account {item.account!r}.")
    try:
        appeal, created = file_appeal(
            actor=client,
            action_id=action.pk,
            statement=item.statement,
            filed_via=f"api:{client.name}",
            client_appeal_id=item.id,
        )
    except AppealRefused as error:
        raise ApiError(409, "refused", " ".join(error.messages)) from error
    except DjangoValidationError as error:
        raise ApiError(400, "invalid", " ".join(error.messages)) from error
    return (201 if created else 200), _appeal_out(appeal, created)


class DecisionOut(Schema):
    cursor: str
    type: str
    occurred_at: datetime
    account: str
    case: int | None
    target_type: str
    target_id: str
    reason: str
    changes: dict
    details: dict


class DecisionPage(Schema):
    decisions: list[DecisionOut]
    next_cursor: str


@router.get(
    "/decisions",
    auth=bearer_client,
    response={200: DecisionPage, **ERROR_RESPONSES},
    summary="Read the decisions feed",
)
def get_decisions(
    request,
    after: str = Query("0", pattern=r"^[0-9]{1,18}$", description="The `next_cursor` of the page before."),
    limit: int = Query(100, ge=1, le=MAX_FEED_PAGE),
):
    """Decisions to enforce, oldest first: actions applied and reversed, restrictions lifted,
    badges awarded, revoked and restored. Pass the last `next_cursor` as `after` to resume; delivery is
    at least once, so treat a repeated cursor as already seen."""
    client = request.auth
    require_scope(client, ApiScope.DECISIONS)
    enforce_rate_limit(client)
    if not after.isdigit() or len(after) > 18:
        raise ApiError(400, "invalid", "`after` must be a cursor this feed gave you.", {"after": "not a cursor"})
    if not 1 <= limit <= MAX_FEED_PAGE:
        raise ApiError(400, "invalid", f"`limit` must be between 1 and {MAX_FEED_PAGE}.", {"limit": "out of range"})
    events = decisions_after(int(after), limit)
    return {
        "decisions": [
            {
                "cursor": str(event.pk),
                "type": event.action,
                "occurred_at": event.occurred_at,
                "account": event.subject_account,
                "case": event.case_id,
                "target_type": event.target_type,
                "target_id": event.target_id,
                "reason": event.reason,
                "changes": event.changes,
                "details": event.context,
            }
            for event in events
        ],
        "next_cursor": str(events[-1].pk) if events else after,
    }
