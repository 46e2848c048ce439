"""Referring a client to enforcement: a signal from the console's own `client-standards` detector
goes through intake like any other, so the case is grouped, ranked and audited the usual way,
and then it is escalated to the leads."""

import secrets

from django.core.exceptions import ValidationError

from cases.models import ApiClient, ApiScope, Case, Detector, SignalSource
from cases.services.intake import IntakeItem, ingest
from cases.services.work import CLAIMABLE, escalate_case
from reputation.services import AccountSpec

DETECTOR_SLUG = "client-standards"
REFERRAL_POLICY = "CLIENT-STD"


def internal_client():
    """The API client that stands for client standards; its token is never issued to anyone."""
    detector = Detector.objects.get(slug=DETECTOR_SLUG)
    client, _ = ApiClient.objects.get_or_create(
        name="console: client standards",
        defaults={
            "token_prefix": f"int{secrets.token_hex(4)}",
            "token_hash": ApiClient.hash_token(secrets.token_urlsafe(48)),
            "scopes": [ApiScope.SIGNALS],
            "detector": detector,
        },
    )
    return client


def open_referral(*, actor, client, policy_code, item_id, evidence, reason, now):
    """The open case the referral joined or opened, escalated to leads when nobody works it."""
    [result] = ingest(
        client=internal_client(),
        items=[
            IntakeItem(
                client_item_id=item_id,
                source=SignalSource.DETECTOR,
                subject=AccountSpec(client.external_id, kind=client.kind),
                observed_at=now,
                policy_code=policy_code,
                score=1.0,
                evidence=evidence,
                comment=reason,
            )
        ],
        now=now,
    )
    if result.case is None:
        raise ValidationError(f"The referral could not open a case: {result.errors or result.status}.")
    case = Case.objects.get(pk=result.case)
    if case.status in CLAIMABLE and case.assignee_id is None:
        case = escalate_case(actor=actor, case_id=case.pk, expected_version=case.version, reason=reason, now=now)
    return case
