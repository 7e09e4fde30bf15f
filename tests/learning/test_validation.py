from __future__ import annotations

import json
import math
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from nextbest.api.cli import app
from nextbest.learning.outcomes import load_outcomes
from nextbest.learning.validation import (
    effective_count,
    mark_conversions,
    population_stability_index,
    psi_reading,
    ranking_figures,
    validate,
    wilson_interval,
)
from nextbest.scoring.config import load_config
from nextbest.scoring.errors import InputError, StoreError
from nextbest.scoring.runs import ScoredRun, score_folder
from nextbest.scoring.store import RunStore, runs_table
from tests.learning.conftest import MAVEN_CONFIG, run_accounts, save_run, write_outcomes

runner = CliRunner()
AS_OF = date(2026, 1, 1)
LATER = date(2026, 3, 1)
SCORES = {
    "a1": 90,
    "a2": 85,
    "a3": 80,
    "a4": 75,
    "b1": 55,
    "b2": 50,
    "b3": 45,
    "c1": 20,
    "c2": 15,
    "c3": 10,
}
# Against a run as of 2026-01-01 with a 30-day horizon, conversions are closes from 2026-01-01
# to 2026-01-30: a1 twice (1,500), a2 (a deal created after as-of), b1 (no amount) and c1.
OPPORTUNITIES = [
    ("O1", "a1", "2025-11-01", "won", "2026-01-01", "1000"),
    ("O2", "a1", "2025-12-01", "won", "2026-01-15", "500"),
    ("O3", "a2", "2026-01-10", "won", "2026-01-30", "2000"),
    ("O4", "a3", "2025-12-01", "won", "2026-01-31", "4000"),
    ("O5", "a4", "2025-10-01", "won", "2025-12-31", "8000"),
    ("O6", "b1", "2025-12-01", "won", "2026-01-10", ""),
    ("O7", "b2", "2025-12-01", "lost", "2026-01-10", "0"),
    ("O8", "c1", "2025-12-15", "won", "2026-01-20", "300"),
    ("O9", "Nobody Ltd", "2025-12-01", "won", "2026-01-05", "700"),
    ("O10", "c3", "2026-02-01", "lost", "2026-03-15", "0"),
    ("O11", "b3", "2026-02-01", "open", "", ""),
]


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ten accounts and their opportunities; a test that changes files writes its own."""
    return write_outcomes(tmp_path_factory.mktemp("outcomes") / "data", list(SCORES), OPPORTUNITIES)


@pytest.fixture(scope="module")
def outcomes(folder: Path) -> pd.DataFrame:
    return load_outcomes(folder, load_config())


@pytest.fixture
def two_runs(store: RunStore, folder: Path) -> RunStore:
    """A run as of 2026-01-01, evaluable with a 30-day horizon, and one as of 2026-03-01."""
    save_run(store, folder, AS_OF, run_accounts(SCORES))
    save_run(store, folder, LATER, run_accounts(SCORES))
    return store


def test_outcomes_keep_unmatched_deals(outcomes: pd.DataFrame) -> None:
    assert list(outcomes.columns) == [
        "opportunity_id",
        "account_id",
        "created_at",
        "closed_at",
        "outcome",
        "amount",
        "product",
    ]
    assert len(outcomes) == 11
    by_id = outcomes.set_index("opportunity_id")
    assert by_id.loc["O1", "account_id"] == "a1"
    assert pd.isna(by_id.loc["O9", "account_id"])
    assert by_id.loc["O3", "created_at"] == pd.Timestamp("2026-01-10")
    assert pd.isna(by_id.loc["O11", "closed_at"])


def test_outcomes_require_a_closed_deal(tmp_path: Path) -> None:
    folder = write_outcomes(tmp_path / "open", ["a1"], [("O1", "a1", "2026-01-01", "open", "", "")])
    with pytest.raises(InputError) as raised:
        load_outcomes(folder, load_config())
    assert str(raised.value) == (
        "opportunities.csv: no closed opportunity among 1 (expected opportunities with outcome "
        "won or lost and a closed_at date, by which validation measures conversion)"
    )


def test_outcomes_require_an_opportunities_file(tmp_path: Path) -> None:
    folder = write_outcomes(tmp_path / "none", ["a1"], [])
    (folder / "opportunities.csv").unlink()
    with pytest.raises(InputError) as raised:
        load_outcomes(folder, load_config())
    assert str(raised.value).startswith(f"{folder}: no opportunities file (expected")


def test_conversion_window_and_won_value(outcomes: pd.DataFrame) -> None:
    marked = mark_conversions(run_accounts(SCORES), outcomes, AS_OF, horizon_days=30)
    converted = marked.set_index("account_id")
    assert sorted(converted.index[converted["converted"]]) == ["a1", "a2", "b1", "c1"]
    assert converted.loc["a1", "won_value"] == 1500
    assert converted.loc["a2", "won_value"] == 2000
    assert converted.loc["b1", "won_value"] == 0
    assert converted.loc["a3", "won_value"] == 0


def test_one_day_longer_horizon_counts_day_30(outcomes: pd.DataFrame) -> None:
    marked = mark_conversions(run_accounts(SCORES), outcomes, AS_OF, horizon_days=31)
    assert marked.set_index("account_id").loc["a3", "converted"]


@pytest.mark.parametrize(
    ("successes", "total", "expected"),
    [
        (5, 10, (0.2366, 0.7634)),
        (0, 10, (0.0, 0.2775)),
        (10, 10, (0.7225, 1.0)),
        (2, 4, (0.15, 0.85)),
        (1, 3, (0.0615, 0.7923)),
    ],
)
def test_wilson_interval(successes: int, total: int, expected: tuple[float, float]) -> None:
    low, high = wilson_interval(successes, total)
    assert (round(low, 4), round(high, 4)) == expected


def test_validate_pools_tiers(two_runs: RunStore, outcomes: pd.DataFrame, folder: Path) -> None:
    result = validate(two_runs, outcomes, horizon_days=30, data_dir=folder, samples=200)

    assert result["tiers"] == [
        {
            "tier": "A",
            "accounts": 4,
            "converted": 2,
            "rate": 0.5,
            "rate_low": 0.15,
            "rate_high": 0.85,
            "won_value": 3500.0,
        },
        {
            "tier": "B",
            "accounts": 3,
            "converted": 1,
            "rate": 0.3333,
            "rate_low": 0.0615,
            "rate_high": 0.7923,
            "won_value": 0.0,
        },
        {
            "tier": "C",
            "accounts": 3,
            "converted": 1,
            "rate": 0.3333,
            "rate_low": 0.0615,
            "rate_high": 0.7923,
            "won_value": 300.0,
        },
    ]
    assert result["converted"] == 4
    assert result["data_end"] == "2026-03-15"
    assert result["ordering"]["summary"] == ("A and B are not separated; B and C are not separated")
    assert result["ordering"]["holds"] is False
    assert [run["as_of"] for run in result["runs"]] == ["2026-01-01"]
    assert result["runs"][0]["window_end"] == "2026-01-30"
    json.dumps(result)


def test_runs_pool_by_tier(store: RunStore, outcomes: pd.DataFrame, folder: Path) -> None:
    save_run(store, folder, AS_OF, run_accounts(SCORES))
    # As of 2026-01-05, a1 (O2 only), a2, a3, b1 and c1 convert within 30 days.
    save_run(store, folder, date(2026, 1, 5), run_accounts(SCORES))

    result = validate(store, outcomes, horizon_days=30, samples=200)

    assert [(run["as_of"], run["converted"]) for run in result["runs"]] == [
        ("2026-01-01", 4),
        ("2026-01-05", 5),
    ]
    assert [(row["accounts"], row["converted"], row["won_value"]) for row in result["tiers"]] == [
        (8, 5, 10000.0),
        (6, 2, 0.0),
        (6, 2, 600.0),
    ]
    assert result["converted"] == 9


def test_young_run_is_skipped(two_runs: RunStore, outcomes: pd.DataFrame, folder: Path) -> None:
    result = validate(two_runs, outcomes, horizon_days=30, data_dir=folder, samples=200)
    later = two_runs.runs()[0]

    assert result["skipped"] == [
        {
            "run_id": later.run_id,
            "as_of": "2026-03-01",
            "reason": "its 30-day horizon ends 2026-03-30, after the latest outcome in the data "
            "(2026-03-15)",
        }
    ]
    assert result["drift"]["run_id"] == later.run_id
    assert result["drift"]["reference"] == f"run {result['runs'][0]['run_id']} as of 2026-01-01"
    assert [row["psi"] for row in result["drift"]["inputs"]] == [0.0] * 6


def test_no_evaluable_run(two_runs: RunStore, outcomes: pd.DataFrame, folder: Path) -> None:
    with pytest.raises(StoreError) as raised:
        validate(two_runs, outcomes, horizon_days=90, data_dir=folder)
    assert str(raised.value) == (
        "no stored run is old enough to validate: a run needs 90 days of outcomes after its "
        "as-of date, and the latest outcome in the data is on 2026-03-15. Score the folder as "
        "of 2025-12-16 or earlier, such as `nextbest score DATA_DIR --as-of 2025-12-16`, or "
        "shorten the horizon"
    )


def test_runs_of_other_folders_are_skipped(
    two_runs: RunStore, outcomes: pd.DataFrame, folder: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    save_run(two_runs, other, AS_OF, run_accounts({"x1": 99}))

    result = validate(two_runs, outcomes, horizon_days=30, data_dir=folder, samples=200)

    assert result["skipped"][0]["reason"] == f"scored from another folder, {other}"
    assert sum(row["accounts"] for row in result["tiers"]) == 10
    with pytest.raises(StoreError, match="no stored run was scored from"):
        validate(two_runs, outcomes, horizon_days=30, data_dir=tmp_path / "third")


def _separated(store: RunStore, folder: Path, reverse: bool = False) -> pd.DataFrame:
    """Save 60 accounts, 20 a tier, where A all converts, half of B (its top) and no C.

    With `reverse`, C all converts, half of B (its bottom) and no A.
    """
    scores = {f"a{i:02d}": 80 + i / 2 for i in range(20)}
    scores |= {f"b{i:02d}": 40 + i / 2 for i in range(20)}
    scores |= {f"c{i:02d}": i / 2 for i in range(20)}
    top = [account for account, score in scores.items() if score >= 45]
    bottom = [account for account, score in scores.items() if score < 45]
    winners = bottom if reverse else top
    deals = [
        (f"O{index}", account, "2025-12-01", "won", "2026-01-10", "100")
        for index, account in enumerate(winners)
    ]
    deals.append(("O-end", "c00", "2026-01-01", "lost", "2026-06-30", "0"))
    write_outcomes(folder, list(scores), deals)
    save_run(store, folder, AS_OF, run_accounts(scores))
    return load_outcomes(folder, load_config())


def test_ordering_holds_when_intervals_part(store: RunStore, tmp_path: Path) -> None:
    outcomes = _separated(store, tmp_path / "data")

    result = validate(store, outcomes, horizon_days=90, samples=200)

    assert [(row["converted"], row["rate_low"], row["rate_high"]) for row in result["tiers"]] == [
        (20, 0.8389, 1.0),
        (10, 0.2993, 0.7007),
        (0, 0.0, 0.1611),
    ]
    assert result["ordering"]["summary"] == "A beats B beats C"
    assert result["ordering"]["holds"] is True
    ranking = result["ranking"]
    assert (ranking["auc"], ranking["auc_low"], ranking["auc_high"]) == (1.0, 1.0, 1.0)
    assert ranking["lift_top_decile"] == 2.0
    assert (ranking["positives"], ranking["count"]) == (30, 60)
    assert result["warnings"] == []


def test_pooled_rate_counts_repeated_accounts_once(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    outcomes = _separated(store, folder)
    # A week later the same accounts, scores and conversions: the deals close on 2026-01-10.
    scores = store.account_scores(store.runs()[0].run_id).set_index("account_id")["score"]
    save_run(store, folder, date(2026, 1, 8), run_accounts(scores.to_dict()))

    result = validate(store, outcomes, horizon_days=90, samples=200)

    # Tier B has 10 of its 20 accounts converting in both runs. As 40 independent rows its
    # interval would be 35.2% to 64.8%; with accounts as clusters the rows are worth 19 accounts.
    assert [(row["accounts"], row["converted"]) for row in result["tiers"]] == [
        (40, 40),
        (40, 20),
        (40, 0),
    ]
    assert [(row["rate_low"], row["rate_high"]) for row in result["tiers"]] == [
        (0.8389, 1.0),
        (0.295, 0.705),
        (0.0, 0.1611),
    ]
    printed = _invoke("validate", "--db", store.url, "--horizon-days", "90").stdout
    assert "│ B    │       40 │        20 │  50.0% │  29.5% to 70.5% │     2,000 │" in printed
    assert (
        "Each interval counts an account seen in several runs at most once, not as "
        "independent rows."
    ) in printed


def test_reversed_ranking_warns(store: RunStore, tmp_path: Path) -> None:
    outcomes = _separated(store, tmp_path / "data", reverse=True)

    result = validate(store, outcomes, horizon_days=90, samples=200)

    assert result["ordering"]["summary"] == "B beats A; C beats B"
    assert result["warnings"] == [
        "The ranking is reversed on the run as of 2026-01-01: higher scores converted less "
        "often (AUC 0.00, 95% interval 0.00 to 0.00). Check the inputs' drift and the "
        "config's weights before the team works these tiers.",
        "Tier A converted no better than tier C on the run as of 2026-01-01: A 0 of 20 "
        "(0.0%), C 20 of 20 (100.0%).",
    ]


def test_chance_ranking_warns(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    scores = {f"x{i:02d}": float(i) for i in range(40)}
    # Every other account by score converts, so the score cannot tell buyers apart.
    winners = [account for account, score in scores.items() if score % 2 == 0]
    deals = [
        (f"O{index}", account, "2025-12-01", "won", "2026-01-10", "100")
        for index, account in enumerate(winners)
    ]
    deals.append(("O-end", "x01", "2026-01-01", "lost", "2026-06-30", "0"))
    write_outcomes(folder, list(scores), deals)
    save_run(store, folder, AS_OF, run_accounts(scores))

    result = validate(store, load_outcomes(folder, load_config()), samples=200)

    ranking = result["runs"][0]["ranking"]
    assert ranking["auc"] == 0.475
    assert result["warnings"] == [
        "The ranking stopped working on the run as of 2026-01-01: it orders buyers no better "
        f"than chance (AUC 0.47, 95% interval {ranking['auc_low']:.2f} to "
        f"{ranking['auc_high']:.2f})."
    ]


def test_no_conversions_cannot_be_checked(store: RunStore, tmp_path: Path) -> None:
    folder = write_outcomes(
        tmp_path / "data", ["a1", "c1"], [("O1", "a1", "2025-12-01", "lost", "2026-06-30", "0")]
    )
    save_run(store, folder, AS_OF, run_accounts({"a1": 90, "c1": 10}))

    result = validate(store, load_outcomes(folder, load_config()), samples=200)

    assert result["ranking"] == {
        "auc": None,
        "auc_low": None,
        "auc_high": None,
        "reason": "no account converted",
    }
    assert result["warnings"] == [
        "The ranking cannot be checked on the run as of 2026-01-01 with a 90-day horizon: no "
        "account converted."
    ]


@pytest.mark.parametrize(
    ("current", "expected"),
    [
        # Identical distributions.
        (np.arange(100), 0.0),
        # Half the deciles hold 20% each and half none.
        (np.repeat(np.arange(50), 2), 5 * 0.1 * math.log(2) + 5 * (1e-4 - 0.1) * math.log(1e-3)),
        # The first decile's values moved into the second.
        (
            np.r_[np.arange(10, 20), np.arange(10, 100)],
            (1e-4 - 0.1) * math.log(1e-3) + 0.1 * math.log(2),
        ),
        # 12% and 8% in the first two deciles.
        (
            np.r_[np.arange(10), [0, 1], np.arange(10, 18), np.arange(20, 100)],
            0.02 * math.log(1.2) - 0.02 * math.log(0.8),
        ),
    ],
)
def test_psi_of_known_distributions(current: np.ndarray, expected: float) -> None:
    assert population_stability_index(np.arange(100), current) == pytest.approx(expected)


def test_psi_keeps_tied_zeros_in_one_bin() -> None:
    # Deciles 1 to 7 of the reference are all 0, so its bins hold 70%, 10%, 10% and 10%.
    reference = np.r_[np.zeros(70), np.arange(1, 31)]
    expected = 0.3 * math.log(1 / 0.7) + 3 * (1e-4 - 0.1) * math.log(1e-3)

    assert population_stability_index(reference, np.zeros(50)) == pytest.approx(expected)
    assert population_stability_index(reference, reference) == 0.0


@pytest.mark.parametrize(
    ("psi", "reading"),
    [(0.05, "stable"), (0.1, "moderate shift"), (0.25, "moderate shift"), (0.26, "major shift")],
)
def test_psi_reading(psi: float, reading: str) -> None:
    assert psi_reading(psi) == reading


def test_given_reference_and_major_shift(
    two_runs: RunStore, outcomes: pd.DataFrame, folder: Path
) -> None:
    reference = {"fit": [float(value) for value in range(100)], "intent": [10.0] * 50}

    result = validate(
        two_runs, outcomes, horizon_days=30, reference=reference, data_dir=folder, samples=200
    )

    drift = result["drift"]
    assert drift["reference"] == "the given reference distribution"
    assert [row["input"] for row in drift["inputs"]] == ["fit", "intent"]
    # Intent of the latest run: every score but 10 lies above the reference's only value.
    intent = drift["inputs"][1]
    assert intent["psi"] == round(
        (0.1 - 1) * math.log(0.1) + (0.9 - 1e-4) * math.log(0.9 / 1e-4), 4
    )
    assert intent["reading"] == "major shift"
    assert result["warnings"][-1] == (
        "Intent shifted from the given reference distribution to the run as of 2026-03-01: "
        f"PSI {intent['psi']:.2f}, above 0.25."
    )


def test_cli_validate_prints_tiers(two_runs: RunStore, folder: Path) -> None:
    result = _invoke("validate", "--db", two_runs.url, "--horizon-days", "30")

    assert result.exit_code == 0, result.output
    assert (
        "Checked 1 run as of 2026-01-01 against outcomes up to 2026-03-15, counting deals won "
        "within 30 days." in result.stdout
    )
    assert "│ A    │        4 │         2 │ 50.0% │ 15.0% to 85.0% │     3,500 │" in result.stdout
    assert "Ordering: A and B are not separated; B and C are not separated." in result.stdout


def test_cli_validate_json(two_runs: RunStore, folder: Path) -> None:
    result = _invoke(
        "validate", str(folder), "--db", two_runs.url, "--horizon-days", "30", "--json"
    )

    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert [row["converted"] for row in data["tiers"]] == [2, 1, 1]
    assert data["horizon_days"] == 30


def test_cli_validate_errors(store: RunStore, tmp_path: Path) -> None:
    folder = write_outcomes(tmp_path / "data", list(SCORES), OPPORTUNITIES)
    result = _invoke("validate", "--db", store.url)
    assert result.exit_code == 1
    assert "no scoring run in" in result.stderr
    assert "run `nextbest score DATA_DIR` first" in result.stderr

    save_run(store, folder, LATER, run_accounts(SCORES))
    result = _invoke("validate", "--db", store.url)
    assert result.exit_code == 1
    assert "error: no stored run is old enough to validate" in result.stderr

    (folder / "opportunities.csv").write_text(
        "opportunity_id,account_id,created_at,outcome,closed_at,amount\nO1,a1,2026-01-01,open,,\n"
    )
    result = _invoke("validate", "--db", store.url)
    assert result.exit_code == 2
    assert "opportunities.csv: no closed opportunity among 1" in result.stderr


def test_cli_config_maps_renamed_file(store: RunStore, tmp_path: Path) -> None:
    folder = write_outcomes(tmp_path / "data", list(SCORES), OPPORTUNITIES)
    (folder / "opportunities.csv").rename(folder / "crm_export.csv")
    config = tmp_path / "mapping.yaml"
    config.write_text("sources:\n  - table: opportunities\n    files: crm_export.csv\n")
    save_run(store, folder, AS_OF, run_accounts(SCORES))

    unmapped = _invoke("validate", "--db", store.url, "--horizon-days", "30")
    mapped = _invoke(
        "validate", "--db", store.url, "--horizon-days", "30", "--config", str(config), "--json"
    )

    assert unmapped.exit_code == 2
    assert f"{folder}: no opportunities file" in unmapped.stderr
    assert mapped.exit_code == 0, mapped.output
    assert [row["converted"] for row in json.loads(mapped.stdout)["tiers"]] == [2, 1, 1]


def test_cli_invalid_stored_config(store: RunStore, tmp_path: Path) -> None:
    folder = write_outcomes(tmp_path / "data", list(SCORES), OPPORTUNITIES)
    info = save_run(store, folder, AS_OF, run_accounts(SCORES))
    with store.engine.begin() as connection:
        connection.execute(runs_table.update().values(config='{"tiers": {"A": 60, "B": 70}}'))

    result = _invoke("validate", "--db", str(store.url))

    assert result.exit_code == 2
    assert result.stderr == (
        f"error: the config stored with run {info.run_id} is invalid in this version of "
        "nextbest (1 problem); pass the config file with --config\n"
    )


def test_cli_stored_config_from_before_new_settings(store: RunStore, tmp_path: Path) -> None:
    folder = write_outcomes(tmp_path / "data", list(SCORES), OPPORTUNITIES)
    save_run(store, folder, AS_OF, run_accounts(SCORES))
    with store.engine.begin() as connection:
        # A run stored before the learning settings existed.
        connection.execute(runs_table.update().values(config='{"tiers": {"A": 60, "B": 40}}'))

    result = _invoke("validate", "--db", str(store.url), "--horizon-days", "30", "--json")

    assert result.exit_code == 0, result.output


def test_maven_crm_by_tier(maven_store: tuple[RunStore, Path]) -> None:
    store, data_dir = maven_store
    config = load_config(MAVEN_CONFIG)

    result = validate(store, load_outcomes(data_dir, config), data_dir=data_dir, samples=200)

    assert result["data_end"] == "2017-12-31"
    assert [(row["accounts"], row["converted"]) for row in result["tiers"]] == [
        (139, 139),
        (199, 198),
        (2, 2),
    ]
    assert result["skipped"] == []
    # Nearly every account of this export wins a deal every quarter, so 90 days cannot rank.
    assert result["warnings"][0] == (
        "The ranking cannot be checked on the run as of 2017-07-01 with a 90-day horizon: every "
        "account converted."
    )


def test_sample_by_tier(scored_sample_run: tuple[Path, ScoredRun], store: RunStore) -> None:
    data_dir, latest = scored_sample_run
    config = load_config()
    store.save(score_folder(data_dir, config, date(2026, 3, 1)))
    store.save(latest)

    result = validate(store, load_outcomes(data_dir, config), data_dir=data_dir, samples=200)

    assert [run["as_of"] for run in result["runs"]] == ["2026-03-01"]
    assert [row["as_of"] for row in result["skipped"]] == ["2026-12-01"]
    assert result["data_end"] == "2026-11-10"
    assert [(row["accounts"], row["converted"]) for row in result["tiers"]] == [
        (1, 0),
        (42, 2),
        (157, 0),
    ]
    # Two buyers in 200 accounts: an AUC would describe those two accounts, not the ranking.
    assert result["ranking"]["auc"] is None
    assert result["ranking"]["reason"] == (
        "only 2 accounts converted, too few to judge the ranking (at least 5 needed)"
    )


def test_cli_folder_never_scored(two_runs: RunStore, folder: Path, tmp_path: Path) -> None:
    # Another folder's mapping must not be used to read it: the store has no run of it.
    unscored = write_outcomes(tmp_path / "unscored", list(SCORES), OPPORTUNITIES)

    result = _invoke("validate", str(unscored), "--db", two_runs.url)

    assert result.exit_code == 1
    assert " ".join(result.stderr.split()) == (
        f"error: no stored run was scored from {unscored}; the store's runs come from "
        f"{folder}. Pass one of those folders, or score {unscored} first"
    )


def test_reversed_over_all_runs_is_warned(store: RunStore, tmp_path: Path) -> None:
    # Two runs a month apart. In each, the five lowest-scored accounts win within 30 days and
    # the five highest-scored do not, so both runs and their pooled pairs are reversed.
    accounts = [f"r{index}" for index in range(10)]
    deals = []
    for number, won in enumerate(("2026-01-10", "2026-02-10")):
        deals += [
            (f"W{number}{index}", f"r{index}", "2025-12-01", "won", won, "100")
            for index in range(5)
        ]
    folder = write_outcomes(tmp_path / "data", accounts, deals)
    scores = {account: 10.0 + 8 * index for index, account in enumerate(accounts)}
    for as_of in (date(2026, 1, 1), date(2026, 2, 1)):
        save_run(store, folder, as_of, run_accounts(scores))
    # The latest outcome must lie past both horizons.
    deals.append(("L", "r9", "2026-01-01", "lost", "2026-04-01", "0"))
    folder = write_outcomes(folder, accounts, deals)

    result = validate(store, load_outcomes(folder, load_config()), 30, data_dir=folder)

    assert result["ranking"]["auc"] == 0.0
    assert result["warnings"][-1] == (
        "Over the 2 runs the ranking is reversed: higher scores converted less often (AUC "
        "0.00, 95% interval 0.00 to 0.00)."
    )


def test_cli_validate_rejects_huge_horizon(two_runs: RunStore) -> None:
    result = _invoke("validate", "--db", two_runs.url, "--horizon-days", "3000000")

    assert result.exit_code == 2
    assert "Invalid value for '--horizon-days'" in result.output
    words = " ".join(result.output.replace("│", " ").split())
    assert "Input should be less than or equal to 3650" in words


def _pooled(converted: list[list[int]]) -> pd.DataFrame:
    """Return rows of accounts a0, a1, ... in runs r0, r1, ... with converted[run][account]."""
    return pd.DataFrame(
        [
            {"run": f"r{run}", "account_id": f"a{account}", "converted": bool(flag), "score": 50.0}
            for run, flags in enumerate(converted)
            for account, flag in enumerate(flags)
        ]
    )


def test_effective_count_at_most_accounts() -> None:
    alternating = _pooled([[1, 0] * 25, [0, 1] * 25])
    one_conversion = _pooled([[1] + [0] * 99] + [[0] * 100] * 3)

    assert effective_count(alternating) == 50
    assert effective_count(one_conversion) == 100
    assert effective_count(_pooled([[0] * 100] * 4)) == 100


def test_pooled_ranking_counts_accounts() -> None:
    frame = _pooled([[1] + [0] * 199] * 5)

    ranking = ranking_figures(frame, samples=50)

    assert ranking["auc"] is None
    assert ranking["reason"] == (
        "only 1 account converted, too few to judge the ranking (at least 5 needed)"
    )
