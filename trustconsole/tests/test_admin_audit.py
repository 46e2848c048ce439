from django.contrib import admin as django_admin
from django.contrib.auth.models import Group
from django.urls import reverse

from conftest import client_for
from trustconsole.admin_audit import AuditedAdminMixin
from trustconsole.models import AuditAction, AuditEvent


def test_every_model_admin_records_its_changes():
    unaudited = [
        model._meta.label for model, ma in django_admin.site._registry.items() if not isinstance(ma, AuditedAdminMixin)
    ]
    assert unaudited == []


def user_form(user, **overrides):
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": user.email,
        "is_active": "on",
        "groups": [g.pk for g in user.groups.all()],
        "last_login_0": "",
        "last_login_1": "",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def test_giving_a_user_the_lead_role_in_admin_leaves_one_row_with_before_and_after(admin, analyst):
    client = client_for(admin)
    before = AuditEvent.objects.count()
    lead_group = Group.objects.get(name="lead")
    response = client.post(
        reverse("admin:auth_user_change", args=[analyst.pk]), user_form(analyst, groups=[lead_group.pk])
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.count() == before + 1
    row = AuditEvent.objects.last()
    assert row.action == AuditAction.USER_ROLES_CHANGED
    assert (row.actor_id, row.target_type, row.target_id) == (str(admin.pk), "auth.user", str(analyst.pk))
    assert row.changes == {"groups": [["analyst"], ["lead"]]}
    assert row.context["via"] == "django-admin"


def test_staff_status_follows_the_admin_role_when_roles_change_in_admin(admin, analyst):
    admin_group = Group.objects.get(name="admin")
    client_for(admin).post(
        reverse("admin:auth_user_change", args=[analyst.pk]), user_form(analyst, groups=[admin_group.pk])
    )
    analyst.refresh_from_db()
    assert analyst.is_staff
    row = AuditEvent.objects.last()
    assert row.changes["is_staff"] == [False, True]
    assert row.changes["groups"] == [["analyst"], ["admin"]]


def test_a_bad_admin_edit_changes_nothing_and_records_nothing(admin, analyst):
    client = client_for(admin)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:auth_user_change", args=[analyst.pk]), user_form(analyst, username="no spaces allowed!")
    )
    assert response.status_code == 200
    assert "Enter a valid username" in response.content.decode()
    analyst.refresh_from_db()
    assert analyst.username == "ana"
    assert AuditEvent.objects.count() == before


def test_saving_an_unchanged_object_records_nothing(admin, analyst):
    client = client_for(admin)
    before = AuditEvent.objects.count()
    client.post(reverse("admin:auth_user_change", args=[analyst.pk]), user_form(analyst))
    assert AuditEvent.objects.count() == before


def test_editing_a_roles_permissions_in_admin_is_audited(admin):
    group = Group.objects.get(name="auditor")
    kept = list(group.permissions.values_list("pk", flat=True))
    response = client_for(admin).post(
        reverse("admin:auth_group_change", args=[group.pk]), {"name": "auditor", "permissions": kept[:-1]}
    )
    assert response.status_code == 302
    row = AuditEvent.objects.last()
    assert (row.action, row.target_type, row.target_id) == (AuditAction.ADMIN_CHANGED, "auth.group", str(group.pk))
    before, after = row.changes["permissions"]
    assert len(before) == len(after) + 1


def test_setting_a_password_in_admin_is_audited_without_the_password(admin, analyst):
    response = client_for(admin).post(
        reverse("admin:auth_user_password_change", args=[analyst.pk]),
        {"password1": "brand-new-passphrase", "password2": "brand-new-passphrase", "usable_password": "true"},
    )
    assert response.status_code == 302
    row = AuditEvent.objects.last()
    assert (row.action, row.target_id) == (AuditAction.PASSWORD_CHANGED, str(analyst.pk))
    assert "brand-new-passphrase" not in str(row.hashed_content())


def test_adding_and_deleting_in_admin_are_audited_with_the_values(admin):
    client = client_for(admin)
    response = client.post(reverse("admin:auth_group_add"), {"name": "night shift"})
    assert response.status_code == 302
    group = Group.objects.get(name="night shift")
    added = AuditEvent.objects.last()
    assert added.action == AuditAction.ADMIN_ADDED
    assert added.changes["name"] == [None, "night shift"]
    response = client.post(reverse("admin:auth_group_delete", args=[group.pk]), {"post": "yes"})
    assert response.status_code == 302
    deleted = AuditEvent.objects.last()
    assert (deleted.action, deleted.target_id) == (AuditAction.ADMIN_DELETED, str(group.pk))
    assert deleted.changes["name"] == ["night shift", None]
