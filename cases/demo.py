"""Demo data for `make run`: the catalogue, API clients, and a few thousand signals sent through
the real intake service with backdated clocks, so cases have realistic ages and some breach SLA."""

import random
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases import selectors
from cases.models import ActionKind, ApiClient, Case, CaseStatus, Detector, Policy, Queue, Signal
from cases.services import appeals, enforcement, work
from cases.services.api_clients import create_api_client
from cases.services.catalogue import load_default_catalogue
from cases.services.enforcement import ActionRequest
from cases.services.intake import IntakeItem, ingest
from cases.services.sla import sweep_open_cases
from reputation.models import Account
from reputation.services import AccountSpec, add_account_note

# Texts per policy, in the voice of the content they stand for. {n} and {amount} vary per item.
TEXTS = {
    "SCAM-JOB": [
        "URGENT hiring 20 data entry assistants, $45/hr, no experience. Pay the $60 onboarding kit fee by gift card and start today: www.quick-onboard.example/start",
        "Remote package reshipping coordinator. We send you parcels, you forward them abroad. $3,000/week. Contact our HR on Telegram @hr_desk_{n}",
        "Work from home typing job. Deposit {amount} to unlock premium projects, refundable after first week.",
    ],
    "FEE-APPLY": [
        "Before the interview you need to buy our training software ({amount}). Pay here: https://pay-training.example/checkout?ref={n}",
        "Selected candidates must pay a {amount} background-check fee to be considered.",
    ],
    "CIR-PAY": [
        "Let's skip the platform fee. I'll pay you by bank transfer directly, 10% more for you. Send your IBAN.",
        "Can you accept payment through PayPal friends and family instead? The platform takes too much.",
        "I can do it cheaper if you pay me outside, crypto is fine: wallet bc1q{n}x9",
    ],
    "CIR-CONTACT": [
        "Add me on WhatsApp +44 7700 900{n:03d} so we can discuss faster",
        "email me at dev{n}@fastmail.example, I don't check messages here",
        "My skype is live:designer_{n}, text me there before you send the offer",
    ],
    "PHISH": [
        "Your payout is on hold. Verify your account within 24h: http://marketplace-verify.example/login?id={n}",
        "Please review the project brief in this shared doc (login required): https://docs-share.example/view/{n}",
    ],
    "MALWARE": [
        "Download the project assets here, run setup.exe to install the fonts: http://files-cdn.example/assets_{n}.zip"
    ],
    "HARASS": [
        "You are useless and I'll make sure nobody ever hires you again.",
        "Answer me NOW. I know where you work, stop ignoring my messages.",
        "Typical lazy freelancer from your country, should have known better.",
    ],
    "THREAT": ["If you don't refund me today I will come to your office, I have your address."],
    "COERCE": [
        "Do the extra three pages for free or I leave you a 1-star review and report you.",
        "Refund 50% or I'll write that you stole my code. Your choice.",
    ],
    "DISCRIM": ["Looking for a developer, no applicants from India or Pakistan please. Women need not apply."],
    "SPAM": [
        "Dear Sir/Madam, I am expert in all technologies with 15 years experience. I read your job carefully. Hire me now for best quality.",
        "Hello! I have checked your project. I can do it. Please check my profile and send me message. Thanks!!!",
    ],
    "MISREP": [
        "Senior engineer, ex-Google and ex-Meta, 12 years experience (account created last week, portfolio images reverse-search to other people)."
    ],
    "FB-MANIP": [
        "Great work!!! 5 stars. (contract value $5, 14 minutes long, the fourteenth between the same two accounts this month)"
    ],
    "ILLEGAL-SVC": ["Need someone to create 50 verified bank accounts with provided IDs. Pay per account."],
    "ACADEMIC": [
        "Take my online statistics exam this Friday, proctored, must get at least an A. Login details provided."
    ],
    "ADULT": ["Looking for models for private photo sets, send photos first, payment after."],
    "FREE-WORK": [
        "Before hiring, please redesign our full homepage as a test task. Unpaid, the best one gets the contract."
    ],
    "IP-INFRINGE": ["Portfolio piece identical to an award-winning agency campaign, uploaded as own work."],
    "DUP-ACCT": ["Shares device fingerprint and payout card with a suspended account."],
    "SHARED-ACCT": ["Logins from three countries within an hour; profile photo changed twice this week."],
    "ATO": ["Password and payout e-mail changed 4 minutes after a sign-in from a new country and device."],
    "FAKE-ID": ["ID document name does not match profile; selfie check failed twice."],
    "PAY-FRAUD": ["Three cards declined then a fourth accepted; chargeback history on linked accounts."],
    "SANCTIONS": ["Name and billing address match an entry on a sanctions list (score above threshold)."],
    "POOR-PERF": ["Four of the last six contracts ended early with refunds after delivery."],
}
CONTENT_TYPE = {
    "SCAM-JOB": "job_post",
    "FEE-APPLY": "job_post",
    "DISCRIM": "job_post",
    "ILLEGAL-SVC": "job_post",
    "ACADEMIC": "job_post",
    "FREE-WORK": "job_post",
    "SPAM": "proposal",
    "MISREP": "profile",
    "IP-INFRINGE": "profile",
    "FB-MANIP": "review",
}
CLIENT_POLICIES = {"SCAM-JOB", "FEE-APPLY", "DISCRIM", "ILLEGAL-SVC", "ACADEMIC", "FREE-WORK", "COERCE", "ADULT"}
REPORTABLE = {
    ("SCAM-JOB", "scam"),
    ("FEE-APPLY", "fee"),
    ("CIR-PAY", "offplatform"),
    ("HARASS", "harassment"),
    ("THREAT", "threat"),
    ("PHISH", "phishing"),
    ("COERCE", "extortion"),
    ("SPAM", "spam"),
    ("FREE-WORK", "free-work"),
}
GROUPS = 2000


