"""The four roles of DESIGN.md as Django groups, and the permissions each one holds.

Groups are created by a data migration; their permissions are kept in step with this table after
every migrate (new models bring new permissions), and any change is audited.
"""

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from trustconsole.auth_backend import group_names

ANALYST, LEAD, ADMIN, AUDITOR = "analyst", "lead", "admin", "auditor"
ROLE_NAMES = (ANALYST, LEAD, ADMIN, AUDITOR)
# Staff status opens Django admin and the django-rq dashboard, which check nothing else.
STAFF_ROLE = ADMIN

ANALYST_PERMISSIONS = ["trustconsole.view_cases", "trustconsole.work_cases"]
ROLE_PERMISSIONS = {
    ANALYST: ANALYST_PERMISSIONS,
    LEAD: [
        *ANALYST_PERMISSIONS,
        "trustconsole.approve_actions",
        "trustconsole.reassign_cases",
        "trustconsole.decide_appeals",
        "trustconsole.decide_outreach",
        "trustconsole.view_dashboards",
        "trustconsole.export_data",
        "trustconsole.view_auditevent",
    ],
    AUDITOR: [
        "trustconsole.view_cases",
        "trustconsole.view_dashboards",
        "trustconsole.export_data",
        "trustconsole.view_auditevent",
    ],
    ADMIN: ["trustconsole.view_auditevent", "trustconsole.view_notice"],
}
# Admins edit everything these apps keep in Django admin: reference data, reputation rules and
# overrides, staff and roles, and login lockouts.
ADMIN_EDITS_APPS = ("cases", "reputation", "standards", "auth", "axes")


def _permissions_named(names):
    wanted = {tuple(name.split(".", 1)) for name in names}
    found = Permission.objects.filter(
        content_type__app_label__in={app for app, _ in wanted}, codename__in={code for _, code in wanted}
    ).select_related("content_type")
    found = {(p.content_type.app_label, p.codename): p for p in found}
    missing = wanted - found.keys()
    if missing:
        raise LookupError(f"Roles name permissions that do not exist: {sorted('.'.join(m) for m in missing)}")
    return set(found.values())


def desired_permissions(role):
    permissions = _permissions_named(ROLE_PERMISSIONS[role])
    if role == ADMIN:
        permissions |= set(Permission.objects.filter(content_type__app_label__in=ADMIN_EDITS_APPS))
    return permissions


def _label(permission):
    return f"{permission.content_type.app_label}.{permission.codename}"


def sync_role_permissions(*, actor):
    from trustconsole.models import AuditAction
    from trustconsole.services import record

    with transaction.atomic():
        for role in ROLE_NAMES:
            group, _ = Group.objects.get_or_create(name=role)
            current = set(group.permissions.select_related("content_type"))
            desired = desired_permissions(role)
            if current == desired:
                continue
            group.permissions.set(desired)
            record(
                actor=actor,
                action=AuditAction.ROLE_PERMISSIONS_CHANGED,
                target=group,
                changes={"permissions": [sorted(map(_label, current)), sorted(map(_label, desired))]},
            )


def sync_roles_after_migrate(sender, using="default", **kwargs):
    from trustconsole.actors import SystemActor

    # trustconsole is the last app in INSTALLED_APPS, so by its turn every permission exists.
    if sender.name == "trustconsole":
        sync_role_permissions(actor=SystemActor("migrate"))


def roles_of(user):
    if not user.is_authenticated:
        return []
    held = group_names(user)
    return [name for name in ROLE_NAMES if name in held]
