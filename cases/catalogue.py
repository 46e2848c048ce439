"""The default catalogue a new install starts from: queues, policies, detectors, report reasons.

`manage.py load_catalogue` installs it and refreshes it idempotently; admins edit it afterwards.
ToS links point at the marketplace's terms; replace the base URL for your own terms.
"""

TOS = "https://marketplace.example/legal/terms"

QUEUES = [
    ("payments", "Payments & off-platform", "Fee circumvention, payment fraud, contact sharing before a contract."),
    ("scams", "Scams & phishing", "Scam job posts, phishing, fees to apply, fake identities."),
    ("safety", "Safety & conduct", "Harassment, coercion, discrimination, threats."),
    ("accounts", "Account integrity", "Duplicate, shared and taken-over accounts, sanctions."),
    ("content", "Prohibited content", "Adult content, illegal services, academic cheating, IP infringement."),
    ("quality", "Quality & spam", "Spam, misrepresentation, poor performance, free-work requests."),
    ("feedback", "Feedback integrity", "Feedback manipulation and extortion."),
]

W, RM, RS, SU, BN, RV = "warn", "remove_content", "restrict", "suspend", "ban", "require_verification"

# code, title, area, severity, queue, SLA hours, ToS anchor, ladder, strike window days, DSA category
POLICIES = [
    (
        "CIR-PAY",
        "Off-platform payment",
        "platform_misuse",
        3,
        "payments",
        48,
        "fees",
        [W, RS, SU],
        365,
        "scope_of_platform_service",
    ),
    (
        "CIR-CONTACT",
        "Contact details before a contract",
        "platform_misuse",
        2,
        "payments",
        72,
        "communication",
        [W, RM, RS],
        180,
        "scope_of_platform_service",
    ),
    (
        "FEE-APPLY",
        "Fees to apply or to be hired",
        "integrity",
        4,
        "scams",
        24,
        "fees-to-apply",
        [RM, SU, BN],
        365,
        "scams_and_fraud",
    ),
    ("SCAM-JOB", "Scam job post", "integrity", 5, "scams", 8, "prohibited-jobs", [RM, BN], 730, "scams_and_fraud"),
    ("PAY-FRAUD", "Payment fraud", "security", 5, "payments", 8, "payment-terms", [SU, BN], 730, "scams_and_fraud"),
    ("PHISH", "Phishing", "security", 5, "scams", 4, "security", [RM, BN], 730, "scams_and_fraud"),
    (
        "ATO",
        "Account takeover",
        "security",
        5,
        "accounts",
        4,
        "account-security",
        [RV, SU],
        365,
        "data_protection_and_privacy_violations",
    ),
    (
        "DUP-ACCT",
        "Duplicate accounts",
        "integrity",
        3,
        "accounts",
        72,
        "one-account",
        [W, SU, BN],
        730,
        "scope_of_platform_service",
    ),
    (
        "SHARED-ACCT",
        "Shared or rented account",
        "integrity",
        4,
        "accounts",
        48,
        "one-account",
        [RV, SU, BN],
        730,
        "scope_of_platform_service",
    ),
    ("FAKE-ID", "Fake identity", "integrity", 4, "scams", 24, "identity", [RV, BN], 730, "scams_and_fraud"),
    (
        "MISREP",
        "Misrepresentation of skills or history",
        "quality",
        2,
        "quality",
        96,
        "profile-accuracy",
        [W, RM, RS],
        365,
        "scope_of_platform_service",
    ),
    ("HARASS", "Harassment", "safety", 4, "safety", 12, "conduct", [W, RS, SU], 365, "illegal_or_harmful_speech"),
    (
        "COERCE",
        "Coercion and feedback extortion",
        "safety",
        4,
        "feedback",
        12,
        "feedback-extortion",
        [RS, SU, BN],
        730,
        "illegal_or_harmful_speech",
    ),
    (
        "DISCRIM",
        "Discrimination",
        "safety",
        4,
        "safety",
        24,
        "non-discrimination",
        [W, RM, SU],
        365,
        "illegal_or_harmful_speech",
    ),
    ("THREAT", "Threats of violence", "safety", 5, "safety", 4, "conduct", [SU, BN], 730, "violence"),
    (
        "ADULT",
        "Adult content",
        "quality",
        3,
        "content",
        24,
        "prohibited-content",
        [RM, RS, SU],
        365,
        "pornography_or_sexualized_content",
    ),
    (
        "ILLEGAL-SVC",
        "Illegal services",
        "integrity",
        5,
        "content",
        12,
        "prohibited-jobs",
        [RM, BN],
        730,
        "unsafe_and_illegal_products",
    ),
    (
        "ACADEMIC",
        "Academic cheating",
        "integrity",
        3,
        "content",
        48,
        "prohibited-jobs",
        [RM, RS, SU],
        365,
        "scope_of_platform_service",
    ),
    (
        "FB-MANIP",
        "Feedback manipulation",
        "integrity",
        4,
        "feedback",
        48,
        "feedback-integrity",
        [W, SU, BN],
        730,
        "scams_and_fraud",
    ),
    (
        "IP-INFRINGE",
        "Intellectual property infringement",
        "integrity",
        3,
        "content",
        72,
        "intellectual-property",
        [RM, RS, SU],
        365,
        "intellectual_property_infringements",
    ),
    (
        "FREE-WORK",
        "Free-work requests",
        "quality",
        2,
        "quality",
        96,
        "free-work",
        [W, RM, RS],
        180,
        "scope_of_platform_service",
    ),
    ("SPAM", "Spam", "quality", 2, "quality", 72, "spam", [RM, RS, SU], 180, "scope_of_platform_service"),
    (
        "POOR-PERF",
        "Poor performance",
        "quality",
        1,
        "quality",
        168,
        "quality-standards",
        [W, RS],
        365,
        "scope_of_platform_service",
    ),
    (
        "CLIENT-STD",
        "Client standards not met after outreach",
        "quality",
        3,
        "quality",
        72,
        "client-standards",
        [RS, SU],
        365,
        "scope_of_platform_service",
    ),
    ("SANCTIONS", "Sanctions", "security", 5, "accounts", 8, "sanctions", [SU], 3650, "unsafe_and_illegal_products"),
    ("MALWARE", "Malware and malicious links", "security", 5, "scams", 4, "security", [RM, BN], 730, "scams_and_fraud"),
]

