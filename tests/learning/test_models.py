"""Models in the store: one active, activation recorded, rollback walking back."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.learning.models import ModelStore, apply_overlay, changed_settings
from nextbest.scoring.config import load_config
from nextbest.scoring.errors import ConfigError, StoreError
from nextbest.scoring.store import RunStore

REPORT = {"level": "accounts", "auc": 0.71, "baseline_auc": 0.65, "n_train": 80, "n_test": 40}


@pytest.fixture
def models(tmp_path: Path) -> ModelStore:
    return ModelStore(RunStore(f"sqlite:///{tmp_path / 'runs.db'}"))


def _save(models: ModelStore, version: str, activate: bool = True) -> None:
    models.save(version, REPORT, {}, "data", "hash", activate=activate)


def test_rollback_walks_back(
    models: ModelStore,
) -> None:
    for version in ("m1", "m2", "m3"):
        _save(models, version)
    assert models.active_version() == "m3"
    assert models.rollback().version == "m2"
    assert models.rollback().version == "m1"
    with pytest.raises(StoreError) as raised:
        models.rollback()
    assert str(raised.value) == "m1 is the first model activated; there is none before it"
    assert [(record.version, record.active) for record in models.list()] == [
        ("m3", False),
        ("m2", False),
        ("m1", True),
    ]


def test_rollback_after_activate(
    models: ModelStore,
) -> None:
    _save(models, "m1")
    _save(models, "m2")
    _save(models, "m3", activate=False)
    assert models.active_version() == "m2"
    assert models.activate("m3").active
    assert models.rollback().version == "m2"


def test_model_store_errors(models: ModelStore) -> None:
    with pytest.raises(StoreError) as raised:
        models.get()
    assert str(raised.value) == "no model is active; train one with `nextbest train`"
    with pytest.raises(StoreError) as raised:
        models.activate("m9")
    assert str(raised.value) == (
        "no model 'm9' in the store; `nextbest model list` shows the versions"
    )
    with pytest.raises(StoreError) as raised:
        models.rollback()
    assert str(raised.value) == "no model is active, so there is nothing to roll back"


def test_overlay_replaces_learned_settings() -> None:
    config = load_config()
    overlay = {
        "composite": {
            "weights": {"fit": 0.4, "intent": 0.1, "relationship": 0.2, "engagement": 0.3}
        },
        "engagement": {"half_life_days": {"default": 30, "pricing_page_view": 7}},
        "leads": {"sources": {"webinar": 0.9}},
    }
    learned = apply_overlay(config, overlay)
    assert learned.composite.weights["fit"] == 0.4
    assert learned.engagement.half_life("pricing_page_view") == 7
    assert learned.engagement.points == config.engagement.points
    assert learned.leads.sources == {"webinar": 0.9}
    assert learned.tiers == config.tiers
    assert changed_settings(overlay) == [
        "composite.weights",
        "engagement.half_life_days",
        "leads.sources",
    ]


def test_overlay_invalid_config() -> None:
    overlay = {"composite": {"weights": {"fit": 0.9}}}
    with pytest.raises(ConfigError) as raised:
        apply_overlay(load_config(), overlay)
    assert "the model's learned settings do not fit this config" in str(raised.value)
    assert "must add up to 1, got 1.65" in str(raised.value)
