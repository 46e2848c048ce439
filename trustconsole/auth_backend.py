"""Permissions and roles of the signed-in person, read in one query per request.

Django's ModelBackend reads a user's own permissions and their groups' permissions in two
queries, and the navigation reads the groups (the person's roles) in a third; every page pays
all three. This backend reads the three together and fills the same per-request caches on the
user object, so permission checks and roles_of() behave as before. Nothing is kept across
requests: a role granted or taken away holds from the next request on.
"""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.db import connections, router

# Every role of the user with each of its permissions (a role without any still yields a row,
# with NULLs), then the user's own permissions, with NULL for the role.
_ROLES_AND_PERMISSIONS = """
    SELECT g.name, ct.app_label, p.codename
    FROM auth_user_groups AS ug
    JOIN auth_group AS g ON g.id = ug.group_id
    LEFT JOIN auth_group_permissions AS gp ON gp.group_id = g.id
    LEFT JOIN auth_permission AS p ON p.id = gp.permission_id
    LEFT JOIN django_content_type AS ct ON ct.id = p.content_type_id
    WHERE ug.user_id = %s
    UNION ALL
    SELECT NULL, ct.app_label, p.codename
    FROM auth_user_user_permissions AS up
    JOIN auth_permission AS p ON p.id = up.permission_id
    JOIN django_content_type AS ct ON ct.id = p.content_type_id
    WHERE up.user_id = %s
"""


def _load(user):
    """Fill the user's per-request caches: group names, own and group permissions."""
    with connections[router.db_for_read(Permission)].cursor() as cursor:
        cursor.execute(_ROLES_AND_PERMISSIONS, [user.pk, user.pk])
        rows = cursor.fetchall()
    user._group_names_cache = {group for group, _, _ in rows if group is not None}
    user._user_perm_cache = {f"{app}.{code}" for group, app, code in rows if group is None}
    user._group_perm_cache = {f"{app}.{code}" for group, app, code in rows if group is not None and code}


def group_names(user):
    """Names of the groups an authenticated user belongs to, read once per request."""
    if not hasattr(user, "_group_names_cache"):
        _load(user)
    return user._group_names_cache


class RoleBackend(ModelBackend):
    """ModelBackend's rules (inactive users hold nothing, superusers hold every permission,
    object permissions are not handled here) with one query for what ModelBackend reads in two."""

    def _get_permissions(self, user_obj, obj, from_name):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super()._get_permissions(user_obj, obj, from_name)
        cache_name = f"_{from_name}_perm_cache"
        if not hasattr(user_obj, cache_name):
            _load(user_obj)
        return getattr(user_obj, cache_name)
