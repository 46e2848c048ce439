from datetime import UTC, date, datetime, timedelta

import pytest

from cases.services.api_clients import create_api_client
from reputation.models import Account, Contract, ScoreRun, ScoreSnapshot
from trustconsole.actors import SystemActor

ROBOT = SystemActor("test-setup")


@pytest.fixture
def market_token(db):
    _, token = create_api_client(actor=ROBOT, name="marketplace", scopes=["marketplace"])
    return token


def monday_at_noon(weeks_from_start, start=date(2026, 6, 1)):
    """A moment in a test week: week 0 starts on a fixed Monday."""
    day = start + timedelta(weeks=weeks_from_start)
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def freelancer_with_record(external_id="fl-star", joined=datetime(2024, 1, 1, tzinfo=UTC)):
    """A freelancer with enough earnings, clients and activity for Top Rated; the score is set
    per week with score_week."""
    freelancer = Account.objects.create(external_id=external_id, kind="freelancer", joined_at=joined, country="PT")
    client = Account.objects.create(external_id=f"{external_id}-client", kind="client", payment_verified=True)
    Contract.objects.create(
        external_id=f"{external_id}-big",
        freelancer=freelancer,
        client=client,
        kind="hourly",
        started_at=datetime(2025, 1, 1, tzinfo=UTC),
        earnings_cents=2_000_000,
    )
    return freelancer


def score_week(account, moment, score, lower_bound, clients=5):
    """A finished score run as of a moment with one snapshot for the account."""
    run = ScoreRun.objects.create(as_of=moment, params_version=1, started_at=moment, finished_at=moment)
    return ScoreSnapshot.objects.create(
        account=account,
        run=run,
        as_of=moment,
        params_version=1,
        score=score,
        lower_bound=lower_bound,
        effective_sample_size=10,
        eligible_contracts=12,
        distinct_clients=clients,
        public=True,
    )
