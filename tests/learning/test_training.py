"""Fitting, comparing and explaining models, and what they feed back into scoring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nextbest.learning.datasets import TrainingSet, account_training_set
from nextbest.learning.models import apply_overlay
from nextbest.learning.training import (
    NotEnoughOutcomesError,
    recomposed,
    signal_weights,
    source_quality,
    split,
    train,
    weights_model,
)
from nextbest.scoring.config import load_config
from nextbest.scoring.scores import spread_weights
from tests.learning.conftest import deal_folder


@pytest.fixture(scope="module")
def deals(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrainingSet, object]:
    folder = tmp_path_factory.mktemp("deals")
    config_file = folder / "learning.yaml"
    config_file.write_text("learning:\n  min_outcomes: 10\n", encoding="utf-8")
    config = load_config(config_file)
    return account_training_set(deal_folder(folder / "data"), config), config


def test_split_dated_rows_by_time(deals) -> None:
    training, config = deals
    train_rows, test_rows, kind = split(training, config.learning.test_fraction)
    dates = pd.to_datetime(training.dates)
    assert kind == "time"
    assert (len(train_rows), len(test_rows)) == (80, 40)
    assert dates.iloc[train_rows].max() < dates.iloc[test_rows].min()
    assert str(dates.iloc[test_rows].min().date()) == "2026-05-15"


def test_split_undated_rows_stratified() -> None:
    labels = np.array([1] * 30 + [0] * 70)
    training = TrainingSet("leads", "won", pd.DataFrame({"x": range(100)}), labels, None)
    train_rows, test_rows, kind = split(training, 0.3)
    assert len(train_rows) == 70
    assert kind == "stratified"
    assert (len(test_rows), int(labels[test_rows].sum())) == (30, 9)


def test_train_learns_half_life(deals) -> None:
    training, config = deals
    trained = train(training, config)
    report = trained.report

    (decay,) = report["half_lives"]
    assert decay["type"] == "pricing_page_view"
    # 3 and 7 days both rank every deal but the flipped ones; the tie goes to the one nearer
    # the configured 30 days. From 14 days on, three old views outweigh one recent view.
    assert decay["learned"] == 7
    assert decay["auc_by_half_life"]["7"] == decay["auc_by_half_life"]["3"]
    assert decay["auc_by_half_life"]["14"] < 0.5
    assert trained.overlay["engagement"]["half_life_days"]["pricing_page_view"] == 7
    assert (report["n_train"], report["n_test"], report["split"]) == (80, 40, "time")
    assert report["test_from"] == "2026-05-15"
    assert set(report["models"]) == {"baseline", "logistic", "boosting"}
    validated = report["cross_validated_auc"]
    assert validated[report["chosen"]] == max(validated.values())
    assert report["auc"] == report["models"][report["chosen"]]["auc"]
    assert report["auc_low"] <= report["auc"] <= report["auc_high"]
    assert report["baseline_auc"] == report["models"]["baseline"]["auc"]
    assert len(report["test"]["outcomes"]) == 40
    composite = report["composite"]
    assert [text.split(":")[0] for text in composite["texts"]] == sorted(
        composite["coefficients"], key=lambda name: -abs(composite["coefficients"][name])
    )
    assert all(" odds of winning by " in text for text in composite["texts"])
    weights = trained.overlay.get("composite", {}).get("weights")
    if weights is not None:
        assert sum(weights.values()) == pytest.approx(1.0)
        assert min(weights.values()) >= 0


def test_train_too_few_outcomes(deals, tmp_path: Path) -> None:
    training, _ = deals
    config_file = tmp_path / "strict.yaml"
    config_file.write_text("learning:\n  min_outcomes: 50\n", encoding="utf-8")
    with pytest.raises(NotEnoughOutcomesError) as raised:
        train(training, load_config(config_file))
    assert str(raised.value) == (
        "not enough outcomes to learn from: 48 won and 72 lost, need at least 50 of each "
        "(learning.min_outcomes); the configured weights stay in use"
    )


def _leads(rows: int = 400, seed: int = 5) -> TrainingSet:
    generator = np.random.default_rng(seed)
    labels = (generator.random(rows) < 0.4).astype(int)
    visits = generator.poisson(3 + 3 * labels).astype(float)
    origin = np.where(generator.random(rows) < 0.5 + 0.3 * labels, "form", "api")
    # Filled in by sales after the outcome: it names it.
    status = np.where(labels == 1, "closed", "lost")
    features = pd.DataFrame({"Visits": visits, "Origin": origin, "Status": status})
    sources = pd.Series(np.where(np.arange(rows) < 3, "Trade Show", "Web"))
    sources[3:203] = "Email"
    return TrainingSet("leads", "Converted", features, labels, None, sources=sources)


def test_train_reports_leaky_column() -> None:
    config = load_config()
    report = train(_leads(), config).report
    assert report["leaks"] == {"Status": 1.0}
    assert report["warnings"][0] == (
        "Status alone ranks the outcomes with AUC 1.000: it was probably filled in after the "
        "outcome was known; add it to learning.exclude or pass --exclude 'Status'"
    )
    texts = [weight["text"] for weight in report["weights"]]
    assert "Status = closed multiplies the odds of converting by" in " ".join(texts)


def test_source_quality_tiny_source_shrinks() -> None:
    labels = np.array([1, 1, 1] + [1] * 60 + [0] * 140 + [1] * 40 + [0] * 160)
    sources = pd.Series(["Trade Show"] * 3 + ["Email"] * 200 + ["Web"] * 200)
    training = TrainingSet(
        "leads", "Converted", pd.DataFrame({"x": labels}), labels, None, sources=sources
    )
    rows, quality = source_quality(training, load_config())
    assert [row["source"] for row in rows] == ["Email", "Trade Show", "Web"]
    assert rows[1]["raw_rate"] == 1.0
    assert rows[1]["rate"] < rows[0]["rate"]
    assert quality["email"] == 1.0
    # Sources the outcomes never mention keep their configured quality.
    assert quality["demo request"] == 1.0
    assert quality["purchased list"] == 0.1


def test_source_quality_chance_spread_kept() -> None:
    labels = np.array([1, 0] * 100)
    sources = pd.Series(["Email", "Email", "Web", "Web"] * 50)
    training = TrainingSet(
        "leads", "Converted", pd.DataFrame({"x": labels}), labels, None, sources=sources
    )
    rows, quality = source_quality(training, load_config())
    assert [row["rate"] for row in rows] == [0.5, 0.5]
    assert quality == {}


def test_train_rejects_starving_test_fraction(deals, tmp_path: Path) -> None:
    training, _ = deals
    messages = {
        0.99: "holding out the latest 99% of 120 outcomes leaves none earlier to train on; "
        "lower learning.test_fraction",
        # January's 20 deals are all hot accounts, and all of them won.
        0.8: "the 20 training rows have only 0 outcome(s) of one kind; cross-validation needs "
        "at least 5 of each: add outcomes or lower learning.test_fraction",
    }
    for fraction, message in messages.items():
        config_file = tmp_path / "greedy.yaml"
        config_file.write_text(
            f"learning:\n  min_outcomes: 10\n  test_fraction: {fraction}\n", encoding="utf-8"
        )
        with pytest.raises(NotEnoughOutcomesError) as raised:
            train(training, load_config(config_file))
        assert str(raised.value) == message


def _fit_deals(rows: int = 600, seed: int = 3) -> TrainingSet:
    """Deals whose outcome follows the employee-band match only, with industry noise.

    Points are the default config's fit weights (industry 35, employees 20) times a match of 0.2
    or 1. Accounts with a full employee match win 60% of the time, the others 20%.
    """
    generator = np.random.default_rng(seed)
    industry = 35 * generator.choice([0.2, 1.0], rows)
    employees = 20 * generator.choice([0.2, 1.0], rows)
    won = generator.random(rows) < np.where(employees == 20, 0.6, 0.2)
    features = pd.DataFrame({"fit:industry": industry, "fit:employees": employees})
    fit = np.clip(industry + employees, 0, 100)
    components = pd.DataFrame(
        {"fit": fit, "intent": 0.0, "relationship": 0.0, "engagement": 0.0, "negative": 0.0}
    )
    return TrainingSet("accounts", "won", features, won.astype(int), None, components=components)


def test_signal_weights_follow_coefficients() -> None:
    training = _fit_deals()
    config = load_config()
    train_rows, test_rows, _ = split(training, 0.3)
    rows = training.features.iloc[train_rows]
    model = weights_model(rows).fit(rows, training.labels[train_rows])

    result = signal_weights(
        training, model, train_rows, test_rows, config, dict(config.composite.weights)
    )

    factors = {row["signal"]: row["factor"] for row in result["signals"]}
    assert factors["fit:employees"] > 1.5
    assert factors["fit:industry"] < 0.2
    # The weights still add up to the configured 55, so a full match keeps its points.
    assert 35 * factors["fit:industry"] + 20 * factors["fit:employees"] == pytest.approx(
        55, abs=0.01
    )
    assert result["learned"] == {
        "fit.weights.industry": round(35 * factors["fit:industry"], 2),
        "fit.weights.employees": round(20 * factors["fit:employees"], 2),
    }
    assert result["test_auc_learned"] > result["test_auc_configured"] + 0.05


def test_train_applies_signal_weights() -> None:
    training = _fit_deals()
    config = load_config()

    trained = train(training, config)

    learned = trained.report["signal_weights"]["learned"]
    assert trained.report["signal_weights"]["reason"] is None
    assert trained.overlay["fit"] == {
        "weights": {
            "industry": learned["fit.weights.industry"],
            "employees": learned["fit.weights.employees"],
        }
    }
    weights = apply_overlay(config, trained.overlay).fit.weights
    assert weights["employees"] == learned["fit.weights.employees"]
    assert weights["revenue"] == config.fit.weights["revenue"]


def test_recomposed_matches_scoring_core(deals) -> None:
    training, config = deals
    weights = spread_weights(config.composite.weights, training.available)

    assert training.available["intent"] is False
    assert recomposed(training.points, config, weights) == pytest.approx(
        training.components["composite"].to_numpy() / 100
    )


def test_signal_weights_capped_at_three() -> None:
    # Only the geography match (weight 10 of 45) matters: keeping the sum would give it 45.
    generator = np.random.default_rng(4)
    industry = 35 * generator.choice([0.2, 1.0], 600)
    geography = 10 * generator.choice([0.0, 1.0], 600)
    won = generator.random(600) < np.where(geography == 10, 0.6, 0.2)
    features = pd.DataFrame({"fit:industry": industry, "fit:geography": geography})
    training = TrainingSet("accounts", "won", features, won.astype(int), None)
    config = load_config()
    train_rows, test_rows, _ = split(training, 0.3)
    rows = features.iloc[train_rows]
    model = weights_model(rows).fit(rows, training.labels[train_rows])

    result = signal_weights(
        training, model, train_rows, test_rows, config, dict(config.composite.weights)
    )

    assert result["learned"]["fit.weights.geography"] == 30.0