def detector_clients(actor):
    clients = {}
    for detector in Detector.objects.exclude(slug="client-standards"):
        client = ApiClient.objects.filter(name=f"detector:{detector.slug}").first()
        if client is None:
            client, _ = create_api_client(
                actor=actor, name=f"detector:{detector.slug}", scopes=["signals"], detector=detector
            )
        clients[detector.default_policy.code] = client
    flags = ApiClient.objects.filter(name="marketplace-flags").first()
    if flags is None:
        flags, _ = create_api_client(actor=actor, name="marketplace-flags", scopes=["reports"])
    return clients, flags


def _text(rng, code, n):
    return rng.choice(TEXTS[code]).format(n=n, amount=f"${rng.choice([25, 49, 60, 99, 150])}")


def group_items(rng, n, policy, subject, reporter_pool, detector_client, opened):
    """The signals of one demo case: one to six hits, now and then a member's flag too."""
    content_type = CONTENT_TYPE.get(policy.code, "message")
    text = _text(rng, policy.code, n)
    content = {"type": content_type, "id": f"{content_type}-{n}", "text": text}
    spec = AccountSpec(external_id=subject.external_id, kind=subject.kind)
    items = []
    for hit in range(rng.choice([1, 1, 1, 2, 2, 3, 4, 6])):
        if detector_client is None:
            break
        observed = opened - timedelta(minutes=rng.randint(1, 90))
        items.append(
            (
                detector_client,
                IntakeItem(
                    client_item_id=f"demo-{n}-{hit}",
                    source="detector",
                    subject=spec,
                    observed_at=observed,
                    policy_code=policy.code,
                    content=content,
                    score=round(min(0.99, max(0.05, rng.betavariate(5, 2))), 2),
                    evidence={
                        "model": f"{policy.code.lower()}-v3",
                        "features": rng.sample(["pattern", "link", "velocity", "graph", "language"], 2),
                    },
                ),
            )
        )
    reason = next((r for code, r in REPORTABLE if code == policy.code), None)
    if reason and (rng.random() < 0.08 or not items):
        reporter = rng.choice(reporter_pool)
        items.append(
            (
                "flags",
                IntakeItem(
                    client_item_id=f"demo-report-{n}",
                    source="report",
                    subject=spec,
                    observed_at=opened,
                    reason_code=reason,
                    reporter=AccountSpec(external_id=reporter.external_id, kind=reporter.kind),
                    content=content,
                    comment=rng.choice(
                        [
                            "This looks like a scam.",
                            "They asked me to pay outside.",
                            "Very rude and threatening.",
                            "Please check this account.",
                            "",
                        ]
                    ),
                ),
            )
        )
    return items


def account_pools():
    """(every account, the freelancers and agencies, the clients), in a stable order: who the
    demo's signals are about and who reports them."""
    accounts = list(Account.objects.order_by("external_id"))
    return accounts, [a for a in accounts if a.kind != "client"], [a for a in accounts if a.kind == "client"]


