"""The rule simulator: drafts are simulated against every scored freelancer, split by country
and account age, and only a simulation of exactly the current drafts can be published."""

from datetime import UTC, datetime

import django_rq
import pytest
from django.core.exceptions import ValidationError

from conftest import client_for, run_queued_jobs
from reputation import drafts
from reputation.evaluation import evaluate_badges
from reputation.models import Account, Badge, BadgeRule, ScoringParameters, Simulation
from reputation.scores import current_parameters
from reputation.tests.conftest import ROBOT, freelancer_with_record, monday_at_noon, score_week
from trustconsole.models import AuditAction, AuditEvent

# The simulation runs in week 15, after fifteen weekly evaluations: the record of a 16-week
# window is there to replay.
WEEKS = 15
MOMENT = monday_at_noon(WEEKS)


@pytest.fixture
def population(db):
    """Four scored freelancers with fifteen evaluated weeks: one above the Top Rated bar all
    along (and so holding it), two just under its score bar all along, and one just under it
    for the last five weeks only, weaker before."""
    accounts = [
        freelancer_with_record("fl-high"),
        freelancer_with_record("fl-near-pt"),
        freelancer_with_record("fl-near-new", joined=datetime(2026, 1, 1, tzinfo=UTC)),
        freelancer_with_record("fl-late"),
    ]
    Account.objects.filter(external_id="fl-near-new").update(country="BR")
    for week in range(WEEKS + 1):
        moment = monday_at_noon(week)
        late = (0.885, 0.75) if week > WEEKS - 5 else (0.7, 0.6)
        for account, figures in zip(accounts, [(0.95, 0.85), (0.885, 0.75), (0.885, 0.75), late], strict=True):
            score_week(account, moment, *figures)
        if week < WEEKS:
            evaluate_badges(actor=ROBOT, now=moment)
    assert Badge.objects.filter(tier="top_rated", revoked_at__isnull=True).get().account == accounts[0]
    return accounts


def draft_rule(tier="top_rated", **changes):
    published = BadgeRule.objects.published().get(tier=tier)
    values = {name: getattr(published, name) for name in drafts.RULE_FIELDS}
    return BadgeRule.objects.create(tier=published.tier, **{**values, **changes})


def values_of(parameters):
    return {name: getattr(parameters, name) for name in drafts.scores.PARAMETER_FIELDS}


def simulate_now(admin):
    simulation = drafts.request_simulation(actor=admin)
    return drafts.simulate(simulation.pk, now=MOMENT)


def test_a_lower_bar_shows_who_would_gain_by_country_and_account_age(population, admin):
    draft_rule(min_score=0.88)
    result = simulate_now(admin).result
    top = result["tiers"]["top_rated"]
    # The two near accounts met the draft bar in all 16 weeks; the late one in 5, short of 13.
    assert (top["now"], top["draft"], top["gain"], top["loss"], top["warned"]) == (1, 3, 2, 0, 0)
    assert top["by_country"] == {"PT": [1, 0], "BR": [1, 0]}
    assert top["by_age"] == {"1 to 3 years": [1, 0], "90 days to 1 year": [1, 0]}
    assert result["tiers"]["rising_talent"]["gain"] == 0
    assert result["accounts"] == 4


def test_a_suspended_account_gains_nothing_under_any_draft(population, admin):
    Account.objects.filter(external_id="fl-near-pt").update(status="suspended")
    draft_rule(min_score=0.88)
    top = simulate_now(admin).result["tiers"]["top_rated"]
    assert (top["gain"], top["by_country"]) == (1, {"BR": [1, 0]})


def test_a_higher_keep_bar_warns_a_holder_before_it_demotes(population, admin):
    draft_rule(keep_score=0.96)
    top = simulate_now(admin).result["tiers"]["top_rated"]
    assert (top["now"], top["draft"], top["gain"], top["loss"], top["warned"]) == (1, 1, 0, 0, 1)


def test_a_scoring_draft_moves_the_score_distribution_over_every_week_of_the_record(population, admin):
    published = ScoringParameters.objects.published().get()
    ScoringParameters.objects.create(**{**values_of(published), "prior_mean": 0.5})
    result = simulate_now(admin).result
    # The fixtures' snapshots are hand-made; with no contract feedback every draft score is the
    # new prior, 0.5, so every account moves into the 50-60 % band.
    histogram = {low: (now, draft) for low, _, now, draft in result["histogram"]}
    assert histogram[50] == (0, 4)
    assert sum(now for now, _ in histogram.values()) == 4
    assert result["scores"]["by_country"]["PT"][2] == pytest.approx(0.5)
    # Every holder falls below its keep bar this week: warned, not yet demoted; nobody gains.
    top, rising = result["tiers"]["top_rated"], result["tiers"]["rising_talent"]
    assert (top["now"], top["draft"], top["loss"], top["warned"]) == (1, 1, 0, 1)
    assert rising["gain"] == 0 and rising["warned"] == rising["now"] == rising["draft"] > 0


