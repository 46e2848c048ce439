"""Demo marketplace members: about 2,000 freelancers, clients and agencies in many countries."""

import random
from datetime import UTC, datetime, timedelta

from reputation.models import Account, AccountKind
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
