"""Writes of the core: the audit log, staff users and their roles."""

import json

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from trustconsole.actors import audit_identity
from trustconsole.db import insert_rows
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.roles import ROLE_NAMES, STAFF_ROLE

# Any fixed 64-bit number: every appender takes this advisory lock, so rows join the chain one
# at a time even when many transactions record at once.
AUDIT_CHAIN_LOCK = 0x7C0A_0D17
GENESIS_HASH = "0" * 64

AUDIT_COLUMNS = [field.name for field in AuditEvent._meta.concrete_fields if not field.primary_key]

# Once: AuditAction.values builds a new list on every read, and intake writes a row per case.
AUDIT_VOCABULARY = frozenset(AuditAction.values)


def json_safe(value):
    # What is hashed must be exactly what the JSON column gives back when the chain is verified.
    if not value:
        return {}
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder, sort_keys=True))


def _target_of(target):
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def _lock_chain_and_read_head():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])
    # SQLite runs transactions in IMMEDIATE mode (settings), which serialises writers too.
    return AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first() or GENESIS_HASH


def _event_values(
    *,
    actor,
    action,
    target=None,
    target_type="",
    target_id="",
    subject_account="",
    case_id=None,
    reason="",
    changes=None,
    context=None,
    occurred_at=None,
):
    if action not in AUDIT_VOCABULARY:
        raise ValueError(f"{action!r} is not in the audit vocabulary (trustconsole.models.AuditAction)")
    if target is not None:
        target_type, target_id = _target_of(target)
    actor_kind, actor_id, actor_name = audit_identity(actor)
    return {
        "occurred_at": occurred_at or timezone.now(),
        "actor_kind": actor_kind,
        "actor_id": actor_id,
        "actor_name": actor_name,
        "action": action,
        "target_type": target_type,
        "target_id": str(target_id),
        "subject_account": subject_account,
        "case_id": case_id,
        "reason": reason,
        "changes": json_safe(changes),
        "context": json_safe(context),
    }


def record(**fields):
    """Append one audit row and return it. Call it inside the transaction of the change it
    describes.

    Fields: actor (required), action (an AuditAction), target or target_type and target_id,
    subject_account, case_id, reason, changes ({field: [before, after]}), context.
    """
    values = _event_values(**fields)
    (pk,) = _append([values])
    event = AuditEvent(pk=pk, **values)
    event._state.adding, event._state.db = False, connection.alias
    return event


def record_many(rows):
    """Append several audit rows (each as record()'s fields) in one insert, chained in the order
    given; return their ids. Bulk writers record thousands of rows a run, so no model instance
    is built for them."""
    return _append([_event_values(**fields) for fields in rows])


def _append(rows):
    # Nothing to record takes no lock: the chain lock serialises every writer until it commits.
    if not rows:
        return []
    with transaction.atomic():
        previous = _lock_chain_and_read_head()
        for values in rows:
            values["prev_hash"] = previous
            values["hash"] = previous = AuditEvent.hash_of(values)
        inserted = insert_rows(
            AuditEvent,
            AUDIT_COLUMNS,
            [tuple(values[name] for name in AUDIT_COLUMNS) for values in rows],
            returning=("id",),
        )
    return [pk for (pk,) in inserted]


def record_audit_export(*, actor, filters):
    """Who exported which part of the audit log: the export itself is a view of sensitive data."""
    return record(actor=actor, action=AuditAction.AUDIT_EXPORTED, context={"filters": filters})


def _role_names(user):
    return sorted(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))


def set_roles(*, actor, user, roles, reason=""):
    """Give a staff user exactly these roles. Staff status (Django admin) follows the admin role."""
    roles = sorted(set(roles))
    unknown = set(roles) - set(ROLE_NAMES)
    if unknown:
        raise ValidationError(f"Unknown roles: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        before_roles, before_staff = _role_names(user), user.is_staff
        is_staff = STAFF_ROLE in roles
        if before_roles == roles and before_staff == is_staff:
            return user
        other_groups = user.groups.exclude(name__in=ROLE_NAMES)
        user.groups.set([*other_groups, *Group.objects.filter(name__in=roles)])
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
        changes = {"roles": [before_roles, roles]}
        if before_staff != is_staff:
            changes["is_staff"] = [before_staff, is_staff]
        record(actor=actor, action=AuditAction.USER_ROLES_CHANGED, target=user, reason=reason, changes=changes)
    return user


def create_staff_user(*, actor, username, password, roles, email="", reason=""):
    User = get_user_model()
    with transaction.atomic():
        user = User(username=username, email=email)
        user.set_password(password)
        user.save()
        record(
            actor=actor,
            action=AuditAction.USER_CREATED,
            target=user,
            reason=reason,
            changes={"username": [None, username]},
        )
        user = set_roles(actor=actor, user=user, roles=roles, reason=reason)
    return user


def change_password(*, actor, user, new_password):
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        user.set_password(new_password)
        user.save(update_fields=["password"])
        record(actor=actor, action=AuditAction.PASSWORD_CHANGED, target=user)
    return user
