"""Demo client standards: a handful of clients freelancers have bad experiences with, assessed
over the last ten weeks so the list, the queue and each outreach stage have someone in them."""

import random
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model

from reputation.models import Account, AccountKind, Contract
from standards.assessment import assess_clients
from standards.models import AssessmentRun, ClientStanding, OutreachDecision, OutreachState
from standards.services import decide

BAD_CLIENTS = 12
# Clients 0-2 were rated poorly long enough ago to age out of the window before their period
# ends: they improve. The others stay below standard.
IMPROVERS = 3


def _bad_history(rng, client, freelancers, index, today):
    """Three to five freelancers' poor experiences with one client: low stars, unanswered work,
    refunds forced after delivery, disputes the client lost."""
    contracts = []
    oldest = 230 if index < IMPROVERS else 110
    for k, worker in enumerate(rng.sample(freelancers, rng.randint(3, 5))):
        ended = today - timedelta(days=rng.randint(oldest - 30, oldest))
        submitted = ended - timedelta(days=rng.randint(20, 40))
        contracts.append(
            Contract(
                external_id=f"ct-std-{client.external_id}-{k}",
                freelancer=worker,
                client=client,
                kind=rng.choice(["hourly", "fixed"]),
                title=rng.choice(["Landing page", "Data cleanup", "Translation", "Bookkeeping"]),
                started_at=submitted - timedelta(days=rng.randint(10, 30)),
                ended_at=ended,
                earnings_cents=rng.randint(8_000, 120_000),
                client_private=rng.randint(6, 9),
                client_public=rng.choice([4, 5]),
                freelancer_public=rng.choice([1, 1, 2]),
                feedback_at=ended,
                work_submitted_at=submitted,
                client_responded_at=None if rng.random() < 0.6 else submitted + timedelta(days=rng.randint(15, 25)),
                refund_after_delivery_at=ended if rng.random() < 0.4 else None,
                dispute_outcome="client_lost" if rng.random() < 0.3 else "",
            )
        )
    return contracts


def load(*, actor, stdout):
    if AssessmentRun.objects.exists():
        stdout.write("Client standards: already assessed.")
        return
    rng = random.Random(6)
    today = datetime.now(UTC).replace(microsecond=0)
    clients = list(Account.objects.filter(kind=AccountKind.CLIENT).order_by("external_id"))
    freelancers = list(Account.objects.filter(kind=AccountKind.FREELANCER).order_by("external_id")[:600])
    chosen = rng.sample(clients, BAD_CLIENTS)
    contracts = []
    for index, client in enumerate(chosen):
        contracts += _bad_history(rng, client, freelancers, index, today)
    Contract.objects.bulk_create(contracts)
    # Ten weeks ago outreach starts; five days ago the periods end; a lead restricts one client
    # that did not improve; today's run starts outreach for anyone newly below standard.
    assess_clients(actor=actor, as_of=today - timedelta(days=70))
    assess_clients(actor=actor, as_of=today - timedelta(days=5))
    lead = get_user_model().objects.filter(username="lead").first()
    due = ClientStanding.objects.filter(state=OutreachState.DUE).order_by("client__external_id").first()
    if lead and due:
        decide(
            actor=lead,
            client_id=due.client_id,
            expected_version=due.version,
            decision=OutreachDecision.RESTRICT,
            reason="Freelancers still report unanswered submissions and forced refunds after 60 days.",
            now=today - timedelta(days=4),
        )
    assess_clients(actor=actor, as_of=today)
    states = {state: ClientStanding.objects.filter(state=state).count() for state in OutreachState.values}
    stdout.write(f"Client standards: {len(contracts)} contracts for {BAD_CLIENTS} clients; standings {states}.")
