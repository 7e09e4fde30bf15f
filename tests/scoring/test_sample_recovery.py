"""The composite score recovers the sample's hidden in-market propensity."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from nextbest.samples.generator import generate_sample
from nextbest.scoring.config import load_config
from nextbest.scoring.runs import score_folder

END = date(2026, 11, 30)


def auc(scores: np.ndarray, labels: np.ndarray) -> float:
    """Area under the ROC curve by the rank-sum formula, ties counted as half."""
    ranks = pd.Series(scores).rank(method="average").to_numpy()
    positives = labels.sum()
    negatives = len(labels) - positives
    return float(
        (ranks[labels == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    )


def test_auc_of_rank_sum() -> None:
    assert auc(np.array([0.1, 0.4, 0.35, 0.8]), np.array([0, 0, 1, 1])) == 0.75
    assert auc(np.array([1.0, 1.0]), np.array([0, 1])) == 0.5


@pytest.fixture(scope="module")
def scored_sample(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    folder = tmp_path_factory.mktemp("sample")
    generate_sample(folder, accounts=2000, seed=3, end_date=END)
    run = score_folder(folder, load_config(), date(2026, 12, 1))
    truth = pd.read_csv(folder / "truth" / "in_market.csv", dtype={"account_id": str})
    return run.accounts.merge(truth, on="account_id", validate="one_to_one")


def test_composite_recovers_in_market(scored_sample: pd.DataFrame, record_property) -> None:  # type: ignore[no-untyped-def]
    labels = scored_sample["in_market"].to_numpy()
    value = auc(scored_sample["score"].to_numpy(), labels)
    record_property("composite_auc", round(value, 3))
    print(f"composite AUC against the hidden in-market label: {value:.3f}")
    assert value >= 0.90
    for component in ("fit", "intent", "relationship", "engagement"):
        assert auc(scored_sample[component].to_numpy(), labels) > 0.6, component


def test_tier_a_is_mostly_in_market(scored_sample: pd.DataFrame) -> None:
    by_tier = scored_sample.groupby("tier")["in_market"].mean()
    assert by_tier["A"] > by_tier["B"] > by_tier["C"]
    assert by_tier["A"] >= 0.6
