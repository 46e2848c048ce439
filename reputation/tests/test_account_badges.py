"""The account page's badge panel: the weekly record and projection beside any override, and the
override forms, which only admins see and use."""

import pytest

from conftest import client_for, make_staff
from reputation.evaluation import evaluate_badges
from reputation.models import BadgeOverride
from reputation.tests.conftest import ROBOT, freelancer_with_record, monday_at_noon, score_week
from trustconsole.roles import ADMIN

PAGE = "/accounts/fl-star/"
OVERRIDES = "/accounts/fl-star/overrides"


@pytest.fixture
def star(db):
    account = freelancer_with_record()
    for week in range(10):
        moment = monday_at_noon(week)
        score_week(account, moment, 0.95, 0.85)
        evaluate_badges(actor=ROBOT, now=moment)
    return account


def test_the_panel_shows_the_weekly_record_and_the_projected_award_week(star, analyst):
    html = client_for(analyst).get(PAGE).content.decode()
    assert "bar met 10 of 16 weeks (needs 13)" in html
    # Ten weeks met as of the week of 2026-08-03: three more strong weeks give Top Rated.
    assert "earliest award the week of 2026-08-24" in html
    assert html.count('class="week met"') >= 10
    assert "Rising Talent: awarded 2026-06-01 (Weekly evaluation, rule v1)" in html
    assert 'id="override-form"' not in html


def test_an_admin_grants_a_badge_from_the_account_page_and_sees_it_beside_the_rules(star, admin):
    web = client_for(admin)
    data = {"tier": "top_rated", "effect": "grant", "reason": "Enterprise pilot", "days": "30"}
    response = web.post(OVERRIDES, data)
    assert response.status_code == 302
    html = web.get(PAGE).content.decode()
    assert "Override in force." in html and "Grant until" in html
    assert "not eligible: bar met 10 of 16 weeks" in html


def test_a_bad_override_form_changes_nothing_and_says_why(star, admin):
    web = client_for(admin)
    response = web.post(OVERRIDES, {"tier": "top_rated", "effect": "grant", "reason": "x", "days": "120"}, follow=True)
    assert "Override not requested" in response.content.decode()
    response = web.post(OVERRIDES, {"tier": "gold", "effect": "grant", "reason": "x", "days": "10"}, follow=True)
    assert "Override not requested" in response.content.decode()
    assert not BadgeOverride.objects.exists()


def test_the_requester_cannot_approve_on_the_page_but_a_second_admin_can(star, admin):
    web = client_for(admin)
    web.post(OVERRIDES, {"tier": "expert_vetted", "effect": "grant", "reason": "Interview passed", "days": "90"})
    override = BadgeOverride.objects.get()
    response = web.post(f"{OVERRIDES}/{override.pk}/approve", follow=True)
    assert "second admin" in response.content.decode()
    assert BadgeOverride.objects.get().status == "pending"
    other = client_for(make_staff("adm2", [ADMIN]))
    assert "Approve" in other.get(PAGE).content.decode()
    other.post(f"{OVERRIDES}/{override.pk}/approve")
    assert BadgeOverride.objects.get().status == "active"


def test_a_rejection_without_a_reason_is_refused(star, admin):
    web = client_for(admin)
    web.post(OVERRIDES, {"tier": "expert_vetted", "effect": "grant", "reason": "Interview passed", "days": "90"})
    override = BadgeOverride.objects.get()
    other = client_for(make_staff("adm2", [ADMIN]))
    assert "say why" in other.post(f"{OVERRIDES}/{override.pk}/reject", {"reason": ""}, follow=True).content.decode()
    assert BadgeOverride.objects.get().status == "pending"
    other.post(f"{OVERRIDES}/{override.pk}/reject", {"reason": "No interview on file"})
    assert BadgeOverride.objects.get().status == "rejected"


def test_override_posts_are_refused_to_other_roles(star, lead, analyst):
    for user in (lead, analyst):
        data = {"tier": "top_rated", "effect": "grant", "reason": "x", "days": "10"}
        assert client_for(user).post(OVERRIDES, data).status_code == 403
    assert not BadgeOverride.objects.exists()


def test_an_override_of_another_accounts_id_is_not_found(star, admin):
    other = freelancer_with_record("fl-other")
    web = client_for(admin)
    web.post(
        f"/accounts/{other.external_id}/overrides",
        {"tier": "expert_vetted", "effect": "grant", "reason": "r", "days": "9"},
    )
    override = BadgeOverride.objects.get()
    assert client_for(make_staff("adm2", [ADMIN])).post(f"{OVERRIDES}/{override.pk}/approve").status_code == 404