def test_publishing_gives_the_draft_the_next_version_and_audits_what_changed(population, admin):
    draft = draft_rule(min_score=0.88, note="Match the market")
    simulation = simulate_now(admin)
    (published,) = drafts.publish(actor=admin, simulation_id=simulation.pk)
    draft.refresh_from_db()
    assert (published.pk, draft.version, draft.published_by) == (draft.pk, 2, admin)
    row = AuditEvent.objects.get(action=AuditAction.BADGE_RULE_PUBLISHED)
    assert row.changes == {"min_score": [0.9, 0.88]}
    assert (row.reason, row.context["simulation"]) == ("Match the market", simulation.pk)
    from reputation.evaluation import rules_in_force

    assert rules_in_force()["top_rated"].min_score == 0.88


def test_published_scoring_parameters_become_current(population, admin):
    published = ScoringParameters.objects.published().get()
    ScoringParameters.objects.create(**{**values_of(published), "prior_strength": 6})
    assert current_parameters().version == 1
    drafts.publish(actor=admin, simulation_id=simulate_now(admin).pk)
    assert (current_parameters().version, current_parameters().prior_strength) == (2, 6)
    assert AuditEvent.objects.get(action=AuditAction.PARAMETERS_PUBLISHED).changes == {"prior_strength": [4.0, 6.0]}


def test_a_draft_edited_after_its_simulation_cannot_be_published(population, admin):
    draft = draft_rule(min_score=0.88)
    simulation = simulate_now(admin)
    BadgeRule.objects.filter(pk=draft.pk).update(min_score=0.5)
    with pytest.raises(ValidationError, match="simulate them again"):
        drafts.publish(actor=admin, simulation_id=simulation.pk)
    assert BadgeRule.objects.get(pk=draft.pk).version is None


def test_an_unfinished_simulation_cannot_be_published_and_no_drafts_cannot_be_simulated(population, admin):
    with pytest.raises(ValidationError, match="no draft"):
        drafts.request_simulation(actor=admin)
    draft_rule(min_score=0.88)
    simulation = Simulation.objects.create(requested_by=admin, requested_at=MOMENT, drafts=drafts.current_drafts())
    with pytest.raises(ValidationError, match="finished"):
        drafts.publish(actor=admin, simulation_id=simulation.pk)


def test_starting_a_draft_copies_the_published_version_once(population, admin):
    published = BadgeRule.objects.published().get(tier="top_rated")
    draft = drafts.start_draft_from(actor=admin, row=published)
    assert draft.version is None and draft.min_score == published.min_score
    with pytest.raises(ValidationError, match="already exists"):
        drafts.start_draft_from(actor=admin, row=published)
    assert AuditEvent.objects.get(action=AuditAction.ADMIN_ADDED).context["copied_from"] == published.pk


def test_the_simulator_pages_run_a_simulation_on_the_reputation_queue_and_publish_it(
    population, admin, django_capture_on_commit_callbacks
):
    draft_rule(min_score=0.88)
    web = client_for(admin)
    assert "min_score" in web.get("/reputation/drafts/").content.decode()
    queue = django_rq.get_queue("reputation")
    queue.empty()
    with django_capture_on_commit_callbacks(execute=True):
        response = web.post("/reputation/simulations/")
    simulation = Simulation.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/reputation/simulations/{simulation.pk}/"
    assert "Queued" in web.get(f"/reputation/simulations/{simulation.pk}/").content.decode()
    run_queued_jobs("reputation")
    simulation.refresh_from_db()
    assert simulation.status == "done"
    page = web.get(f"/reputation/simulations/{simulation.pk}/").content.decode()
    assert "Publish these drafts" in page and "tier-changes" in page
    response = web.post(f"/reputation/simulations/{simulation.pk}/publish")
    assert response.status_code == 302
    assert BadgeRule.objects.drafts().count() == 0


def test_the_simulator_pages_refuse_everyone_but_admins(population, lead, admin):
    draft_rule(min_score=0.88)
    simulation = drafts.request_simulation(actor=admin)
    web = client_for(lead)
    assert web.get("/reputation/drafts/").status_code == 403
    assert web.post("/reputation/simulations/").status_code == 403
    assert web.post(f"/reputation/simulations/{simulation.pk}/publish").status_code == 403
    assert BadgeRule.objects.drafts().count() == 1
