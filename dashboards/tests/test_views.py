"""The dashboard pages: who may read them, the period, escaping, the charts, and query counts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import CaseStatus, Detector, Policy
from conftest import client_for
from dashboards.tests.conftest import History

PAGES = ["/dashboards/", "/dashboards/quality/", "/dashboards/fairness/"]


@pytest.fixture
def lived_in(history, ann, bob, lead):
    """A little of everything, written relative to the real clock (the views use it)."""
    now = timezone.now()
    Policy.objects.filter(code="CIR-PAY").update(title="Off-platform <b>payment</b>")
    Detector.objects.filter(slug="contact-info").update(name="Contact <img src=x onerror=alert(1)>")
    for n in range(6):
        case = history.case(
            opened=now - timedelta(days=n + 1),
            status=CaseStatus.ACTIONED if n % 2 else CaseStatus.DISMISSED,
            claimed_at=now - timedelta(days=n, minutes=30),
            decided_at=now - timedelta(days=n),
            decided_by=ann if n < 3 else bob,
            due_at=now + timedelta(days=1),
        )
        history.signal(case, "contact-info")
        if n % 2:
            history.action(case, by=ann, at=now - timedelta(days=n))
    history.case(opened=now - timedelta(days=2), due_at=now - timedelta(hours=3))
    return now


@pytest.mark.parametrize("path", PAGES)
def test_a_lead_and_an_auditor_read_each_dashboard(path, lead, auditor, lived_in):
    for user in (lead, auditor):
        response = client_for(user).get(path)
        assert response.status_code == 200
        assert response.content.decode().count('<svg class="chart"') >= 2


@pytest.mark.parametrize("path", PAGES)
def test_analysts_may_not_read_dashboards(path, analyst):
    assert client_for(analyst).get(path).status_code == 403


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("days", ["0", "31", "abc", "-7", "7.5"])
def test_a_bad_period_is_an_error_with_no_figures(path, days, lead):
    response = client_for(lead).get(path, {"days": days})
    html = response.content.decode()
    assert response.status_code == 400 and "Select a valid choice" in html
    assert '<svg class="chart"' not in html


def test_the_period_chosen_is_the_one_shown(lead, lived_in):
    html = client_for(lead).get("/dashboards/", {"days": "7"}).content.decode()
    assert html.count('<tr><th scope="row">20') == 8  # a row per UTC day touched by 7 days
    assert 'id="fig-decided">6<' in html and 'id="fig-breached">1<' in html
    assert 'id="fig-grouping">0<' in html  # the history's signals have all joined their cases


def test_user_content_in_figures_is_escaped(lead, lived_in):
    quality = client_for(lead).get("/dashboards/quality/").content.decode()
    assert "<img src=x" not in quality and "Contact &lt;img src=x onerror=alert(1)&gt;" in quality
    assert "<b>payment</b>" not in quality


def test_the_operations_page_lists_the_breached_case(lead, lived_in):
    html = client_for(lead).get("/dashboards/").content.decode()
    alerts = html[html.index('id="sla-alerts"') :]
    assert alerts.count('class="breached"') == 1


# Pinned: the figures are a fixed number of set-based reads however much data there is.
@pytest.mark.parametrize(("path", "queries"), [(PAGES[0], 16), (PAGES[1], 20), (PAGES[2], 13)])
def test_each_dashboard_reads_a_fixed_number_of_queries(
    path, queries, lead, lived_in, django_assert_max_num_queries, history
):
    client = client_for(lead)
    client.get(path)
    with django_assert_max_num_queries(queries):
        client.get(path)
    more = History()
    more.accounts = 1000
    for _ in range(20):
        more.case(opened=lived_in - timedelta(days=1), status=CaseStatus.DISMISSED, decided_at=lived_in)
    with django_assert_max_num_queries(queries):
        client.get(path)
