"""Demo marketplace members: about 2,000 freelancers, clients and agencies in many countries."""

import random
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model

from reputation import badge_rules
from reputation.evaluation import evaluate_badges
from reputation.models import (
    Account,
    AccountKind,
    AccountLink,
    BadgeEvaluation,
    BadgeOverride,
    BadgeTier,
    Contract,
    OverrideEffect,
)
from reputation.overrides import approve_override, request_override
from reputation.scores import recompute_scores, start_run
from reputation.services import import_accounts, link_accounts

HISTORY_WEEKS = 16

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
    contracts = _contracts(rng, now)
    stdout.write(f"Contracts: {contracts} created.")
    links = _links(actor, rng)
    stdout.write(f"Linked accounts: {links} pairs.")
    if not BadgeEvaluation.objects.exists():
        _weekly_history(actor, now)
        stdout.write(f"Scores and badges: {HISTORY_WEEKS} weekly recomputes and evaluations.")
    stdout.write(f"Badge overrides: {_overrides(rng)} made.")


def _weekly_history(actor, now):
    """Sixteen weeks of scores and badge evaluations, so badges follow their real rules."""
    for back in range(HISTORY_WEEKS - 1, -1, -1):
        moment = now - badge_rules.WEEK * back
        recompute_scores(actor=actor, run=start_run(as_of=moment))
        evaluate_badges(actor=actor, week=badge_rules.monday_of(moment.date()), now=moment)


def _links(actor, rng):
    """A few freelancers who also run the client account that rated them."""
    if AccountLink.objects.exists():
        return 0
    pairs = list(
        Contract.objects.filter(client_private__gte=9).order_by("external_id").values_list("freelancer_id", "client_id")
    )
    chosen = rng.sample(pairs, min(4, len(pairs)))
    for freelancer_id, client_id in chosen:
        link_accounts(
            actor=actor,
            account_id=freelancer_id,
            other_id=client_id,
            reason="Same device fingerprint and payout account",
            source="duplicate-account-linkage",
        )
    return len(chosen)


def _overrides(rng):
    """Overrides as admins make them: a grant in force, one waiting for a second admin, a
    revocation, and Expert-Vetted given after interviews."""
    users = get_user_model().objects
    first, second = users.filter(username="admin").first(), users.filter(username="admin2").first()
    if first is None or second is None or BadgeOverride.objects.exists():
        return 0
    freelancers = list(Account.objects.filter(kind=AccountKind.FREELANCER, badges__isnull=True).order_by("pk")[:400])
    holders = list(Account.objects.filter(badges__tier=BadgeTier.RISING_TALENT, badges__revoked_at__isnull=True))
    plan = [
        (
            rng.choice(freelancers),
            BadgeTier.TOP_RATED,
            OverrideEffect.GRANT,
            "Enterprise pilot vetted by the account team",
            None,
        ),
        (
            rng.choice(freelancers),
            BadgeTier.TOP_RATED_PLUS,
            OverrideEffect.GRANT,
            "Long-standing agency lead",
            "pending",
        ),
    ]
    if holders:
        plan.append(
            (rng.choice(holders), BadgeTier.RISING_TALENT, OverrideEffect.REVOKE, "Feedback under review", None)
        )
    for account in rng.sample(freelancers, 3):
        plan.append((account, BadgeTier.EXPERT_VETTED, OverrideEffect.GRANT, "Passed the expert interview", "approve"))
    for account, tier, effect, reason, then in plan:
        override = request_override(
            actor=first, account_id=account.pk, tier=tier, effect=effect, reason=reason, days=90
        )
        if then == "approve":
            approve_override(actor=second, override_id=override.pk)
    return len(plan)


def _contract(rng, external_id, freelancer, client, started, ended, happy_rate=0.85):
    """Feedback as marketplaces see it: mostly positive, private more candid than public stars,
    a few disputes."""
    feedback = ended is not None and rng.random() < 0.85
    happy = rng.random() < happy_rate
    delighted = 9.6 if happy_rate > 0.9 else 8.8  # the strongest records get the best feedback
    private = min(10, max(0, round(rng.gauss(delighted if happy else 4.5, 1.2)))) if feedback else None
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


def _contracts(rng, now):
    """Active contracts (for the blast radius) and a history of finished ones with feedback.
    Idempotent: only on an empty table."""
    if Contract.objects.exists():
        return 0
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
        # A few established freelancers with long, strong records: the Top Rated tiers.
        if n % 12 == 0:
            for k in range(rng.randint(12, 24)):
                begun = now - timedelta(days=rng.randint(20, 700))
                finished = min(begun + timedelta(days=rng.randint(10, 200)), now - timedelta(days=1))
                contracts.append(
                    _contract(
                        rng, f"ct-{50000 + n}-s{k}", freelancer, rng.choice(clients), begun, finished, happy_rate=0.97
                    )
                )
    Contract.objects.bulk_create(contracts)
    earners = []
    for account in freelancers:
        account.lifetime_earnings_cents = account.earnings_12m_cents * rng.randint(1, 5)
        earners.append(account)
    Account.objects.bulk_update(earners, ["lifetime_earnings_cents"], batch_size=500)
    return len(contracts)
