"""ensure_account_ids: intake names accounts by external id, and the new ones are created."""

from datetime import timedelta

from django.utils import timezone

from reputation.models import Account, AccountStatus
from reputation.services import AccountSpec, ensure_account_ids
from reputation.tests.conftest import ROBOT
from trustconsole.models import AuditAction, AuditEvent


def test_new_accounts_get_what_the_spec_says_and_the_model_defaults_and_existing_ones_are_left_alone(db):
    before = timezone.now()
    existing = Account.objects.create(external_id="cl-old", kind="client", name="Old name", country="DE")
    audit = []
    found = ensure_account_ids(
        actor=ROBOT,
        specs=[
            AccountSpec("cl-old", kind="client", name="New name", country="fr"),
            AccountSpec("fl-new", name="Ana", country="pt"),
            AccountSpec("ag-new", kind="agency"),
            AccountSpec("fl-new", kind="client", name="Second mention"),  # the first mention wins
        ],
        default_kind="freelancer",
        audit_rows=audit,
    )

    assert found["cl-old"] == (existing.pk, "client")
    existing.refresh_from_db()
    assert (existing.name, existing.country) == ("Old name", "DE")
    new = Account.objects.get(external_id="fl-new")
    assert found["fl-new"] == (new.pk, "freelancer")
    assert (new.kind, new.name, new.country, new.status) == ("freelancer", "Ana", "PT", AccountStatus.ACTIVE)
    assert (new.active_contracts, new.earnings_12m_cents, new.identity_verified) == (0, 0, False)
    assert before <= new.first_seen_at <= timezone.now() + timedelta(seconds=1)
    assert new.updated_at == new.first_seen_at
    assert Account.objects.get(external_id="ag-new").kind == "agency"
    assert [(row["subject_account"], row["changes"]) for row in audit] == [
        ("ag-new", {"kind": [None, "agency"]}),
        ("fl-new", {"kind": [None, "freelancer"]}),
    ]


def test_naming_only_existing_accounts_creates_and_records_nothing(db):
    Account.objects.create(external_id="cl-old", kind="client")
    accounts_before, audit_before = Account.objects.count(), AuditEvent.objects.count()
    found = ensure_account_ids(actor=ROBOT, specs=[AccountSpec("cl-old")], default_kind="freelancer")
    assert list(found) == ["cl-old"]
    assert (Account.objects.count(), AuditEvent.objects.count()) == (accounts_before, audit_before)


def test_accounts_created_without_an_audit_list_are_recorded_at_once(db):
    found = ensure_account_ids(actor=ROBOT, specs=[AccountSpec("fl-solo")], default_kind="freelancer")
    event = AuditEvent.objects.get(action=AuditAction.ACCOUNT_CREATED, subject_account="fl-solo")
    assert event.target_id == str(found["fl-solo"][0])
