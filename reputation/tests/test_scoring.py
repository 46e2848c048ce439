"""The success score: properties (hypothesis) and worked examples with the default parameters."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reputation.scoring import (
    NO_FEEDBACK,
    NOT_CREDIBLE,
    TOO_OLD,
    ContractFacts,
    Feedback,
    Parameters,
    beta_cdf,
    beta_quantile,
    compute,
    score_from_ledger,
)

NOW = datetime(2026, 11, 1, tzinfo=UTC)
DEFAULTS = Parameters()


def contract(n, client=None, private=9, stars=5, days_ago=10, earnings=50_000, credibility=1.0, lost=False, days=30):
    at = NOW - timedelta(days=days_ago)
    feedback = None if private is None and stars is None else Feedback(private, stars, at)
    return ContractFacts(
        contract_id=n,
        client_id=client if client is not None else n,
        earnings_cents=earnings,
        started_at=at - timedelta(days=days),
        ended_at=at,
        feedback=feedback,
        dispute_lost_by_freelancer=lost,
        credibility=credibility,
    )


contracts = st.lists(
    st.builds(
        contract,
        n=st.integers(1, 10_000),
        client=st.integers(1, 6),
        private=st.one_of(st.none(), st.integers(0, 10)),
        stars=st.one_of(st.none(), st.integers(1, 5)),
        days_ago=st.integers(0, 900),
        earnings=st.integers(0, 5_000_000),
        credibility=st.sampled_from([0.0, 0.5, 1.0]),
        lost=st.booleans(),
        days=st.integers(0, 800),
    ),
    max_size=25,
    unique_by=lambda c: c.contract_id,
)


@settings(max_examples=300, deadline=None)
@given(contracts)
def test_the_lower_bound_never_exceeds_the_score_and_both_stay_in_the_unit_interval(history):
    result = compute(history, NOW)
    assert 0 <= result.lower_bound <= result.score <= 1


@settings(max_examples=300, deadline=None)
@given(contracts, st.integers(1, 6), st.integers(0, 700))
def test_a_new_perfect_contract_never_lowers_the_score(history, client, days_ago):
    before = compute(history, NOW).score
    after = compute([*history, contract(99_999, client=client, private=10, stars=5, days_ago=days_ago)], NOW).score
    assert after >= before - 1e-12


@settings(max_examples=300, deadline=None)
@given(contracts, st.integers(1, 6), st.integers(0, 10))
def test_a_contract_from_a_rater_with_no_credibility_never_moves_the_score(history, client, private):
    before = compute(history, NOW)
    after = compute([*history, contract(99_999, client=client, private=private, credibility=0.0)], NOW)
    assert after.score == pytest.approx(before.score, abs=1e-12)
    assert after.ledger[-1].excluded == NOT_CREDIBLE


@settings(max_examples=300, deadline=None)
@given(contracts)
def test_the_score_recomputed_from_the_stored_ledger_matches(history):
    result = compute(history, NOW)
    stored = [{"weight": e.weight, "outcome": e.outcome, "excluded": e.excluded} for e in result.ledger]
    assert score_from_ledger(stored) == pytest.approx(result.score, abs=1e-12)


def test_worked_example_two_clients_with_the_default_parameters():
    """Contract 1: private 9/10 and 5 stars, $500, ended 10 days ago, 30 days long.
      y1 = 0.7 * 0.9 + 0.3 * (5 - 1)/4 = 0.63 + 0.30 = 0.93
      size 1.25 ($251-1,000), no full 90 days: 1.25; recency 0.5^(10/180) = 0.962224
      w1 = 1.25 * 1 * 0.962224 = 1.202780
    Contract 2: private 6/10 only, $100, ended 180 days ago, 200 days long.
      y2 = 0.6; size 1 + 2 (two full 90-day periods) = 3; recency 0.5^(180/180) = 0.5
      w2 = 3 * 0.5 = 1.5
    S = (4 * 0.85 + 1.202780 * 0.93 + 1.5 * 0.6) / (4 + 1.202780 + 1.5)
      = (3.4 + 1.118585 + 0.9) / 6.702780 = 5.418585 / 6.702780 = 0.808409"""
    first = contract(1, client=1, private=9, stars=5, days_ago=10, earnings=50_000, days=30)
    second = contract(2, client=2, private=6, stars=None, days_ago=180, earnings=10_000, days=200)
    result = compute([first, second], NOW)
    weights = [round(e.weight, 6) for e in result.ledger]
    assert weights == [1.202780, 1.5]
    assert [round(e.outcome, 2) for e in result.ledger] == [0.93, 0.6]
    assert result.score == pytest.approx(0.808409, abs=1e-6)
    assert result.public and result.eligible_contracts == 2 and result.distinct_clients == 2
    # Effective sample size: (1.202780 + 1.5)^2 / (1.202780^2 + 1.5^2) = 7.305019 / 3.696680 = 1.976104
    assert result.effective_sample_size == pytest.approx(1.976104, abs=1e-5)
    # Points: S without contract 1 = (3.4 + 0.9) / 5.5 = 0.781818 → +2.659 points;
    #         S without contract 2 = 4.518585 / 5.202780 = 0.868495 → -6.009 points.
    assert [round(e.points, 3) for e in result.ledger] == [2.659, -6.009]
    assert result.lower_bound < result.score


def test_worked_example_the_prior_alone_and_exclusions():
    """No usable feedback: S is the prior mean 0.85, L the 10th percentile of Beta(3.4, 0.6),
    and the score is not public."""
    history = [
        contract(1, private=None, stars=None),
        contract(2, days_ago=800),
        contract(3, credibility=0.0),
    ]
    result = compute(history, NOW)
    assert result.score == pytest.approx(0.85)
    assert [e.excluded for e in result.ledger] == [NO_FEEDBACK, TOO_OLD, NOT_CREDIBLE]
    assert result.lower_bound == pytest.approx(beta_quantile(0.1, 3.4, 0.6), abs=1e-9)
    assert not result.public and result.public_percent is None


def test_a_dispute_lost_counts_zero_and_one_client_weighs_at_most_eight():
    lost = compute([contract(1, lost=True, private=10, stars=5)], NOW)
    assert lost.ledger[0].outcome == 0.0
    many = [contract(n, client=1, earnings=900_000, days=800, days_ago=0) for n in range(1, 6)]
    result = compute(many, NOW)
    assert sum(e.weight for e in result.ledger) == pytest.approx(8.0)


def test_the_beta_quantile_inverts_the_cdf():
    for a, b in [(3.4, 0.6), (10, 2), (0.7, 5), (50, 50)]:
        for q in (0.01, 0.1, 0.5, 0.9):
            assert beta_cdf(beta_quantile(q, a, b), a, b) == pytest.approx(q, abs=1e-9)
    # Beta(2, 2) has the closed form 3x^2 - 2x^3.
    assert beta_cdf(0.3, 2, 2) == pytest.approx(3 * 0.09 - 2 * 0.027)


@settings(max_examples=200, deadline=None)
@given(contracts)
def test_each_contracts_points_are_the_score_minus_the_score_without_it(history):
    result = compute(history, NOW)
    for entry in result.ledger:
        if entry.excluded:
            assert entry.points == 0
            continue
        without = compute([c for c in history if c.contract_id != entry.contract_id], NOW).score
        assert entry.points == pytest.approx(100 * (result.score - without), abs=1e-9)


def test_a_change_is_explained_in_buckets_of_contracts():
    from reputation.scoring import explain_change

    def ledger(history, now=NOW):
        keys = ("contract_id", "points", "excluded", "outcome", "weight")
        return [{key: getattr(e, key) for key in keys} for e in compute(history, now).ledger]

    old_history = [contract(1, days_ago=700), contract(2, days_ago=30, private=4)]
    later = NOW + timedelta(days=60)
    new_history = [*old_history, contract(3, days_ago=-50, private=10)]
    change = explain_change(ledger(old_history), ledger(new_history, later), 1, 1)
    assert change["aged_out"]["contracts"] == [1]
    assert change["new_outcome"]["contracts"] == [3] and change["new_outcome"]["points"] > 0
    assert change["decay"]["contracts"] == [2]
    reparametrised = explain_change(ledger(old_history), ledger(old_history), 1, 2)
    assert reparametrised["parameters"]["contracts"] == [1, 2]
    changed = [contract(1, days_ago=700), contract(2, days_ago=30, private=9)]
    assert explain_change(ledger(old_history), ledger(changed), 1, 1)["outcome_changed"]["contracts"] == [2]
