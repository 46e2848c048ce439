from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.db import transaction

from trustconsole.admin_audit import AuditedAdminMixin, AuditedModelAdmin, ReadOnlyAdminMixin
from trustconsole.models import AuditAction, AuditEvent, Notice
from trustconsole.roles import ROLE_NAMES, STAFF_ROLE
from trustconsole.services import record

User = get_user_model()


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    list_display = ["id", "occurred_at", "actor_name", "action", "target_type", "target_id", "subject_account"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["actor_name", "target_id", "subject_account"]
    show_full_result_count = False


admin.site.unregister(User)
admin.site.unregister(Group)


@admin.register(User)
class StaffUserAdmin(AuditedAdminMixin, UserAdmin):
    """Roles are groups; staff status is derived from the admin role, never set by hand."""

    list_display = ["username", "email", "is_active", "is_staff", "role_list", "last_login"]
    list_filter = ["is_active", "is_staff", "groups"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Person", {"fields": ["first_name", "last_name", "email"]}),
        ("Roles", {"fields": ["is_active", "groups"], "description": "Staff status follows the admin role."}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]

    @admin.display(description="Roles")
    def role_list(self, user):
        return ", ".join(g.name for g in user.groups.all() if g.name in ROLE_NAMES)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    def after_related_saved(self, request, user):
        is_staff = user.groups.filter(name=STAFF_ROLE).exists()
        if user.is_staff != is_staff:
            user.is_staff = is_staff
            user.save(update_fields=["is_staff"])

    def audit_action(self, obj, changes, added):
        if not added and ({"groups", "is_staff", "is_active"} & changes.keys()):
            return AuditAction.USER_ROLES_CHANGED
        return super().audit_action(obj, changes, added)

    def user_change_password(self, request, id, form_url=""):
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                record(
                    actor=request.user,
                    action=AuditAction.PASSWORD_CHANGED,
                    target_type="auth.user",
                    target_id=id,
                    context={"via": "django-admin"},
                )
        return response


@admin.register(Group)
class RoleGroupAdmin(AuditedAdminMixin, GroupAdmin):
    pass


@admin.register(Notice)
class NoticeAdmin(ReadOnlyAdminMixin, AuditedModelAdmin):
    """The outbox, for admins to see what failed and why; notices change only through the job."""

    list_display = ["id", "kind", "subject_account", "status", "attempts", "created_at", "sent_at", "last_error"]
    list_filter = ["status", "kind"]
