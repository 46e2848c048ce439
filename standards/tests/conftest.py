from datetime import UTC, datetime, timedelta

import pytest

from cases.tests.conftest import act, catalogue, claimed, detector_token, make_case  # noqa: F401
from reputation.models import Account, Contract

NOW = datetime(2026, 11, 2, 12, tzinfo=UTC)


def days_ago(days, now=NOW):
    return now - timedelta(days=days)


def client_account(external_id="cl-rude", **fields):
    fields.setdefault("email", f"{external_id}@example.com")
    fields.setdefault("name", "Rude Hiring Ltd")
    fields.setdefault("joined_at", days_ago(900))
    fields.setdefault("payment_verified", True)
    return Account.objects.create(external_id=external_id, kind="client", **fields)


def freelancer(external_id):
    return Account.objects.create(external_id=external_id, kind="freelancer", joined_at=days_ago(900), country="PT")


def contract(client, worker, external_id, **fields):
    fields.setdefault("kind", "fixed")
    fields.setdefault("started_at", days_ago(60))
    fields.setdefault("ended_at", days_ago(30))
    fields.setdefault("earnings_cents", 50_000)
    return Contract.objects.create(external_id=external_id, client=client, freelancer=worker, **fields)


def rated_by(client, count, stars, prefix="fl", rated_days_ago=30, **fields):
    """`count` distinct freelancers who each rated the client `stars` on one contract."""
    made = []
    for n in range(count):
        worker = freelancer(f"{prefix}-{client.external_id}-{n}")
        made.append(
            contract(
                client,
                worker,
                f"{prefix}-{client.external_id}-c{n}",
                freelancer_public=stars,
                client_public=5,
                client_private=9,
                feedback_at=days_ago(rated_days_ago),
                **fields,
            )
        )
    return made


@pytest.fixture
def rude_client(catalogue):  # noqa: F811
    """A client three freelancers rated one star in the last month: below standard."""
    client = client_account()
    rated_by(client, 3, 1)
    return client