def load(*, actor, stdout):
    counts = load_default_catalogue(actor=actor)
    stdout.write(f"Catalogue: {counts['created']} created, {counts['updated']} updated.")
    if Signal.objects.filter(client_item_id__startswith="demo-").exists():
        stdout.write("Demo cases: already loaded.")
        return
    rng = random.Random(3)
    now = datetime.now(UTC).replace(microsecond=0)
    clients, flags = detector_clients(actor)
    accounts, freelancers, clients_pool = account_pools()
    # Client-standards referrals come from the outreach process, not from demo detectors.
    policies = list(Policy.objects.exclude(code="CLIENT-STD"))
    sent = 0
    for n in range(GROUPS):
        policy = rng.choice(policies)
        subject = rng.choice(clients_pool if policy.code in CLIENT_POLICIES else freelancers)
        # Ages scale with the policy's SLA: most cases are inside it, about one in five is over.
        opened = now - timedelta(hours=policy.sla_hours * rng.uniform(0.0, 1.25))
        items = group_items(rng, n, policy, subject, accounts, clients.get(policy.code), opened)
        by_client = {}
        for client_key, item in items:
            by_client.setdefault(flags if client_key == "flags" else client_key, []).append(item)
        for client, batch in by_client.items():
            ingest(client=client, items=batch, now=opened + timedelta(minutes=rng.randint(0, 30)))
            sent += len(batch)
    sweep_open_cases(actor=actor)
    _work_some_cases(rng, actor)
    stdout.write(f"Demo cases: {sent} signals sent, {Case.objects.count()} cases.")


def _work_some_cases(rng, actor):
    """A lived-in console: a few cases claimed, escalated and annotated."""
    User = get_user_model()
    analyst, lead = User.objects.filter(username="analyst").first(), User.objects.filter(username="lead").first()
    if analyst is None or lead is None:
        return
    open_cases = list(Case.objects.filter(status=CaseStatus.OPEN).order_by("-priority")[:40])
    for case in open_cases[5:10]:
        work.escalate_case(
            actor=analyst, case_id=case.pk, expected_version=case.version, reason="Needs a lead: high-value account."
        )
    for case in open_cases[10:16]:
        case.refresh_from_db()
        work.add_case_note(
            actor=analyst,
            case_id=case.pk,
            expected_version=case.version,
            text="Checked the linked accounts; same payout card.",
        )
    for case in open_cases[16:19]:
        add_account_note(
            actor=lead, account=case.account, text="Repeat offender: two earlier warnings for off-platform payment."
        )
    _take_some_actions(analyst, lead)
    work.claim_next_case(actor=lead, queue=open_cases[0].queue)


def _take_some_actions(analyst, lead):
    """Decided cases with their notices, one ban waiting for approval and one open appeal."""
    facts = "Our review of the messages and posts in this case found the behaviour described in the policy."
    queues = list(Queue.objects.order_by("slug"))
    applied = []
    for queue in queues:
        case = work.claim_next_case(actor=analyst, queue=queue)
        if case is None:
            continue
        _, recommended = enforcement.recommendation(case, timezone.now())
        if recommended == ActionKind.BAN:
            request = ActionRequest(ActionKind.BAN, facts=facts)
        elif recommended == ActionKind.REMOVE_CONTENT:
            items = list(selectors.case_content_items(case).values_list("pk", flat=True))
            request = ActionRequest(recommended, facts=facts, content_item_ids=items[:1])
        else:
            request = ActionRequest(
                ActionKind.WARN, facts=facts, deviation_reason="First contact; a warning is enough."
            )
            if recommended == ActionKind.WARN:
                request.deviation_reason = ""
        try:
            action = enforcement.take_action(
                actor=analyst, case_id=case.pk, expected_version=case.version, request=request
            )
        except ValidationError:
            continue
        if action.status == "applied":
            applied.append(action)
    case = work.claim_next_case(actor=analyst, queue=queues[0])
    if case is not None:
        enforcement.take_action(
            actor=analyst,
            case_id=case.pk,
            expected_version=case.version,
            request=ActionRequest(
                ActionKind.BAN, facts=facts, deviation_reason="Same payout card as three banned accounts."
            ),
        )
    if applied:
        appeals.file_appeal(
            actor=analyst,
            action_id=applied[0].pk,
            statement="The member wrote in: the payment details were the client's, not mine.",
            filed_via="analyst:analyst",
        )
