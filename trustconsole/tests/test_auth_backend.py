from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_staff
from trustconsole import services
from trustconsole.actors import SystemActor
from trustconsole.roles import roles_of


def fresh(user):
    """The user as the next request loads it: no per-request caches."""
    return get_user_model().objects.get(pk=user.pk)


def test_roles_and_every_permission_are_read_in_one_query(lead):
    user = fresh(lead)
    with CaptureQueriesContext(connection) as queries:
        assert user.has_perm("trustconsole.approve_actions")
        assert not user.has_perm("auth.change_user")
        assert roles_of(user) == ["lead"]
        assert "trustconsole.view_cases" in user.get_all_permissions()
    assert len(queries) == 1


def test_permissions_come_from_every_role_and_from_the_user_alone(analyst):
    services.set_roles(actor=SystemActor("test"), user=analyst, roles=["analyst", "auditor"])
    analyst.user_permissions.add(Permission.objects.get(codename="view_notice"))
    user = fresh(analyst)
    assert user.get_user_permissions() == {"trustconsole.view_notice"}
    assert user.get_group_permissions() == {
        "trustconsole.view_cases",
        "trustconsole.work_cases",
        "trustconsole.view_dashboards",
        "trustconsole.export_data",
        "trustconsole.view_auditevent",
    }
    assert user.has_perm("trustconsole.view_notice")
    assert user.has_perm("trustconsole.export_data")
    assert roles_of(user) == ["analyst", "auditor"]


def test_someone_without_a_role_holds_no_permission_and_no_role(outsider):
    user = fresh(outsider)
    assert user.get_all_permissions() == set()
    assert roles_of(user) == []


def test_an_inactive_user_holds_no_permission_though_their_roles_still_show(analyst):
    analyst.is_active = False
    analyst.save(update_fields=["is_active"])
    user = fresh(analyst)
    assert not user.has_perm("trustconsole.view_cases")
    assert user.get_all_permissions() == set()
    assert roles_of(user) == ["analyst"]


def test_a_superuser_holds_every_permission(db):
    user = make_staff("root", [])
    user.is_superuser = True
    user.save(update_fields=["is_superuser"])
    assert fresh(user).get_all_permissions() == {
        f"{app}.{code}" for app, code in Permission.objects.values_list("content_type__app_label", "codename")
    }


def test_a_role_taken_away_holds_no_longer_from_the_next_request(lead):
    assert fresh(lead).has_perm("trustconsole.approve_actions")
    services.set_roles(actor=SystemActor("test"), user=lead, roles=["analyst"])
    user = fresh(lead)
    assert not user.has_perm("trustconsole.approve_actions")
    assert roles_of(user) == ["analyst"]
