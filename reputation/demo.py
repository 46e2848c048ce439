"""Demo marketplace members: about 2,000 freelancers, clients and agencies in many countries."""

import random
from datetime import UTC, datetime, timedelta

from reputation.models import Account, AccountKind, Badge, Contract, ScoreRun
from reputation.scores import recompute_scores
from reputation.services import import_accounts

FIRST = [
    "Amara",
    "Bilal",
    "Chen",
    "Dmitri",
    "Elena",
    "Farah",
    "Gabriel",
    "Hana",
    "Ivan",
    "Jia",
    "Kwame",
    "Lucia",
    "Mateo",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sven",
    "Tariq",
    "Uma",
    "Viktor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoe",
]
LAST = [
    "Okafor",
    "Haddad",
    "Wang",
    "Petrov",
    "Rossi",
    "Khan",
    "Silva",
    "Sato",
    "Novak",
    "Li",
    "Mensah",
    "Garcia",
    "Torres",
    "Ahmed",
    "Hassan",
    "Patel",
    "Murphy",
    "Costa",
    "Larsen",
    "Aziz",
    "Rao",
    "Kowalski",
    "Zhang",
    "Lopez",
    "Demir",
    "Martin",
]
COMPANIES = [
    "Northwind",
    "Brightpath",
    "Lumen",
    "Atlas",
    "Cobalt",
    "Juniper",
    "Harbor",
    "Vertex",
    "Meridian",
    "Orchid",
    "Pinnacle",
    "Quarry",
    "Redwood",
    "Summit",
    "Tidal",
]
SUFFIXES = ["Labs", "Studio", "Digital", "Ventures", "Media", "Logistics", "Health", "Analytics"]
# Weighted toward where marketplace members are, with a long tail.
COUNTRIES = (
    ["US"] * 14
    + ["IN"] * 10
    + ["PH"] * 7
    + ["PK"] * 5
    + ["UA"] * 4
    + ["GB"] * 5
    + ["NG"] * 4
    + ["BR"] * 4
    + [
        "DE",
        "DE",
        "CA",
        "CA",
        "AU",
        "EG",
        "KE",
        "BD",
        "BD",
        "RS",
        "PL",
        "AR",
        "MX",
        "VN",
        "ID",
        "FR",
        "ES",
        "TR",
        "RO",
        "ZA",
    ]
)
DEMO_SIZE = 2000
# A fixed anchor keeps the loader idempotent: a second run computes the same accounts.
DEMO_EPOCH = datetime(2026, 11, 1, tzinfo=UTC)


def _account(rng, n, now):
    roll = rng.random()
    kind = AccountKind.FREELANCER if roll < 0.62 else AccountKind.CLIENT if roll < 0.95 else AccountKind.AGENCY
    person = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    name = person if kind == AccountKind.FREELANCER else f"{rng.choice(COMPANIES)} {rng.choice(SUFFIXES)}"
    prefix = {"freelancer": "fl", "client": "cl", "agency": "ag"}[kind]
    joined = now - timedelta(days=int(rng.expovariate(1 / 500)) + 1)
    earnings = int(rng.lognormvariate(11, 1.6)) if rng.random() < 0.7 else 0
    return Account(
        external_id=f"{prefix}-{10000 + n}",
        kind=kind,
        name=name,
        email=f"{person.lower().replace(' ', '.')}{n}@{rng.choice(['mail.example', 'inbox.example', 'corp.example'])}",
        country=rng.choice(COUNTRIES),
        joined_at=joined,
        identity_verified=rng.random() < 0.7,
        payment_verified=rng.random() < (0.8 if kind != AccountKind.FREELANCER else 0.5),
        active_contracts=min(int(rng.expovariate(1 / 2)), 25),
        earnings_12m_cents=earnings,
    )


def load(*, actor, stdout):
    rng = random.Random(2026)
    now = DEMO_EPOCH
    created, updated = import_accounts(actor=actor, accounts=[_account(rng, n, now) for n in range(DEMO_SIZE)])
    stdout.write(f"Accounts: {created} created, {updated} updated.")
    contracts, badges = _contracts_and_badges(rng, now)
    stdout.write(f"Contracts: {contracts} created; badges: {badges} awarded.")
    if not ScoreRun.objects.filter(finished_at__isnull=False).exists():
        run = recompute_scores(actor=actor)
        stdout.write(f"Scores: {run.accounts_done} freelancers computed.")


def _contract(rng, external_id, freelancer, client, started, ended):
    """Feedback as marketplaces see it: mostly positive, private more candid than public stars,
    a few disputes."""
    feedback = ended is not None and rng.random() < 0.85
    happy = rng.random() < 0.85
    private = min(10, max(0, round(rng.gauss(8.8 if happy else 4.5, 1.2)))) if feedback else None
    public = min(5, max(1, round(rng.gauss(4.8 if happy else 3.6, 0.5)))) if feedback else None
    return Contract(
        external_id=external_id,
        freelancer=freelancer,
        client=client,
        kind=rng.choice(["hourly", "fixed"]),
        title=rng.choice(["Landing page", "Data cleanup", "Mobile app fixes", "Logo design", "API integration"]),
        started_at=started,
        ended_at=ended,
        earnings_cents=rng.randint(5_000, 900_000),
        client_private=private,
        client_public=public,
        freelancer_public=min(5, max(1, round(rng.gauss(4.6, 0.7)))) if feedback else None,
        feedback_at=ended if feedback else None,
        dispute_outcome="freelancer_lost" if not happy and rng.random() < 0.2 else "",
    )


def _contracts_and_badges(rng, now):
    """Active contracts (for the blast radius) and a few badges, until the contracts API and the
    badge evaluation of the reputation issue replace them. Idempotent: only on an empty table."""
    if Contract.objects.exists():
        return 0, 0
    accounts = list(Account.objects.order_by("external_id"))
    freelancers = [a for a in accounts if a.kind != AccountKind.CLIENT]
    clients = [a for a in accounts if a.kind == AccountKind.CLIENT]
    contracts = []
    for n, freelancer in enumerate(freelancers[:700]):
        started = now - timedelta(days=rng.randint(3, 400))
        ended = None if rng.random() < 0.6 else started + timedelta(days=rng.randint(2, 120))
        ended = ended if ended and ended < now else None
        contracts.append(_contract(rng, f"ct-{50000 + n}", freelancer, rng.choice(clients), started, ended))
        # Most freelancers have a history of finished contracts with feedback.
        for k in range(rng.choice([0, 1, 2, 3, 4, 6, 9])):
            begun = now - timedelta(days=rng.randint(30, 800))
            finished = begun + timedelta(days=rng.randint(3, 150))
            if finished < now:
                contracts.append(
                    _contract(rng, f"ct-{50000 + n}-{k}", freelancer, rng.choice(clients), begun, finished)
                )
    Contract.objects.bulk_create(contracts)
    earners = []
    for account in freelancers:
        account.lifetime_earnings_cents = account.earnings_12m_cents * rng.randint(1, 5)
        earners.append(account)
    Account.objects.bulk_update(earners, ["lifetime_earnings_cents"], batch_size=500)
    tiers = ["rising_talent", "top_rated", "top_rated_plus", "expert_vetted"]
    badges = [
        Badge(account=account, tier=rng.choices(tiers, weights=[5, 4, 2, 1])[0], awarded_at=now - timedelta(days=30))
        for account in freelancers
        if account.earnings_12m_cents > 200_000 and rng.random() < 0.5
    ]
    Badge.objects.bulk_create(badges)
    return len(contracts), len(badges)