# slug, name, default policy, description
DETECTORS = [
    (
        "contact-info",
        "Contact-info patterns",
        "CIR-CONTACT",
        "Phone numbers, e-mail addresses and messenger handles in messages before a contract.",
    ),
    (
        "offplatform-intent",
        "Off-platform payment intent",
        "CIR-PAY",
        "Classifier for proposals to pay outside the platform.",
    ),
    ("link-reputation", "Link reputation", "PHISH", "Known-bad and newly registered domains in messages and posts."),
    ("new-account-velocity", "New-account velocity", "SPAM", "Bursts of proposals or messages from young accounts."),
    (
        "dup-linkage",
        "Duplicate-account linkage",
        "DUP-ACCT",
        "Device, payment instrument and IP overlap between accounts.",
    ),
    ("ato", "Account takeover", "ATO", "Sign-in anomalies followed by payout or password changes."),
    ("sanctions-screen", "Sanctions screening", "SANCTIONS", "Name and location matches against sanctions lists."),
    ("payment-risk", "Payment risk", "PAY-FRAUD", "Chargeback and stolen-card risk on funding and withdrawals."),
    ("scam-job", "Scam-job classifier", "SCAM-JOB", "Job posts that match known scam patterns."),
    ("near-dup", "Near-duplicate content", "SPAM", "Mass-copied proposals and job posts."),
    ("fb-graph", "Feedback-manipulation graph", "FB-MANIP", "Rings of accounts trading short contracts and feedback."),
    ("harassment", "Harassment classifier", "HARASS", "Abusive and threatening language in messages."),
    (
        "prohibited-job",
        "Prohibited-job classifier",
        "ILLEGAL-SVC",
        "Job posts for illegal services or academic cheating.",
    ),
    ("fee-to-apply", "Fee-to-apply patterns", "FEE-APPLY", "Requests for payment before hiring or for 'training'."),
    (
        "identity-mismatch",
        "Identity-document mismatch",
        "FAKE-ID",
        "Verification documents that do not match the profile.",
    ),
    (
        "client-standards",
        "Client standards referrals",
        "CLIENT-STD",
        "Clients that outreach did not improve, and hard triggers (extortion, payment fraud, harassment).",
    ),
]

