"""Writes of the reputation app: accounts and their standing."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from reputation.models import Account, AccountLink, AccountNote, Contract
from trustconsole.db import insert_new_rows
from trustconsole.models import AuditAction
from trustconsole.services import record, record_many


@dataclass
class AccountSpec:
    """What a caller knows of an account; blank fields are left as they are."""

    external_id: str
    kind: str = ""
    name: str = ""
    country: str = ""


def find_kind_conflicts(specs):
    """External ids whose stated kind differs from the stored account's, with the stored kind."""
    stated = {spec.external_id: spec.kind for spec in specs if spec.kind}
    stored = Account.objects.filter(external_id__any_of=stated).values_list("external_id", "kind")
    return {external_id: kind for external_id, kind in stored if stated[external_id] != kind}


def _ids_and_kinds(external_ids):
    rows = Account.objects.filter(external_id__any_of=external_ids).values_list("external_id", "pk", "kind")
    return {external_id: (pk, kind) for external_id, pk, kind in rows}


def ensure_account_ids(*, actor, specs, default_kind, audit_rows=None):
    """Make sure every named account exists; return {external_id: (pk, kind)}.

    New accounts get the stated kind (or default_kind), name and country. Existing accounts are
    not changed here: intake names accounts, the marketplace API owns their details. Given a list
    as audit_rows, the creations' audit rows are appended to it for the caller to record before
    it commits (intake takes the audit chain's lock last, after every row lock).
    """
    wanted = {}
    for spec in specs:
        wanted.setdefault(spec.external_id, spec)
    with transaction.atomic():
        found = _ids_and_kinds(list(wanted))
        missing = sorted(set(wanted) - set(found))
        if not missing:
            return found
        # Sorted, so concurrent batches take row locks in one order and cannot deadlock; an id a
        # concurrent batch inserted first is skipped here and read back.
        new_accounts = [
            {
                "external_id": external_id,
                "kind": wanted[external_id].kind or default_kind,
                "name": wanted[external_id].name,
                "country": wanted[external_id].country.upper(),
            }
            for external_id in missing
        ]
        inserted = insert_new_rows(Account, new_accounts, now=timezone.now(), returning=("external_id", "id", "kind"))
        found.update({external_id: (pk, kind) for external_id, pk, kind in inserted})
        taken = [external_id for external_id in missing if external_id not in found]
        if taken:
            found.update(_ids_and_kinds(taken))
        # Under a race two batches may both see an id as missing; both then log that they first
        # saw it, which is true of each and loses nothing.
        rows = [
            {
                "actor": actor,
                "action": AuditAction.ACCOUNT_CREATED,
                "target_type": Account._meta.label_lower,
                "target_id": found[external_id][0],
                "subject_account": external_id,
                "changes": {"kind": [None, found[external_id][1]]},
            }
            for external_id in missing
        ]
        if audit_rows is None:
            record_many(rows)
        else:
            audit_rows.extend(rows)
    return found


def ensure_accounts(*, actor, specs, default_kind):
    """Like ensure_account_ids, but {external_id: Account}."""
    with transaction.atomic():
        found = ensure_account_ids(actor=actor, specs=specs, default_kind=default_kind)
        return {a.external_id: a for a in Account.objects.filter(pk__any_of=[pk for pk, _ in found.values()])}


def add_account_note(*, actor, account, text, pinned=True):
    text = text.strip()
    if not text:
        raise ValidationError("A note needs some text")
    with transaction.atomic():
        note = AccountNote.objects.create(account=account, author=actor, text=text, pinned=pinned)
        record(
            actor=actor,
            action=AuditAction.ACCOUNT_NOTE_ADDED,
            target=note,
            subject_account=account.external_id,
            changes={"pinned": [None, pinned]},
        )
    return note


def record_email_reveal(*, actor, account, case_id=None):
    """Viewing an account's e-mail is logged like a change (DESIGN.md: who-viewed records)."""
    record(
        actor=actor,
        action=AuditAction.ACCOUNT_EMAIL_REVEALED,
        target=account,
        subject_account=account.external_id,
        case_id=case_id,
    )
    return account.email


ACCOUNT_DETAIL_FIELDS = (
    "kind",
    "name",
    "email",
    "country",
    "joined_at",
    "identity_verified",
    "payment_verified",
    "active_contracts",
    "earnings_12m_cents",
)


# What the public accounts API carries (reach comes from contracts, not from the record).
API_ACCOUNT_FIELDS = ("kind", "name", "email", "country", "joined_at", "identity_verified", "payment_verified")


