"""Hand-built histories for the dashboards: rows made directly, at fixed times, so every figure
can be worked out by hand in the test that checks it."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from cases.models import ApiClient, Case, CaseStatus, Detector, EnforcementAction, Policy, Signal
from cases.tests.conftest import catalogue  # noqa: F401  (a fixture)
from conftest import make_staff
from reputation.models import Account
from trustconsole.roles import ANALYST

NOW = datetime(2026, 6, 30, 12, 0, tzinfo=UTC)


def ago(**delta):
    return NOW - timedelta(**delta)


class History:
    def __init__(self):
        self.accounts = 0
        self.api_client = None

    def account(self, country="NG", kind="freelancer"):
        self.accounts += 1
        return Account.objects.create(external_id=f"acct-{self.accounts}", kind=kind, country=country)

    def case(self, policy="CIR-PAY", *, opened, status=CaseStatus.OPEN, account=None, **fields):
        policy = Policy.objects.get(code=policy)
        account = account or self.account()
        fields.setdefault("due_at", opened + timedelta(hours=policy.sla_hours))
        if status in (CaseStatus.ACTIONED, CaseStatus.DISMISSED):
            fields.setdefault("closed_at", fields.get("decided_at") or opened)
        return Case.objects.create(
            account=account,
            policy=policy,
            queue=policy.queue,
            area=policy.area,
            country=account.country,
            status=status,
            opened_at=opened,
            **fields,
        )

    def signal(self, case, detector_slug):
        if self.api_client is None:
            self.api_client = ApiClient.objects.create(name="history", token_prefix="hist", token_hash="x" * 64)
        return Signal.objects.create(
            api_client=self.api_client,
            client_item_id=uuid.uuid4().hex,
            source="detector",
            detector=Detector.objects.get(slug=detector_slug),
            policy=case.policy,
            account=case.account,
            case=case,
            observed_at=case.opened_at,
            received_at=case.opened_at,
            intake_batch=uuid.uuid4(),
        )

    def action(self, case, kind="warn", *, by, at, recommended=None, status="applied"):
        return EnforcementAction.objects.create(
            case=case,
            account=case.account,
            policy=case.policy,
            kind=kind,
            strike_number=1,
            recommended_kind=recommended or kind,
            facts="Facts.",
            automated_detection=True,
            proposed_by=by,
            status=status,
            created_at=at,
            applied_at=at if status in ("applied", "reversed") else None,
        )


@pytest.fixture
def history(catalogue):  # noqa: F811
    return History()


@pytest.fixture
def ann(db):
    return make_staff("ann", [ANALYST])


@pytest.fixture
def bob(db):
    return make_staff("bob", [ANALYST])
