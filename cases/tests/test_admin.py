import re

from django.urls import reverse

from cases.catalogue import POLICIES
from cases.models import ApiClient, Policy
from cases.tests.conftest import post, signal
from conftest import client_for
from trustconsole.models import AuditAction, AuditEvent


def policy_form(policy, **changes):
    data = {
        "code": policy.code,
        "title": policy.title,
        "area": policy.area,
        "severity": policy.severity,
        "queue": policy.queue_id,
        "sla_hours": policy.sla_hours,
        "tos_url": policy.tos_url,
        "ladder": '["warn", "suspend"]',
        "strike_window_days": policy.strike_window_days,
        "dsa_category": policy.dsa_category,
        "active": "on",
    }
    data.update(changes)
    return data


def test_an_admin_edit_of_a_policy_is_audited_field_by_field(admin, catalogue):
    policy = Policy.objects.get(code="SPAM")
    client = client_for(admin)
    response = client.post(reverse("admin:cases_policy_change", args=[policy.pk]), policy_form(policy, sla_hours=24))
    assert response.status_code == 302
    row = AuditEvent.objects.last()
    assert (row.action, row.target_type, row.actor_name) == (AuditAction.ADMIN_CHANGED, "cases.policy", "adm")
    assert row.changes["sla_hours"] == [72, 24]
    assert row.changes["ladder"] == [["remove_content", "restrict", "suspend"], ["warn", "suspend"]]


def test_a_ladder_with_an_unknown_action_is_refused(admin, catalogue):
    policy = Policy.objects.get(code="SPAM")
    client = client_for(admin)
    before = AuditEvent.objects.count()
    response = client.post(
        reverse("admin:cases_policy_change", args=[policy.pk]), policy_form(policy, ladder='["shame"]')
    )
    assert response.status_code == 200 and "Unknown actions" in response.content.decode()
    assert Policy.objects.get(pk=policy.pk).ladder == ["remove_content", "restrict", "suspend"]
    assert AuditEvent.objects.count() == before


def test_adding_an_api_client_in_admin_shows_its_token_once_and_keeps_its_hash(admin, catalogue):
    response = client_for(admin).post(
        reverse("admin:cases_apiclient_add"), {"name": "partner", "scopes": '["signals"]', "rate_limit_per_minute": 60}
    )
    html = response.content.decode()
    token = re.search(r"<code>(tc_[^<]+)</code>", html).group(1)
    client = ApiClient.objects.get(name="partner")
    assert client.token_hash == ApiClient.hash_token(token) and token not in str(client.__dict__)
    row = AuditEvent.objects.filter(action=AuditAction.ADMIN_ADDED, target_type="cases.apiclient").get()
    assert row.changes["token_hash"] == [None, "[redacted]"]
    assert post(token, "signals", {"signals": [signal("s-1", policy="SPAM")]}).status_code == 200


def test_rotating_replaces_the_token_and_revoking_stops_it(admin, detector_token):
    client = ApiClient.objects.get(name="scam-job-detector")
    staff = client_for(admin)
    page = staff.post(
        reverse("admin:cases_apiclient_changelist"), {"action": "rotate_tokens", "_selected_action": [client.pk]}
    )
    new_token = re.search(r"<code>(tc_[^<]+)</code>", page.content.decode()).group(1)
    assert post(detector_token, "signals", {"signals": []}).status_code == 401
    assert post(new_token, "signals", {"signals": []}).status_code == 200
    staff.post(
        reverse("admin:cases_apiclient_changelist"), {"action": "revoke_clients", "_selected_action": [client.pk]}
    )
    assert post(new_token, "signals", {"signals": []}).status_code == 401
    actions = list(AuditEvent.objects.filter(target_type="cases.apiclient").values_list("action", flat=True))
    assert actions[-2:] == [AuditAction.API_CLIENT_ROTATED, AuditAction.API_CLIENT_REVOKED]


def test_an_api_client_with_unknown_scopes_is_refused(admin, catalogue):
    response = client_for(admin).post(
        reverse("admin:cases_apiclient_add"), {"name": "x", "scopes": '["everything"]', "rate_limit_per_minute": 1}
    )
    assert "Choose scopes from" in response.content.decode()
    assert not ApiClient.objects.filter(name="x").exists()


def test_the_create_api_client_command_prints_a_working_token(catalogue, capsys):
    from django.core.management import call_command

    call_command("create_api_client", "cli-made", "--scope", "signals", "--detector", "scam-job")
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert post(token, "signals", {"signals": [signal("s-1")]}).json()["counts"]["created"] == 1


def test_the_create_api_client_command_refuses_an_unknown_detector(catalogue):
    import pytest
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No detector"):
        call_command("create_api_client", "x", "--scope", "signals", "--detector", "nope")
    assert not ApiClient.objects.filter(name="x").exists()


def test_load_catalogue_is_idempotent(catalogue, capsys):
    from django.core.management import call_command

    call_command("load_catalogue")
    assert "0 created, 0 updated" in capsys.readouterr().out
    assert Policy.objects.count() == len(POLICIES) == 26


def test_an_admin_edits_a_notice_template_and_an_unknown_placeholder_is_refused(admin, catalogue):
    from cases.models import NoticeTemplate

    template = NoticeTemplate.objects.get(kind="warn")
    url = reverse("admin:cases_noticetemplate_change", args=[template.pk])
    client = client_for(admin)
    before = AuditEvent.objects.count()
    bad = client.post(url, {"kind": "warn", "subject": "Hi", "body": "Dear {{ nickname }}"})
    assert bad.status_code == 200 and "Unknown placeholders" in bad.content.decode()
    assert AuditEvent.objects.count() == before
    good = client.post(url, {"kind": "warn", "subject": "A warning", "body": "Dear {{ account_name }}: {{ facts }}"})
    assert good.status_code == 302
    row = AuditEvent.objects.last()
    assert (row.action, row.target_type, row.changes["subject"][1]) == (
        AuditAction.ADMIN_CHANGED,
        "cases.noticetemplate",
        "A warning",
    )


def test_an_admin_configures_a_four_eyes_rule(admin, catalogue):
    from cases.models import FourEyesRule

    response = client_for(admin).post(
        reverse("admin:cases_foureyesrule_add"),
        {"action_kind": "restrict", "min_badge_tier": "expert_vetted", "active": "on", "description": "Vetted"},
    )
    assert response.status_code == 302
    rule = FourEyesRule.objects.get(action_kind="restrict")
    assert rule.holds("restrict", "expert_vetted", 0) and not rule.holds("restrict", "top_rated", 0)
    assert AuditEvent.objects.filter(action=AuditAction.ADMIN_ADDED, target_type="cases.foureyesrule").exists()


def test_a_queue_added_in_admin_is_a_queue_filter_choice_at_once(
    admin, catalogue, analyst, django_capture_on_commit_callbacks
):
    analyst_client = client_for(analyst)
    assert "Payments disputes" not in analyst_client.get(reverse("cases:queue")).content.decode()  # cached now
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            reverse("admin:cases_queue_add"), {"name": "Payments disputes", "slug": "payments-disputes"}
        )
    assert response.status_code == 302
    page = analyst_client.get(reverse("cases:queue"), {"queue": "payments-disputes"})
    assert page.status_code == 200 and not page.context["filter"].errors
    assert '<option value="payments-disputes" selected>Payments disputes</option>' in page.content.decode()
