from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from nextbest.api.cli import app
from nextbest.learning.outcomes import load_outcomes
from nextbest.learning.thresholds import lowest_cutoff, parse_capacity, propose_thresholds
from nextbest.learning.validation import validate
from nextbest.scoring.config import load_config
from nextbest.scoring.errors import StoreError
from nextbest.scoring.store import RunStore
from tests.learning.conftest import MAVEN_CONFIG, run_accounts, save_run, write_outcomes

runner = CliRunner()
AS_OF = date(2026, 1, 1)
LATER = date(2026, 3, 1)
FORM = "A=N,B=N with N the accounts a tier's team can work per week, such as A=50,B=200"
# Ten qualified accounts and u1, unqualified, whose score of 99 must count in no tier.
SCORES = {
    "q01": 95,
    "q02": 90,
    "q03": 90,
    "q04": 85,
    "q05": 80,
    "q06": 70,
    "q07": 70,
    "q08": 70,
    "q09": 60,
    "q10": 50,
    "u1": 99,
}
CONVERTED = ("q01", "q04", "q06", "q10", "u1")
CURRENT = {"A": 60.0, "B": 40.0}


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


def _backtested(store: RunStore, folder: Path, scores: dict[str, float]) -> RunStore:
    """Save the accounts as of 2026-01-01, evaluable in 30 days, and as of 2026-03-01.

    The later run gives the weekly volumes. The accounts in CONVERTED win a deal on 2026-01-10.
    """
    deals = [
        (f"O{index}", account, "2025-12-01", "won", "2026-01-10", "100")
        for index, account in enumerate(CONVERTED)
        if account in scores
    ]
    deals.append(("O-end", next(iter(scores)), "2026-01-01", "lost", "2026-03-15", "0"))
    write_outcomes(folder, list(scores), deals)
    for as_of in (AS_OF, LATER):
        save_run(store, folder, as_of, run_accounts(scores, unqualified=("u1",)))
    return store


def _propose(store: RunStore, folder: Path, capacity: dict[str, int]) -> dict:
    outcomes = load_outcomes(folder, load_config())
    return propose_thresholds(store, outcomes, capacity, CURRENT, horizon_days=30)


@pytest.mark.parametrize(
    ("text", "capacity"),
    [("A=50,B=200", {"A": 50, "B": 200}), (" a = 5 , b=0 ", {"A": 5, "B": 0})],
)
def test_parse_capacity(text: str, capacity: dict[str, int]) -> None:
    assert parse_capacity(text) == capacity


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "A=50,B=lots",
            f"invalid number 'lots' in 'B=lots'; expected a whole number of accounts, as in {FORM}",
        ),
        (
            "A=-5,B=1",
            f"invalid number '-5' in 'A=-5'; expected a whole number of accounts, as in {FORM}",
        ),
        ("A50,B=1", f"invalid part 'A50'; expected {FORM}"),
        ("", f"invalid part ''; expected {FORM}"),
        ("A=50", f"missing tier B in 'A=50'; expected {FORM}"),
        ("A=5,A=6,B=1", f"tier A is given twice in 'A=5,A=6,B=1'; expected {FORM}"),
        (
            "A=5,B=5,C=9",
            "invalid part 'C=9': tier C takes every account below B and has no capacity; "
            f"expected {FORM}",
        ),
    ],
)
def test_parse_capacity_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_capacity(text)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("capacity", "ceiling", "expected"),
    [
        (3, 100.1, (90.0, None)),
        (2, 100.1, (95.0, None)),
        (10, 100.1, (85.0, None)),
        (0, 100.1, (95.1, 1)),
        (1, 95.0, (90.1, 2)),
        (5, 85.0, (85.0, None)),
    ],
)
def test_lowest_cutoff(capacity: int, ceiling: float, expected: tuple[float, int | None]) -> None:
    scores = np.array([95.0, 90.0, 90.0, 85.0])
    assert lowest_cutoff(scores, capacity, ceiling) == expected