def import_accounts(*, actor, accounts, fields=ACCOUNT_DETAIL_FIELDS, report=False):
    """Create or update accounts from marketplace records (unsaved Account objects), comparing
    `fields`. Returns (created, updated) counts, or with report=True {external_id: "created" |
    "updated" | "unchanged"}; each created or changed account gets its audit row.
    """
    by_id = {account.external_id: account for account in accounts}
    with transaction.atomic():
        stored = {a.external_id: a for a in Account.objects.select_for_update().filter(external_id__in=by_id)}
        to_create = [by_id[external_id] for external_id in sorted(by_id) if external_id not in stored]
        to_update, events = [], []
        for external_id, current in stored.items():
            incoming = by_id[external_id]
            changes = {
                name: [getattr(current, name), getattr(incoming, name)]
                for name in fields
                if getattr(current, name) != getattr(incoming, name)
            }
            if changes:
                for name in changes:
                    setattr(current, name, getattr(incoming, name))
                to_update.append(current)
                events.append(
                    {
                        "actor": actor,
                        "action": AuditAction.ACCOUNT_UPDATED,
                        "target": current,
                        "subject_account": external_id,
                        "changes": {k: v for k, v in changes.items() if k != "email"},
                    }
                )
        Account.objects.bulk_create(to_create)
        if to_update:
            Account.objects.bulk_update(to_update, list(fields))
        events += [
            {
                "actor": actor,
                "action": AuditAction.ACCOUNT_CREATED,
                "target_type": "reputation.account",
                "target_id": account.pk,
                "subject_account": account.external_id,
                "changes": {"kind": [None, account.kind]},
            }
            for account in to_create
        ]
        record_many(events)
    if report:
        statuses = dict.fromkeys(by_id, "unchanged")
        statuses.update(dict.fromkeys((a.external_id for a in to_create), "created"))
        statuses.update(dict.fromkeys((a.external_id for a in to_update), "updated"))
        return statuses
    return len(to_create), len(to_update)


def reveal_private_feedback(*, actor, contract):
    """The raw private 0-10 a client gave: admins only, and every reveal is logged."""
    if not actor.is_staff:
        raise PermissionDenied("Only admins see raw private feedback.")
    record(
        actor=actor,
        action=AuditAction.PRIVATE_FEEDBACK_REVEALED,
        target=contract,
        subject_account=contract.freelancer.external_id,
    )
    return contract.client_private


def check_link(account_id, other_id, reason):
    errors = {}
    if account_id == other_id:
        errors["linked_account"] = "An account cannot be linked to itself."
    if not (reason or "").strip():
        errors["reason"] = "Say what links the two accounts."
    low, high = sorted((account_id, other_id))
    if not errors and AccountLink.objects.filter(account_id=low, linked_account_id=high).exists():
        errors["linked_account"] = "These accounts are already linked."
    return errors


def link_accounts(*, actor, account_id, other_id, reason, source=""):
    """Record that two accounts belong together; their feedback for each other stops counting
    from the next recompute."""
    errors = check_link(account_id, other_id, reason)
    if errors:
        raise ValidationError(errors)
    low, high = sorted((account_id, other_id))
    with transaction.atomic():
        accounts = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=[low, high]).order_by("pk")}
        link = AccountLink.objects.create(
            account=accounts[low], linked_account=accounts[high], reason=reason.strip(), source=source
        )
        for one, other in ((low, high), (high, low)):
            record(
                actor=actor,
                action=AuditAction.ACCOUNTS_LINKED,
                target=link,
                subject_account=accounts[one].external_id,
                reason=link.reason,
                context={"linked_to": accounts[other].external_id, "source": source},
            )
    return link


def unlink_accounts(*, actor, link_id, reason):
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the link was wrong."})
    with transaction.atomic():
        link = AccountLink.objects.select_for_update().select_related("account", "linked_account").get(pk=link_id)
        for one, other in ((link.account, link.linked_account), (link.linked_account, link.account)):
            record(
                actor=actor,
                action=AuditAction.ACCOUNTS_UNLINKED,
                target=link,
                subject_account=one.external_id,
                reason=reason.strip(),
                context={"linked_to": other.external_id},
            )
        link.delete()


def freelancers_rated_by(client_id, since, until=None):
    """Freelancers with final or interim feedback from the client in [since, until): the scores a
    change to the client's credibility moves."""
    final = Q(feedback_at__gte=since) & (Q(feedback_at__lt=until) if until else Q())
    interim = Q(interim_feedback__at__gte=since) & (Q(interim_feedback__at__lt=until) if until else Q())
    return sorted(
        set(Contract.objects.filter(Q(client_id=client_id) & (final | interim)).values_list("freelancer_id", flat=True))
    )


def exclude_client_feedback(*, actor, account_id, since, reason, source):
    """From the next recompute, feedback the client gave from `since` counts for nothing. Returns
    the freelancers whose scores it moves."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if account.feedback_excluded_since == since and account.feedback_excluded_until is None:
            return []
        before = [account.feedback_excluded_since, account.feedback_excluded_until]
        account.feedback_excluded_since, account.feedback_excluded_until = since, None
        account.save(update_fields=["feedback_excluded_since", "feedback_excluded_until", "updated_at"])
        affected = freelancers_rated_by(account.pk, since)
        record(
            actor=actor,
            action=AuditAction.CLIENT_FEEDBACK_EXCLUDED,
            target=account,
            subject_account=account.external_id,
            reason=reason,
            changes={"feedback_excluded": [before, [since, None]]},
            context={"source": source, "freelancers": affected},
        )
    return affected


def end_client_feedback_exclusion(*, actor, account_id, until, reason, source):
    """Feedback the client gives from `until` counts again; what it gave while excluded stays out."""
    with transaction.atomic():
        account = Account.objects.select_for_update().get(pk=account_id)
        if account.feedback_excluded_since is None or account.feedback_excluded_until is not None:
            return
        account.feedback_excluded_until = until
        account.save(update_fields=["feedback_excluded_until", "updated_at"])
        record(
            actor=actor,
            action=AuditAction.CLIENT_FEEDBACK_RESTORED,
            target=account,
            subject_account=account.external_id,
            reason=reason,
            changes={"feedback_excluded_until": [None, until]},
            context={"source": source},
        )
