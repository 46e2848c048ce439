"""Reputation in Django admin: drafts only are editable, bad values are refused with nothing
changed, overrides and links go through their services, and linked raters stop counting."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import client_for
from reputation.models import Account, AccountLink, BadgeOverride, BadgeRule, Contract, ScoreSnapshot, ScoringParameters
from reputation.scores import recompute_scores
from reputation.services import link_accounts, unlink_accounts
from reputation.tests.conftest import ROBOT
from trustconsole.models import AuditAction, AuditEvent

RULE_URL = "/admin/reputation/badgerule/"
PARAMS_URL = "/admin/reputation/scoringparameters/"


def rule_form(**changes):
    published = BadgeRule.objects.published().get(tier="top_rated")
    data = {name: getattr(published, name) for name in ["tier", "min_score", "min_lower_bound", "keep_score"]}
    data.update(
        keep_lower_bound=published.keep_lower_bound,
        min_earnings_12m_cents=published.min_earnings_12m_cents,
        min_tenure_days=published.min_tenure_days,
        min_distinct_clients=published.min_distinct_clients,
        min_largest_contract_cents=0,
        clean_days=90,
        active_within_days=90,
        required_weeks=13,
        window_weeks=16,
        warning_weeks=4,
        note="",
    )
    data.update(changes)
    return data


def test_an_admin_adds_a_badge_rule_draft_and_the_change_is_audited(admin):
    response = client_for(admin).post(f"{RULE_URL}add/", rule_form(min_score=0.88, note="softer"))
    assert response.status_code == 302
    draft = BadgeRule.objects.drafts().get()
    assert draft.min_score == 0.88 and draft.version is None
    assert AuditEvent.objects.get(action=AuditAction.ADMIN_ADDED).changes["min_score"] == [None, 0.88]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"keep_score": 0.95}, "keep bar cannot be above"),
        ({"keep_lower_bound": 0.9}, "keep bar cannot be above"),
        ({"required_weeks": 17}, "more weeks than its window"),
        ({"min_score": 1.5}, "less than or equal to 1"),
        ({"window_weeks": 0}, "greater than or equal to 1"),
        ({"min_score": "high"}, "Enter a number"),
    ],
)
def test_bad_badge_rules_are_refused_and_nothing_is_stored(admin, changes, message):
    response = client_for(admin).post(f"{RULE_URL}add/", rule_form(**changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert not BadgeRule.objects.drafts().exists() and not AuditEvent.objects.filter(action="admin.added").exists()


def test_a_second_draft_of_one_tier_is_refused(admin):
    web = client_for(admin)
    web.post(f"{RULE_URL}add/", rule_form(min_score=0.88))
    response = web.post(f"{RULE_URL}add/", rule_form(min_score=0.87))
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert BadgeRule.objects.drafts().count() == 1


def test_published_versions_cannot_be_edited_or_deleted(admin):
    web = client_for(admin)
    published = BadgeRule.objects.published().get(tier="top_rated")
    response = web.post(f"{RULE_URL}{published.pk}/change/", rule_form(min_score=0.5))
    assert response.status_code == 403
    assert web.post(f"{RULE_URL}{published.pk}/delete/", {"post": "yes"}).status_code == 403
    assert BadgeRule.objects.get(pk=published.pk).min_score == 0.9
    params = ScoringParameters.objects.published().get()
    assert web.post(f"{PARAMS_URL}{params.pk}/change/", {"prior_mean": 0.5}).status_code == 403


def parameter_form(**changes):
    data = {
        "prior_mean": 0.85,
        "prior_strength": 4,
        "private_share": 0.7,
        "half_life_days": 180,
        "max_age_days": 730,
        "max_contract_weight": 8,
        "max_client_weight": 8,
        "lower_quantile": 0.1,
        "public_min_contracts": 2,
        "public_min_clients": 2,
        "note": "",
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    "changes",
    [
        {"prior_mean": 1.5},
        {"prior_strength": 0},
        {"lower_quantile": 0.9},
        {"public_min_clients": 0},
        {"half_life_days": "x"},
    ],
)
def test_bad_scoring_parameters_are_refused_and_nothing_is_stored(admin, changes):
    response = client_for(admin).post(f"{PARAMS_URL}add/", parameter_form(**changes))
    assert response.status_code == 200 and "errornote" in response.content.decode()
    assert not ScoringParameters.objects.drafts().exists()


def test_only_one_scoring_draft_at_a_time(admin):
    web = client_for(admin)
    assert web.post(f"{PARAMS_URL}add/", parameter_form(prior_mean=0.8)).status_code == 302
    response = web.post(f"{PARAMS_URL}add/", parameter_form(prior_mean=0.7))
    assert response.status_code == 200 and "already exists" in response.content.decode()
    assert ScoringParameters.objects.drafts().count() == 1


@pytest.fixture
def pair(db):
    freelancer = Account.objects.create(external_id="fl-1", kind="freelancer")
    client = Account.objects.create(
        external_id="cl-1", kind="client", payment_verified=True, joined_at=timezone.now() - timedelta(days=400)
    )
    now = timezone.now()
    Contract.objects.create(
        external_id="ct-1",
        freelancer=freelancer,
        client=client,
        kind="fixed",
        started_at=now - timedelta(days=60),
        ended_at=now - timedelta(days=10),
        earnings_cents=30_000,
        client_private=10,
        client_public=5,
        feedback_at=now - timedelta(days=10),
    )
    return freelancer, client


def test_an_override_requested_in_admin_goes_through_the_service(admin, pair):
    freelancer, _ = pair
    data = {"account": freelancer.pk, "tier": "top_rated", "effect": "grant", "reason": "pilot", "days": 30}
    response = client_for(admin).post("/admin/reputation/badgeoverride/add/", data)
    assert response.status_code == 302
    assert BadgeOverride.objects.get().status == "active"
    actions = list(AuditEvent.objects.filter(subject_account="fl-1").values_list("action", flat=True))
    assert actions == [AuditAction.OVERRIDE_REQUESTED, AuditAction.BADGE_AWARDED]


@pytest.mark.parametrize(
    ("changes", "message"),
    [({"days": 91}, "1 to 90 days"), ({"reason": ""}, "required"), ({"account": "cl"}, "Clients")],
)
def test_bad_overrides_in_admin_are_refused_with_nothing_stored(admin, pair, changes, message):
    freelancer, client = pair
    data = {"account": freelancer.pk, "tier": "top_rated", "effect": "grant", "reason": "pilot", "days": 30}
    data.update(changes)
    if data["account"] == "cl":
        data["account"] = client.pk
    response = client_for(admin).post("/admin/reputation/badgeoverride/add/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not BadgeOverride.objects.exists()


def test_the_admin_approve_action_refuses_the_requester_and_accepts_another_admin(admin, pair):
    from conftest import make_staff
    from trustconsole.roles import ADMIN

    freelancer, _ = pair
    data = {"account": freelancer.pk, "tier": "expert_vetted", "effect": "grant", "reason": "interview", "days": 90}
    client_for(admin).post("/admin/reputation/badgeoverride/add/", data)
    override = BadgeOverride.objects.get()
    action = {"action": "approve", "_selected_action": [override.pk]}
    client_for(admin).post("/admin/reputation/badgeoverride/", action)
    assert BadgeOverride.objects.get().status == "pending"
    client_for(make_staff("adm2", [ADMIN])).post("/admin/reputation/badgeoverride/", action)
    assert BadgeOverride.objects.get().status == "active"


def test_a_linked_clients_feedback_stops_counting_with_its_own_reason(pair):
    freelancer, client = pair
    link_accounts(actor=ROBOT, account_id=client.pk, other_id=freelancer.pk, reason="same payout account")
    run = recompute_scores(actor=ROBOT)
    ledger = ScoreSnapshot.objects.get(run=run, account=freelancer).ledger
    assert [entry["excluded"] for entry in ledger] == ["rater_linked_to_freelancer"]
    link = AccountLink.objects.get()
    assert (link.account_id, link.linked_account_id) == (freelancer.pk, client.pk)  # lower id first
    assert set(
        AuditEvent.objects.filter(action=AuditAction.ACCOUNTS_LINKED).values_list("subject_account", flat=True)
    ) == {
        "fl-1",
        "cl-1",
    }
    unlink_accounts(actor=ROBOT, link_id=link.pk, reason="false match")
    assert not AccountLink.objects.exists()
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNTS_UNLINKED).count() == 2


@pytest.mark.parametrize(
    ("which", "reason", "message"),
    [("self", "same device", "itself"), ("pair", "", "required"), ("again", "dup", "already linked")],
)
def test_bad_links_in_admin_are_refused_with_nothing_stored(admin, pair, which, reason, message):
    freelancer, client = pair
    if which == "again":
        link_accounts(actor=ROBOT, account_id=freelancer.pk, other_id=client.pk, reason="first")
    other = freelancer if which == "self" else client
    data = {"account": freelancer.pk, "linked_account": other.pk, "reason": reason, "source": ""}
    response = client_for(admin).post("/admin/reputation/accountlink/add/", data)
    assert response.status_code == 200 and message in response.content.decode()
    assert AccountLink.objects.count() == (1 if which == "again" else 0)


def test_a_link_typed_in_either_order_is_stored_once_through_the_service(admin, pair):
    freelancer, client = pair
    data = {"account": client.pk, "linked_account": freelancer.pk, "reason": "shared card", "source": "manual"}
    response = client_for(admin).post("/admin/reputation/accountlink/add/", data)
    assert response.status_code == 302
    link = AccountLink.objects.get()
    assert link.account_id < link.linked_account_id
    assert AuditEvent.objects.filter(action=AuditAction.ACCOUNTS_LINKED).count() == 2
    assert not AuditEvent.objects.filter(action=AuditAction.ADMIN_ADDED).exists()
