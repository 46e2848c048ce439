import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError

from trustconsole import services
from trustconsole.actors import SystemActor
from trustconsole.demo import DEMO_PASSWORD
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.roles import ROLE_NAMES, sync_role_permissions

ROBOT = SystemActor("test-robot")


def perms(role):
    return {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=role).permissions.all()}


def test_the_four_roles_exist_with_the_permissions_of_the_design_table(db):
    assert set(Group.objects.filter(name__in=ROLE_NAMES).values_list("name", flat=True)) == set(ROLE_NAMES)
    assert perms("analyst") == {"trustconsole.view_cases", "trustconsole.work_cases"}
    assert {"trustconsole.approve_actions", "trustconsole.decide_appeals", "trustconsole.export_data"} <= perms("lead")
    assert perms("analyst") < perms("lead")
    assert not any(
        p.split(".")[1].startswith(("add_", "change_", "delete_", "work_", "approve_")) for p in perms("auditor")
    )
    assert {"auth.change_user", "auth.change_group", "trustconsole.view_auditevent"} <= perms("admin")
    assert "trustconsole.work_cases" not in perms("admin")


def test_set_roles_derives_staff_status_and_records_the_change(analyst):
    services.set_roles(actor=ROBOT, user=analyst, roles=["admin", "lead"], reason="promoted")
    analyst.refresh_from_db()
    assert analyst.is_staff
    row = AuditEvent.objects.filter(action=AuditAction.USER_ROLES_CHANGED, target_id=str(analyst.pk)).last()
    assert row.changes == {"roles": [["analyst"], ["admin", "lead"]], "is_staff": [False, True]}
    assert row.reason == "promoted"


def test_set_roles_with_the_same_roles_records_nothing(analyst):
    before = AuditEvent.objects.count()
    services.set_roles(actor=ROBOT, user=analyst, roles=["analyst"])
    assert AuditEvent.objects.count() == before


def test_an_unknown_role_is_refused_and_nothing_changes(analyst):
    before = AuditEvent.objects.count()
    with pytest.raises(ValidationError, match="Unknown roles: superhero"):
        services.set_roles(actor=ROBOT, user=analyst, roles=["superhero"])
    assert list(analyst.groups.values_list("name", flat=True)) == ["analyst"]
    assert AuditEvent.objects.count() == before


def test_a_drifted_role_is_put_back_and_the_repair_is_audited(db):
    group = Group.objects.get(name="analyst")
    group.permissions.clear()
    sync_role_permissions(actor=ROBOT)
    assert perms("analyst") == {"trustconsole.view_cases", "trustconsole.work_cases"}
    row = AuditEvent.objects.filter(action=AuditAction.ROLE_PERMISSIONS_CHANGED).last()
    assert row.changes["permissions"][0] == []


def test_the_demo_loader_creates_the_role_logins_once(db, settings, capsys):
    settings.PRODUCTION = False
    call_command("load_demo")
    call_command("load_demo")
    users = get_user_model().objects.filter(username__in=ROLE_NAMES)
    assert users.count() == 4
    for user in users:
        assert user.check_password(DEMO_PASSWORD)
        assert [g.name for g in user.groups.all()] == [user.username]
        assert user.is_staff == (user.username == "admin")
        assert not user.is_superuser
    # The four roles, a second admin to approve badge overrides, a second analyst for QA reviews.
    assert AuditEvent.objects.filter(action=AuditAction.USER_CREATED).count() == 6
    assert get_user_model().objects.get(username="admin2").is_staff
    assert "already there" in capsys.readouterr().out


def test_the_demo_loader_refuses_a_production_database_without_force(db, settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="Refusing"):
        call_command("load_demo")
    assert not get_user_model().objects.filter(username="analyst").exists()
    call_command("load_demo", force=True)
    assert get_user_model().objects.filter(username="analyst").exists()
