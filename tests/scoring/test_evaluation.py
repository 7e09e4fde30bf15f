"""Ranking figures and the single-column leakage check."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.special import betaln
from sklearn.metrics import roc_auc_score

from nextbest.scoring.evaluation import (
    _pooled_weighted_auc,
    bootstrap_auc_interval,
    evaluate,
    leaky_columns,
    lift_top_decile,
    paired_auc_gain,
    single_column_auc,
    smoothed_rates,
    within_group_auc,
)

OUTCOMES = np.array([0, 0, 1, 1])
SCORES = np.array([0.1, 0.4, 0.35, 0.8])


def test_evaluate_small_case_exact() -> None:
    figures = evaluate(OUTCOMES, SCORES, samples=200)

    assert figures.auc == 0.75
    assert figures.pr_auc == pytest.approx(0.5 + 0.5 * 2 / 3)
    assert figures.brier == pytest.approx((0.01 + 0.16 + 0.4225 + 0.04) / 4)
    assert figures.lift_top_decile == 2.0
    assert (figures.positives, figures.count) == (2, 4)
    assert figures.auc_low <= figures.auc <= figures.auc_high


def test_lift_top_decile_counts_a_tenth() -> None:
    outcomes = np.array([1] * 5 + [0] * 15)
    scores = np.arange(20, 0, -1)

    assert lift_top_decile(outcomes, scores) == 4.0


def test_bootstrap_interval_repeatable() -> None:
    generator = np.random.default_rng(3)
    outcomes = generator.integers(0, 2, 300)
    scores = (outcomes * 0.3 + generator.random(300)) / 1.3

    first = bootstrap_auc_interval(outcomes, scores, samples=300, seed=1)
    again = bootstrap_auc_interval(outcomes, scores, samples=300, seed=1)

    assert first == again
    assert first[0] < evaluate(outcomes, scores, samples=10).auc < first[1]


def test_evaluate_needs_both_classes() -> None:
    with pytest.raises(ValueError, match="outcomes must contain both 0 and 1 to rank them"):
        evaluate(np.array([1, 1]), np.array([0.2, 0.9]))


def test_leaky_columns_flag_the_label_not_ids() -> None:
    generator = np.random.default_rng(5)
    outcomes = pd.Series(generator.integers(0, 2, 400))
    frame = pd.DataFrame(
        {
            "status": np.where(outcomes == 1, "Closed won", "Lost"),
            "lead_id": [f"L-{index:05d}" for index in range(400)],
            "visits": generator.poisson(3, 400),
        }
    )

    flagged = leaky_columns(frame, outcomes)

    assert flagged == {"status": 1.0}
    assert single_column_auc(frame["lead_id"], outcomes) < 0.6
    assert single_column_auc(frame["visits"], outcomes) < 0.6


def test_leaky_columns_on_real_leads(shared_data: Path) -> None:
    leads = pd.read_csv(shared_data / "x_education" / "Leads.csv")
    outcomes = leads.pop("Converted")

    flagged = leaky_columns(leads, outcomes)

    assert list(flagged) == ["Tags"]
    assert flagged["Tags"] == pytest.approx(0.917, abs=0.005)
    assert single_column_auc(leads["Prospect ID"], outcomes) < 0.55


def test_smoothed_rates_small_group_does_not_top() -> None:
    successes = pd.Series({"Webinar": 300, "Referral": 450, "Trade show": 3}, dtype=int)
    totals = pd.Series({"Webinar": 1000, "Referral": 1000, "Trade show": 3}, dtype=int)

    ranked = smoothed_rates(successes, totals)

    assert [item.group for item in ranked] == ["Referral", "Trade show", "Webinar"]
    assert ranked[1].raw_rate == 1.0
    assert ranked[1].rate < 0.5
    assert ranked[0].rate == pytest.approx(0.447, abs=0.001)


def test_smoothed_rates_use_the_likeliest_beta_prior() -> None:
    successes = pd.Series({"a": 10, "b": 30})
    totals = pd.Series({"a": 100, "b": 100})
    mean = 0.2

    def log_likelihood(strength: float) -> float:
        alpha, beta = mean * strength, (1 - mean) * strength
        return sum(
            betaln(won + alpha, total - won + beta) - betaln(alpha, beta)
            for won, total in ((10, 100), (30, 100))
        )

    # The strength a brute-force search over a fine grid finds most likely.
    grid = np.exp(np.linspace(np.log(1), np.log(1000), 20001))
    strength = grid[np.argmax([log_likelihood(value) for value in grid])]

    ranked = {item.group: item.rate for item in smoothed_rates(successes, totals)}

    assert ranked["a"] == pytest.approx((10 + mean * strength) / (100 + strength), abs=1e-4)
    assert ranked["b"] == pytest.approx((30 + mean * strength) / (100 + strength), abs=1e-4)


def test_groups_at_one_rate_all_shrink_to_it() -> None:
    ranked = smoothed_rates(pd.Series({"a": 5, "b": 50}), pd.Series({"a": 10, "b": 100}))
    assert [round(item.rate, 3) for item in ranked] == [0.5, 0.5]


def test_smoothed_rates_reject_bad_counts() -> None:
    with pytest.raises(ValueError, match="no more successes than total"):
        smoothed_rates(pd.Series({"a": 5}), pd.Series({"a": 3}))


def test_within_group_auc_compares_pairs_of_one_group() -> None:
    # Each run ranks its own buyer first, but run 2's scores are all lower.
    outcomes = np.array([1, 0, 1, 0])
    scores = np.array([90.0, 80.0, 30.0, 20.0])
    groups = np.array(["run 1", "run 1", "run 2", "run 2"])

    auc, low, high = within_group_auc(outcomes, scores, groups, samples=50)

    assert roc_auc_score(outcomes, scores) == 0.75
    assert (auc, low, high) == (1.0, 1.0, 1.0)


def test_weighted_auc_matches_sklearn() -> None:
    outcomes = np.array([1, 0, 1, 0, 0, 1, 0, 1])
    scores = np.array([0.9, 0.8, 0.3, 0.3, 0.1, 0.6, 0.7, 0.2])
    weights = np.array([2, 0, 1, 3, 1, 1, 2, 0])

    parts = [
        (
            scores[outcomes == 1],
            weights[outcomes == 1],
            scores[outcomes == 0],
            weights[outcomes == 0],
        )
    ]

    assert _pooled_weighted_auc(parts) == pytest.approx(
        roc_auc_score(outcomes, scores, sample_weight=weights)
    )


def test_within_group_auc_duplicate_run() -> None:
    generator = np.random.default_rng(5)
    outcomes = generator.integers(0, 2, 40)
    scores = generator.normal(outcomes, 1.0)
    accounts = np.array([f"account {index}" for index in range(40)])
    once = within_group_auc(outcomes, scores, np.full(40, "run 1"), samples=200, clusters=accounts)

    twice = within_group_auc(
        np.r_[outcomes, outcomes],
        np.r_[scores, scores],
        np.repeat(["run 1", "run 2"], 40),
        samples=200,
        clusters=np.r_[accounts, accounts],
    )
    rows_resampled = within_group_auc(
        np.r_[outcomes, outcomes], np.r_[scores, scores], np.repeat(["run 1", "run 2"], 40), 200
    )

    assert twice == once
    assert rows_resampled[0] == once[0]
    assert rows_resampled[2] - rows_resampled[1] < 0.8 * (once[2] - once[1])


def test_paired_auc_gain() -> None:
    outcomes = np.array([1, 0] * 30)
    before = np.linspace(0, 1, 60)
    after = outcomes + before / 10

    same = paired_auc_gain(outcomes, before, before, samples=100)
    gain, low, high = paired_auc_gain(outcomes, before, after, samples=100)

    assert same == (0.0, 0.0, 0.0)
    assert gain == pytest.approx(1 - roc_auc_score(outcomes, before))
    assert 0 < low <= gain <= high
