from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.scoring.config import defaults_text, load_config
from nextbest.scoring.errors import ConfigError


def _error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return str(caught.value).removeprefix(f"{path}")


def test_defaults_load_and_hash_is_stable() -> None:
    assert load_config().config_hash() == load_config().config_hash()
    assert "surge_threshold: 60" in defaults_text()


def test_user_file_merges_over_defaults(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("tiers: {A: 80}\nintent: {topics: {Widgets: 1.0}}\n")
    config = load_config(path)
    assert config.tiers.A == 80
    assert config.tiers.B == 40
    # Vocabulary mappings replace the defaults whole.
    assert config.intent.topics == {"Widgets": 1.0}
    assert config.intent.surge_threshold == 60


def test_invalid_values_are_listed_together(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        "composite:\n  weights: {fit: .nan}\n"
        'normalize: {date_formats: ["%Q-%Z"]}\n'
        "fit:\n  employee_bands: [{min: 10, max: 5, match: 1}]\n",
    )
    assert message == (
        ": invalid config\n"
        "  normalize.date_formats: Value error, '%Q-%Z' is not a valid date format; "
        "use strptime codes such as %Y-%m-%d\n"
        "  fit.employee_bands.0: Value error, max (5) must not be below min (10)\n"
        "  composite.weights.fit: Input should be a finite number"
    )


def test_negative_weights_are_rejected(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        "composite:\n  weights: {fit: 2, intent: -0.5, relationship: -0.5, engagement: 0}\n",
    )
    assert "composite.weights.intent: Input should be greater than or equal to 0" in message


def test_velocity_weight_keeps_engagement_monotone(tmp_path: Path) -> None:
    message = _error(tmp_path, "engagement:\n  velocity: {weight: 5}\n")
    assert "weight must be at most prior_days / recent_days = 4, got 5" in message


def test_unknown_key_and_bad_yaml(tmp_path: Path) -> None:
    assert _error(tmp_path, "tierz: {A: 1}\n") == (
        ": invalid config\n  tierz: Extra inputs are not permitted"
    )
    assert _error(tmp_path, "a: [1,\n b: }\n") == (
        ", line 2, column 5: invalid YAML: expected the node content, but found '}'"
    )
    assert _error(tmp_path, "- just\n- a list\n") == (
        ": expected a mapping of settings at the top level"
    )


def test_config_path_that_is_a_folder(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder; expected a YAML config file"):
        load_config(tmp_path)


def test_matches_and_booleans_are_checked(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        "fit:\n  industries: {software: 5}\n"
        'normalize: {true_values: ["yes", "y"], false_values: ["y"]}\n',
    )
    assert "fit.industries.software: Input should be less than or equal to 1" in message
    assert "normalize: Value error, true_values and false_values share y" in message
