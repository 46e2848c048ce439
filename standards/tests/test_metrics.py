"""Client metrics on hand-built histories (pure: no database)."""

from types import SimpleNamespace

from standards import metrics
from standards.metrics import ClientContract, ClientFacts, Finding, assess
from standards.tests.conftest import NOW, days_ago

RULES = SimpleNamespace(
    window_days=180,
    min_freelancers=3,
    client_score_floor=0.60,
    poor_rating_stars=2,
    poor_raters_limit=3,
    disputes_lost_limit=2,
    ghosting_days=14,
    ghosting_limit=2,
    refunds_limit=2,
    conduct_findings_limit=1,
)


def rating(n, stars, at_days=30, **fields):
    fields.setdefault("earnings_cents", 50_000)
    fields.setdefault("started_at", days_ago(90))
    return ClientContract(
        contract_id=n,
        freelancer_id=100 + n,
        ended_at=days_ago(at_days),
        stars=stars,
        rated_at=days_ago(at_days),
        **fields,
    )


def test_two_freelancers_rating_poorly_do_not_flag_a_client_and_three_do():
    two, _, below_two = assess(ClientFacts(contracts=[rating(1, 1), rating(2, 2)]), NOW, RULES)
    three, tripped, below_three = assess(ClientFacts(contracts=[rating(1, 1), rating(2, 2), rating(3, 1)]), NOW, RULES)
    assert two[metrics.POOR_RATERS]["value"] == 2 and not below_two
    assert three[metrics.POOR_RATERS]["value"] == 3 and three[metrics.POOR_RATERS]["tripped"]
    assert metrics.POOR_RATERS in tripped and below_three
    assert three[metrics.POOR_RATERS]["evidence"] == [1, 2, 3]


def test_the_client_score_needs_enough_raters_before_it_trips():
    low_two, _, _ = assess(ClientFacts(contracts=[rating(1, 1), rating(2, 1)]), NOW, RULES)
    low_three, _, _ = assess(ClientFacts(contracts=[rating(1, 1), rating(2, 1), rating(3, 1)]), NOW, RULES)
    assert low_two[metrics.CLIENT_SCORE]["value"] < 0.6 and not low_two[metrics.CLIENT_SCORE]["tripped"]
    assert not low_two[metrics.CLIENT_SCORE]["enough_raters"]
    assert low_three[metrics.CLIENT_SCORE]["tripped"]


def test_the_client_score_is_the_success_model_over_freelancers_stars():
    # Three one-star ratings (outcome 0) 30 days old on $100 contracts shorter than 90 days: each
    # weighs 1 x 0.5^(30/180). Shrunk toward the prior 0.85 with strength 4:
    # S = (4 x 0.85 + 0) / (4 + 3w).
    w = 0.5 ** (30 / 180)
    short = [rating(n, 1, earnings_cents=10_000, started_at=days_ago(40)) for n in (1, 2, 3)]
    found, _, _ = assess(ClientFacts(contracts=short), NOW, RULES)
    assert found[metrics.CLIENT_SCORE]["value"] == round(3.4 / (4 + 3 * w), 4)


def test_ratings_outside_the_window_and_from_linked_freelancers_do_not_count():
    old = [rating(n, 1, at_days=200) for n in (1, 2, 3)]
    linked = [rating(n, 1, linked=True) for n in (4, 5, 6)]
    found, tripped, below = assess(ClientFacts(contracts=old + linked), NOW, RULES)
    assert found[metrics.POOR_RATERS]["value"] == 0
    assert found[metrics.CLIENT_SCORE]["freelancers"] == []
    assert not tripped and not below


def test_poor_interim_ratings_count_like_final_ones():
    facts = ClientFacts(
        contracts=[rating(n, None) for n in (1, 2, 3)],
        interim=[(n, 100 + n, 1, days_ago(10)) for n in (1, 2, 3)],
    )
    found, _, below = assess(facts, NOW, RULES)
    assert found[metrics.POOR_RATERS]["value"] == 3 and below


def test_ghosting_is_submitted_work_unanswered_for_more_than_fourteen_days():
    unanswered = rating(1, 5, work_submitted_at=days_ago(20))
    answered_late = rating(2, 5, work_submitted_at=days_ago(40), client_responded_at=days_ago(25))
    answered_in_time = rating(3, 5, work_submitted_at=days_ago(40), client_responded_at=days_ago(30))
    too_recent = rating(4, 5, work_submitted_at=days_ago(10))
    long_ago = rating(5, 5, work_submitted_at=days_ago(200))
    found, _, _ = assess(
        ClientFacts(contracts=[unanswered, answered_late, answered_in_time, too_recent, long_ago]), NOW, RULES
    )
    assert found[metrics.GHOSTING]["evidence"] == [1, 2]
    assert found[metrics.GHOSTING]["tripped"]


def test_disputes_and_refunds_count_inside_the_window_and_need_three_freelancers_to_flag():
    facts = ClientFacts(
        contracts=[
            rating(1, 5, dispute_lost_by_client=True),
            rating(2, 5, dispute_lost_by_client=True),
            rating(3, 5, refund_after_delivery_at=days_ago(5)),
            rating(4, 5, refund_after_delivery_at=days_ago(190)),
        ]
    )
    found, tripped, below = assess(facts, NOW, RULES)
    assert found[metrics.DISPUTES_LOST]["value"] == 2 and found[metrics.REFUNDS]["value"] == 1
    assert tripped == [metrics.DISPUTES_LOST]
    assert not below  # two freelancers stand behind the tripped metric: not enough
    facts.contracts.append(rating(5, 5, refund_after_delivery_at=days_ago(3)))
    facts.contracts.append(rating(6, 5, refund_after_delivery_at=days_ago(2)))
    _, tripped, below = assess(facts, NOW, RULES)
    assert set(tripped) == {metrics.DISPUTES_LOST, metrics.REFUNDS} and below  # five freelancers together


def test_a_confirmed_conduct_finding_flags_a_client_on_its_own():
    facts = ClientFacts(findings=[Finding(action_id=7, case_id=3, policy="HARASS", at=days_ago(10))])
    found, tripped, below = assess(facts, NOW, RULES)
    assert tripped == [metrics.CONDUCT] and below
    assert found[metrics.CONDUCT]["evidence"] == [{"case": 3, "action": 7, "policy": "HARASS"}]


def test_the_hire_rate_is_shown_but_never_trips():
    facts = ClientFacts(contracts=[rating(1, 5, started_at=days_ago(20))], job_posts=40)
    found, tripped, below = assess(facts, NOW, RULES)
    assert found[metrics.HIRE_RATE]["value"] == 0.025
    assert not tripped and not below


def test_findings_text_lists_each_tripped_metric_with_its_limit():
    found, _, _ = assess(ClientFacts(contracts=[rating(n, 1) for n in (1, 2, 3)]), NOW, RULES)
    text = metrics.findings_text(found)
    assert "- Freelancers rating the client poorly: 3 (limit 3)" in text
    assert "Disputes lost" not in text