def test_cutoffs_fit_capacity(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    _backtested(store, folder, SCORES)

    result = _propose(store, folder, {"A": 3, "B": 4})

    assert result["proposed"]["cutoffs"] == {"A": 90.0, "B": 80.0}
    assert result["snippet"] == "tiers: {A: 90, B: 80}"
    assert result["proposed"]["tiers"] == [
        {
            "tier": "A",
            "accounts": 3,
            "converted": 1,
            "rate": 0.3333,
            "rate_low": 0.0615,
            "rate_high": 0.7923,
            "won_value": 100.0,
            "cutoff": 90.0,
            "weekly_accounts": 3,
            "capacity": 3,
        },
        {
            "tier": "B",
            "accounts": 2,
            "converted": 1,
            "rate": 0.5,
            "rate_low": 0.0945,
            "rate_high": 0.9055,
            "won_value": 100.0,
            "cutoff": 80.0,
            "weekly_accounts": 2,
            "capacity": 4,
        },
        {
            "tier": "C",
            "accounts": 5,
            "converted": 2,
            "rate": 0.4,
            "rate_low": 0.1176,
            "rate_high": 0.7693,
            "won_value": 200.0,
            "cutoff": None,
            "weekly_accounts": 5,
            "capacity": None,
        },
    ]
    assert result["volume_run"]["as_of"] == "2026-03-01"
    assert result["volume_run"]["qualified"] == 10
    assert result["warnings"] == []


def test_current_cutoffs_beside_proposal(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    _backtested(store, folder, SCORES)

    result = _propose(store, folder, {"A": 3, "B": 4})

    current = result["current"]
    assert current["cutoffs"] == CURRENT
    assert [
        (row["weekly_accounts"], row["accounts"], row["converted"]) for row in current["tiers"]
    ] == [(9, 9, 3), (1, 1, 1), (0, 0, 0)]
    assert (current["tiers"][0]["rate_low"], current["tiers"][0]["rate_high"]) == (
        0.1206,
        0.6458,
    )
    assert current["tiers"][2]["rate"] is None


def test_tied_top_scores_leave_tier_empty(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    _backtested(store, folder, {"t1": 95, "t2": 95, "t3": 80})

    result = _propose(store, folder, {"A": 1, "B": 5})

    assert result["snippet"] == "tiers: {A: 95.1, B: 80}"
    assert [row["weekly_accounts"] for row in result["proposed"]["tiers"]] == [0, 3, 0]
    assert result["warnings"] == [
        "2 accounts share the top score for tier A, more than its capacity of 1; "
        "tier A is left empty"
    ]


def test_perfect_scores_over_capacity(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    _backtested(store, folder, {"m1": 100, "m2": 100, "m3": 50})

    result = _propose(store, folder, {"A": 1, "B": 1})

    assert result["snippet"] == "tiers: {A: 100, B: 50}"
    assert result["warnings"] == [
        "2 accounts score 100, more than tier A's capacity of 1, and no cut-off can leave them out"
    ]


def test_no_qualified_account(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    _backtested(store, folder, {"u1": 99})

    with pytest.raises(StoreError, match=r"as of 2026-03-01\) has no qualified account"):
        _propose(store, folder, {"A": 1, "B": 1})


def test_cli_thresholds_prints_snippet(store: RunStore, tmp_path: Path) -> None:
    _backtested(store, tmp_path / "data", SCORES)

    result = _invoke(
        "thresholds", "--capacity", "A=3,B=4", "--db", store.url, "--horizon-days", "30"
    )

    assert result.exit_code == 0, result.output
    assert "Weekly volumes from the 10 qualified accounts of run" in result.stdout
    assert "│ A    │          60 │       90 │          9 │        3 │        3 │" in result.stdout
    assert result.stdout.endswith("Paste into the config:\n  tiers: {A: 90, B: 80}\n")


def test_cli_thresholds_json(store: RunStore, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    _backtested(store, folder, SCORES)

    result = _invoke(
        "thresholds",
        str(folder),
        "--capacity",
        "A=3,B=4",
        "--db",
        store.url,
        "--horizon-days",
        "30",
        "--json",
    )

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["proposed"]["cutoffs"] == {"A": 90.0, "B": 80.0}


def test_cli_thresholds_errors(store: RunStore, tmp_path: Path) -> None:
    result = _invoke("thresholds", "--capacity", "A=50,B=lots", "--db", store.url)
    assert result.exit_code == 2
    assert result.stderr == (
        "error: --capacity: invalid number 'lots' in 'B=lots'; expected a whole number of "
        f"accounts, as in {FORM}\n"
    )

    result = _invoke("thresholds", "--db", store.url)
    assert result.exit_code == 2
    assert "Missing option '--capacity'" in result.output

    result = _invoke("thresholds", "--capacity", "A=5,B=5", "--db", store.url)
    assert result.exit_code == 1
    assert "no scoring run in" in result.stderr


def test_maven_crm_thresholds(maven_store: tuple[RunStore, Path]) -> None:
    store, data_dir = maven_store
    outcomes = load_outcomes(data_dir, load_config(MAVEN_CONFIG))

    result = propose_thresholds(
        store, outcomes, {"A": 20, "B": 40}, {"A": 60, "B": 40}, data_dir=data_dir
    )

    assert result["snippet"] == "tiers: {A: 65.1, B: 58.8}"
    assert [row["weekly_accounts"] for row in result["proposed"]["tiers"]] == [13, 34, 38]
    assert [row["weekly_accounts"] for row in result["current"]["tiers"]] == [41, 44, 0]
    # The current cut-offs are the config's, so each tier's backtest is validate's, whose
    # intervals count an account seen in several runs once.
    checked = validate(store, outcomes, data_dir=data_dir, samples=50)
    qualified = [
        (row["accounts"], row["rate_low"], row["rate_high"]) for row in result["current"]["tiers"]
    ]
    assert qualified[0] == (139, 0.918, 1.0)
    assert qualified[0] == tuple(
        checked["tiers"][0][key] for key in ("accounts", "rate_low", "rate_high")
    )
