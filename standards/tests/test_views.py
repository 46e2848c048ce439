"""The client standards pages: gates, what they show, the decision form and its bad input."""

from datetime import timedelta

import pytest
from django.urls import reverse

from conftest import client_for
from standards.assessment import assess_clients
from standards.models import ClientStanding, OutreachState
from standards.tests.conftest import NOW, client_account, rated_by
from trustconsole.actors import SystemActor
from trustconsole.models import AuditAction, AuditEvent

ROBOT = SystemActor("client-standards")


@pytest.fixture
def due_client(rude_client):
    assess_clients(actor=ROBOT, as_of=NOW)
    assess_clients(actor=ROBOT, as_of=NOW + timedelta(days=61))
    assert ClientStanding.objects.get(client=rude_client).state == OutreachState.DUE
    return rude_client


def page(user, url):
    return client_for(user).get(url)


def test_the_list_shows_clients_below_standard_with_what_tripped(due_client, lead):
    fine = client_account("cl-fine", name="Kind Co")
    rated_by(fine, 4, 5)
    assess_clients(actor=ROBOT, as_of=NOW + timedelta(days=62))
    body = page(lead, reverse("standards:list")).content.decode()
    assert "Rude Hiring Ltd" in body and "poor_raters" in body
    assert "Kind Co" not in body


def test_the_list_filters_by_tripped_metric_and_state(due_client, lead):
    url = reverse("standards:list")
    assert "Rude Hiring Ltd" in page(lead, url + "?metric=poor_raters&state=due").content.decode()
    assert "Rude Hiring Ltd" not in page(lead, url + "?metric=ghosting").content.decode()
    assert "Rude Hiring Ltd" not in page(lead, url + "?state=monitoring").content.decode()


def test_a_bad_filter_value_shows_an_error_and_no_rows(due_client, lead):
    body = page(lead, reverse("standards:list") + "?state=exploded").content.decode()
    assert 'role="alert"' in body and "Rude Hiring Ltd" not in body


def test_the_list_reads_a_fixed_number_of_queries(due_client, lead, django_assert_max_num_queries):
    for n in range(5):
        client = client_account(f"cl-more-{n}")
        rated_by(client, 3, 1)
    assess_clients(actor=ROBOT, as_of=NOW + timedelta(days=62))
    web = client_for(lead)
    with django_assert_max_num_queries(9):
        response = web.get(reverse("standards:list"))
    assert response.content.decode().count('/standards/"') >= 6


def test_the_queue_lists_decisions_due(due_client, auditor):
    body = page(auditor, reverse("standards:queue")).content.decode()
    assert "Rude Hiring Ltd" in body and "Re-evaluation" in body


def test_the_client_page_shows_progress_against_the_baseline_and_the_evidence(due_client, lead):
    body = page(lead, reverse("standards:client", args=["cl-rude"])).content.decode()
    assert "Freelancers rating the client poorly" in body
    assert "fl-cl-rude-c0" in body  # a contract named as evidence
    assert 'id="decide-form"' in body


def test_auditors_read_the_client_page_without_the_decision_form(due_client, auditor):
    body = page(auditor, reverse("standards:client", args=["cl-rude"])).content.decode()
    assert "Freelancers rating the client poorly" in body and 'id="decide-form"' not in body


def test_the_client_page_reads_a_fixed_number_of_queries(due_client, lead, django_assert_max_num_queries):
    web = client_for(lead)
    with django_assert_max_num_queries(12):
        web.get(reverse("standards:client", args=["cl-rude"]))


def test_user_content_on_the_client_page_is_escaped(catalogue, lead):
    client_account("cl-xss", name="<script>alert(1)</script>")
    body = page(lead, reverse("standards:client", args=["cl-xss"])).content.decode()
    assert "<script>alert(1)</script>" not in body and "&lt;script&gt;" in body


def test_a_lead_restricts_a_client_from_the_page(due_client, lead):
    standing = ClientStanding.objects.get(client=due_client)
    response = client_for(lead).post(
        reverse("standards:decide", args=["cl-rude"]),
        {"decision": "restrict", "reason": "No change in 60 days.", "version": standing.version},
        follow=True,
    )
    assert "Decision recorded" in response.content.decode()
    standing.refresh_from_db()
    assert (standing.state, standing.level) == (OutreachState.IMPROVEMENT, 1)
    assert AuditEvent.objects.filter(action=AuditAction.OUTREACH_RESTRICTED, actor_name="lee").count() == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"decision": "restrict", "reason": ""}, "reason"),
        ({"decision": "extend", "reason": "More time", "days": "2"}, "days"),
        ({"decision": "extend", "reason": "More time", "days": "many"}, "days"),
        ({"decision": "nuke", "reason": "x"}, "decision"),
        ({"decision": "refer", "reason": "x"}, "level 2"),
        ({"decision": "restrict", "reason": "x", "version": "999"}, "changed since you opened"),
    ],
)
def test_bad_decisions_from_the_page_are_refused_and_change_nothing(due_client, lead, data, message):
    standing = ClientStanding.objects.get(client=due_client)
    web = client_for(lead)
    events = AuditEvent.objects.count()
    data.setdefault("version", standing.version)
    response = web.post(reverse("standards:decide", args=["cl-rude"]), data, follow=True)
    body = response.content.decode()
    assert "Nothing decided" in body and message in body
    standing.refresh_from_db()
    assert (standing.state, standing.level) == (OutreachState.DUE, 0)
    assert AuditEvent.objects.count() == events


def test_analysts_and_auditors_cannot_decide(due_client, analyst, auditor):
    standing = ClientStanding.objects.get(client=due_client)
    for user in (analyst, auditor):
        response = client_for(user).post(
            reverse("standards:decide", args=["cl-rude"]),
            {"decision": "restrict", "reason": "x", "version": standing.version},
        )
        assert response.status_code == 403
    standing.refresh_from_db()
    assert standing.level == 0


def test_deciding_needs_a_post(due_client, lead):
    assert client_for(lead).get(reverse("standards:decide", args=["cl-rude"])).status_code == 405


def test_an_unknown_client_is_not_found(catalogue, lead):
    assert page(lead, reverse("standards:client", args=["nobody"])).status_code == 404