# code, content type, label, policy
REPORT_REASONS = [
    ("scam", "job_post", "This job looks like a scam", "SCAM-JOB"),
    ("fee", "job_post", "The client asks for money to apply or be hired", "FEE-APPLY"),
    ("offplatform", "job_post", "The client wants to pay outside the platform", "CIR-PAY"),
    ("illegal", "job_post", "The job is for something illegal", "ILLEGAL-SVC"),
    ("academic", "job_post", "The job asks for someone to do coursework or exams", "ACADEMIC"),
    ("free-work", "job_post", "The client asks for free work as a test", "FREE-WORK"),
    ("discrimination", "job_post", "The job post discriminates", "DISCRIM"),
    ("spam", "proposal", "Spam or copy-pasted proposal", "SPAM"),
    ("offplatform", "proposal", "The freelancer wants to be paid outside the platform", "CIR-PAY"),
    ("misrep", "proposal", "The freelancer misrepresents their skills", "MISREP"),
    ("harassment", "message", "Harassment or abusive language", "HARASS"),
    ("threat", "message", "Threats", "THREAT"),
    ("contact", "message", "Shares contact details to move off the platform", "CIR-CONTACT"),
    ("phishing", "message", "Suspicious link or phishing", "PHISH"),
    ("extortion", "message", "Threatens bad feedback unless paid or given free work", "COERCE"),
    ("adult", "message", "Sexual or adult content", "ADULT"),
    ("fake", "profile", "Fake identity or stolen photos", "FAKE-ID"),
    ("misrep", "profile", "False skills, history or credentials", "MISREP"),
    ("duplicate", "profile", "This person has another account", "DUP-ACCT"),
    ("ip", "profile", "Portfolio uses someone else's work", "IP-INFRINGE"),
    ("manipulation", "review", "Fake or traded feedback", "FB-MANIP"),
    ("extortion", "review", "Feedback used as a threat", "COERCE"),
]

# Notice templates: installed when missing, never overwritten (admins edit them).
_APPEAL = (
    "Whether automated means detected this: {{ automated_detection }}. "
    "Whether the decision was automated: {{ automated_decision }}.\n\n"
    "You can appeal until {{ appeal_until }}: {{ appeal_how }}\n"
)
_STATEMENT = (
    "Hello {{ account_name }},\n\n"
    "Decision: {{ decision }}\nScope: {{ scope }}\nDuration: {{ duration }}\n\n"
    "What we found:\n{{ facts }}\n\n"
    "This breaks our policy {{ policy }} ({{ tos_url }}).\n" + _APPEAL + "\nReference: case {{ case }}.\n"
)
NOTICE_TEMPLATES = [
    ("warn", "A warning about your account", _STATEMENT),
    ("remove_content", "We removed content you posted", _STATEMENT),
    ("restrict", "Some features of your account are restricted", _STATEMENT),
    ("suspend", "Your account is suspended", _STATEMENT),
    ("ban", "Your account is closed", _STATEMENT),
    ("require_verification", "Please verify your identity", _STATEMENT),
    (
        "reporter_outcome",
        "The outcome of your report",
        "Hello {{ account_name }},\n\nThank you for your report (reference {{ case }}). "
        "We reviewed it: {{ outcome }}\n\nFor privacy we cannot share more about the other member.\n",
    ),
    (
        "counterparty",
        "About one of your active contracts",
        "Hello {{ account_name }},\n\nA member you have an active contract with can no longer use some features "
        "of the marketplace. Your contract is protected: {{ outcome }}\n",
    ),
    (
        "appeal_upheld",
        "Your appeal was reviewed",
        "Hello {{ account_name }},\n\nWe reviewed your appeal against our decision ({{ decision }}). "
        "{{ outcome }}\n\nReference: case {{ case }}.\n",
    ),
    (
        "appeal_overturned",
        "Your appeal succeeded",
        "Hello {{ account_name }},\n\nWe reviewed your appeal against our decision ({{ decision }}) and "
        "reversed it. {{ outcome }}\n\nReference: case {{ case }}.\n",
    ),
]

# Four-eyes: (action kind, minimum badge tier, minimum lifetime earnings in cents, description).
FOUR_EYES_RULES = [
    ("ban", "", None, "Every ban waits for a lead"),
    ("suspend", "top_rated", 1_000_000, "Suspending Top Rated and above, or $10,000+ lifetime earners"),
]
