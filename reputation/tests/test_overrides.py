"""Badge overrides: at once up to Top Rated, a second admin above it, bad requests refused with
nothing stored, expiry handing the badge back to the rules, renewal."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from conftest import make_staff
from reputation.evaluation import evaluate_badges
from reputation.models import Account, Badge, BadgeOverride
from reputation.overrides import approve_override, expire_overrides, reject_override, request_override
from reputation.tests.conftest import ROBOT, freelancer_with_record, monday_at_noon, score_week
from trustconsole.models import AuditAction, AuditEvent
from trustconsole.roles import ADMIN


@pytest.fixture
def second_admin(db):
    return make_staff("adm2", [ADMIN])


@pytest.fixture
def star(db):
    return freelancer_with_record()


def held(account):
    return set(Badge.objects.filter(account=account, revoked_at__isnull=True).values_list("tier", flat=True))


def ask(actor, account, tier="top_rated", effect="grant", reason="Enterprise pilot", days=30, **extra):
    return request_override(
        actor=actor, account_id=account.pk, tier=tier, effect=effect, reason=reason, days=days, **extra
    )


def test_up_to_top_rated_an_override_takes_effect_at_once_and_is_audited(star, admin):
    override = ask(admin, star)
    assert override.status == "active" and override.expires_at == override.starts_at + timedelta(days=30)
    assert held(star) == {"top_rated"}
    assert Badge.objects.get(account=star).source_ref == f"override:{override.pk}"
    actions = list(AuditEvent.objects.filter(subject_account="fl-star").values_list("action", flat=True))
    assert actions == [AuditAction.OVERRIDE_REQUESTED, AuditAction.BADGE_AWARDED]


def test_above_top_rated_a_second_admin_must_approve_and_the_first_cannot(star, admin, second_admin):
    override = ask(admin, star, tier="top_rated_plus")
    assert override.status == "pending" and held(star) == set()
    with pytest.raises(PermissionDenied, match="second admin"):
        approve_override(actor=admin, override_id=override.pk)
    assert BadgeOverride.objects.get().status == "pending"
    approve_override(actor=second_admin, override_id=override.pk)
    override.refresh_from_db()
    assert (override.status, override.approved_by) == ("active", second_admin)
    assert held(star) == {"top_rated_plus"}
    approval = AuditEvent.objects.get(action=AuditAction.OVERRIDE_APPROVED)
    assert approval.actor_name == "adm2" and approval.context["requested_by"] == admin.pk


def test_a_rejection_needs_a_reason_and_ends_the_request(star, admin, second_admin):
    override = ask(admin, star, tier="expert_vetted")
    with pytest.raises(ValidationError):
        reject_override(actor=second_admin, override_id=override.pk, reason="  ")
    reject_override(actor=second_admin, override_id=override.pk, reason="Interview not passed")
    override.refresh_from_db()
    assert override.status == "rejected" and held(star) == set()
    with pytest.raises(ValidationError, match="not waiting"):
        approve_override(actor=second_admin, override_id=override.pk)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"days": 0}, "days"),
        ({"days": 91}, "days"),
        ({"reason": "   "}, "reason"),
        ({"tier": "gold"}, "tier"),
        ({"effect": "maybe"}, "effect"),
    ],
)
def test_bad_requests_are_refused_and_store_nothing(star, admin, changes, field):
    with pytest.raises(ValidationError) as refused:
        ask(admin, star, **changes)
    assert field in refused.value.message_dict
    assert not BadgeOverride.objects.exists() and not AuditEvent.objects.filter(subject_account="fl-star").exists()


def test_clients_get_no_badges_and_non_admins_cannot_ask(star, admin, lead):
    client = Account.objects.get(external_id="fl-star-client")
    with pytest.raises(ValidationError, match="Clients"):
        ask(admin, client)
    with pytest.raises(PermissionDenied):
        ask(lead, star)
    assert not BadgeOverride.objects.exists()


def test_a_second_open_override_for_the_same_badge_is_refused(star, admin):
    ask(admin, star)
    with pytest.raises(ValidationError, match="already has an override"):
        ask(admin, star, effect="revoke")
    assert BadgeOverride.objects.count() == 1


def test_an_expired_grant_hands_the_badge_back_to_the_rules(star, admin):
    ask(admin, star, days=1)
    assert held(star) == {"top_rated"}
    later = timezone.now() + timedelta(days=2)
    assert expire_overrides(actor=ROBOT, now=later) == 1
    assert held(star) == set()  # the rules have no weekly record for it
    assert BadgeOverride.objects.get().status == "expired"
    assert expire_overrides(actor=ROBOT, now=later) == 0
    revoked = AuditEvent.objects.get(action=AuditAction.BADGE_REVOKED)
    assert "override ended" in revoked.reason


def test_an_expired_revocation_lets_the_rules_award_again(star, admin):
    moment = monday_at_noon(0)
    score_week(star, moment, 0.95, 0.85)
    evaluate_badges(actor=ROBOT, now=moment)
    assert held(star) == {"rising_talent"}
    ask(admin, star, tier="rising_talent", effect="revoke", days=5)
    assert held(star) == set()
    expire_overrides(actor=ROBOT, now=timezone.now() + timedelta(days=6))
    assert held(star) == {"rising_talent"}
    assert Badge.objects.get(account=star, revoked_at__isnull=True).source == "rules"


def test_renewing_replaces_the_override_in_force_with_a_new_expiry(star, admin):
    first = ask(admin, star, days=10)
    renewal = ask(admin, star, days=60, renews_id=first.pk, reason="Pilot extended")
    first.refresh_from_db()
    assert (first.status, renewal.status) == ("renewed", "active")
    assert renewal.expires_at > first.expires_at
    assert held(star) == {"top_rated"} and Badge.objects.filter(account=star).count() == 1


def test_only_an_override_in_force_can_be_renewed(star, admin, second_admin):
    pending = ask(admin, star, tier="top_rated_plus")
    with pytest.raises(ValidationError, match="renewed"):
        ask(admin, star, tier="top_rated_plus", renews_id=pending.pk)
    assert BadgeOverride.objects.count() == 1
