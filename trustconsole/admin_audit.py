"""Every change made in Django admin leaves one audit row with field-level before and after.

Django admin runs add, change and delete views inside a transaction, so the row recorded here
commits or rolls back with the change itself.
"""

from django.contrib.admin import ModelAdmin

from trustconsole.models import AuditAction
from trustconsole.services import json_safe, record

REDACTED = "[redacted]"
# Values that must never be copied into the log; the log only says that they changed.
SECRET_FIELDS = {"password", "token_hash", "secret"}


def snapshot(obj):
    values = {field.name: field.value_from_object(obj) for field in obj._meta.concrete_fields}
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(str(related) for related in getattr(obj, field.name).all())
    return json_safe(values)


def diff(before, after):
    changes = {}
    for name in sorted(before.keys() | after.keys()):
        old, new = before.get(name), after.get(name)
        if old == new:
            continue
        if name in SECRET_FIELDS:
            old, new = (REDACTED if old else None), REDACTED
        changes[name] = [old, new]
    return changes


def _context(request):
    return {"ip": request.META.get("REMOTE_ADDR", ""), "via": "django-admin"}


class AuditedAdminMixin:
    # Set on admins whose saves and deletions call a service that writes its own audit row.
    recorded_by_service = False

    def audit_action(self, obj, changes, added):
        return AuditAction.ADMIN_ADDED if added else AuditAction.ADMIN_CHANGED

    def audit_subject(self, obj):
        """(subject account external id, case id) when the object belongs to one; hooks for apps."""
        return "", None

    def get_object(self, request, object_id, from_field=None):
        # Placeholder models (django-rq's dashboard) have no table: there is no row to show.
        if not self.model._meta.managed:
            return None
        return super().get_object(request, object_id, from_field)

    def save_model(self, request, obj, form, change):
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        request._audit_before = snapshot(stored) if stored is not None else {}
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self.after_related_saved(request, form.instance)
        if self.recorded_by_service:
            return
        obj = form.instance
        changes = diff(getattr(request, "_audit_before", {}), snapshot(obj))
        if change and not changes:
            return
        subject_account, case_id = self.audit_subject(obj)
        record(
            actor=request.user,
            action=self.audit_action(obj, changes, added=not change),
            target=obj,
            subject_account=subject_account,
            case_id=case_id,
            changes=changes,
            context=_context(request),
        )

    def after_related_saved(self, request, obj):
        """Derive fields that depend on many-to-many values, before the change is recorded."""

    def _record_deletion(self, request, obj):
        if self.recorded_by_service:
            return
        subject_account, case_id = self.audit_subject(obj)
        record(
            actor=request.user,
            action=AuditAction.ADMIN_DELETED,
            target=obj,
            subject_account=subject_account,
            case_id=case_id,
            changes=diff(snapshot(obj), {}),
            context=_context(request),
        )

    def delete_model(self, request, obj):
        self._record_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record_deletion(request, obj)
        super().delete_queryset(request, queryset)


def audit_every_model_admin(site):
    """Wrap third-party ModelAdmins (auth, axes, django-rq) in the mixin, so none escapes it."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdminMixin):
            continue
        admin_class = type(model_admin)
        audited = type(f"Audited{admin_class.__name__}", (AuditedAdminMixin, admin_class), {})
        site.unregister(model)
        site.register(model, audited)


class AuditedModelAdmin(AuditedAdminMixin, ModelAdmin):
    pass


class ReadOnlyAdminMixin:
    """For rows that change only through services (cases) or never (the audit log)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
