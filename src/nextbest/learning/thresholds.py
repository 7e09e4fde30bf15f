"""Tier cut-offs proposed from each tier team's weekly capacity, with backtested conversion rates.

A tier's weekly volume is the number of qualified accounts in it in the latest run (the run with
the latest as-of date): with a run each week, that is the list the tier's team gets each week.
Unqualified accounts count in no tier's volume or rate, because no team works them. Tier A's
cut-off is the lowest that keeps A within its capacity, and B's the lowest below it that keeps
B within its own; C is every account below B.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nextbest.learning.validation import HORIZON_DAYS, backtest, tier_rows
from nextbest.scoring.errors import StoreError
from nextbest.scoring.store import RunStore

CAPACITY_FORM = "A=N,B=N with N the accounts a tier's team can work per week, such as A=50,B=200"
# Stored scores have one decimal, so a cut-off 0.1 above a score leaves that score out.
SCORE_STEP = 0.1
MAX_SCORE = 100.0


def parse_capacity(text: str) -> dict[str, int]:
    """Parse capacity text such as 'A=50,B=200' into {'A': 50, 'B': 200}.

    Raises ValueError naming the invalid part and the expected form.
    """
    capacity: dict[str, int] = {}
    for part in text.split(","):
        tier, equals, number = (piece.strip() for piece in part.partition("="))
        tier = tier.upper()
        if tier == "C":
            raise ValueError(
                f"invalid part {part.strip()!r}: tier C takes every account below B and has no "
                f"capacity; expected {CAPACITY_FORM}"
            )
        if not equals or tier not in ("A", "B"):
            raise ValueError(f"invalid part {part.strip()!r}; expected {CAPACITY_FORM}")
        if not re.fullmatch(r"\d+", number):
            raise ValueError(
                f"invalid number {number!r} in {part.strip()!r}; expected a whole number of "
                f"accounts, as in {CAPACITY_FORM}"
            )
        if tier in capacity:
            raise ValueError(f"tier {tier} is given twice in {text!r}; expected {CAPACITY_FORM}")
        capacity[tier] = int(number)
    missing = [tier for tier in ("A", "B") if tier not in capacity]
    if missing:
        raise ValueError(f"missing tier {missing[0]} in {text!r}; expected {CAPACITY_FORM}")
    return capacity


def lowest_cutoff(scores: np.ndarray, capacity: int, ceiling: float) -> tuple[float, int | None]:
    """Return the lowest cut-off at or below `ceiling` that leaves at most `capacity` in its tier.

    The tier contains the scores at or above the cut-off and below `ceiling`. When the top score
    below the ceiling is shared by more accounts than the capacity, the cut-off goes 0.1 above it
    (an empty tier) and the second value is that number of accounts, else None.
    """
    below = np.sort(scores[scores < ceiling])[::-1]
    if not len(below):
        return ceiling, None
    values, counts = np.unique(below, return_counts=True)
    values, cumulative = values[::-1], np.cumsum(counts[::-1])
    fitting = np.flatnonzero(cumulative <= capacity)
    if not len(fitting):
        return min(round(float(values[0]) + SCORE_STEP, 1), ceiling), int(cumulative[0])
    return float(values[fitting[-1]]), None


def _assign(scores: pd.Series, cutoffs: dict[str, float]) -> pd.Series:
    tiers = np.where(scores >= cutoffs["A"], "A", np.where(scores >= cutoffs["B"], "B", "C"))
    return pd.Series(tiers, index=scores.index)


def _tier_table(
    cutoffs: dict[str, float],
    latest: pd.DataFrame,
    evaluated: pd.DataFrame,
    capacity: dict[str, int],
) -> dict[str, Any]:
    """Return each tier's cut-off, weekly volume in the latest run and backtested rate."""
    weekly = _assign(latest["score"], cutoffs).value_counts()
    rows = tier_rows(evaluated, _assign(evaluated["score"], cutoffs))
    for row in rows:
        tier = row["tier"]
        row["cutoff"] = cutoffs.get(tier)
        row["weekly_accounts"] = int(weekly.get(tier, 0))
        row["capacity"] = capacity.get(tier)
    return {"cutoffs": cutoffs, "tiers": rows}


def propose_thresholds(
    store: RunStore,
    outcomes: pd.DataFrame,
    capacity: dict[str, int],
    current: dict[str, float],
    horizon_days: int = HORIZON_DAYS,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """Propose tier cut-offs for `capacity` ({'A': n, 'B': n} accounts per week).

    `current` contains the config's cut-offs ({'A': 60, 'B': 40}), shown beside the proposal with
    their own volumes and rates. Returns a JSON-ready dict with both, a config snippet to paste
    and `warnings`. Raises StoreError when the latest run has no qualified account.
    """
    checked = backtest(store, outcomes, horizon_days, data_dir)
    latest = store.account_scores(checked.latest.run_id)
    latest = latest[latest["qualified"]]
    if latest.empty:
        raise StoreError(
            f"the latest run ({checked.latest.run_id}, as of {checked.latest.as_of}) has no "
            "qualified account, so no tier volume can be measured"
        )
    scores = latest["score"].to_numpy(dtype=float)

    warnings = []
    cut_a, tied_a = lowest_cutoff(scores, capacity["A"], MAX_SCORE + SCORE_STEP)
    if cut_a > MAX_SCORE:
        warnings.append(
            f"{tied_a:,} accounts score {MAX_SCORE:g}, more than tier A's capacity of "
            f"{capacity['A']:,}, and no cut-off can leave them out"
        )
        cut_a, tied_a = MAX_SCORE, None
    cut_b, tied_b = lowest_cutoff(scores, capacity["B"], cut_a)
    for tier, tied in (("A", tied_a), ("B", tied_b)):
        if tied is not None:
            warnings.append(
                f"{tied:,} {'account shares' if tied == 1 else 'accounts share'} the top score "
                f"for tier {tier}, more than its capacity "
                f"of {capacity[tier]:,}; tier {tier} is left empty"
            )
    proposed = {"A": cut_a, "B": cut_b}

    # The run column makes pooled intervals count an account in several runs once.
    evaluated = pd.concat(
        [frame.assign(run=run.run_id) for run, frame in checked.evaluated], ignore_index=True
    )
    evaluated = evaluated[evaluated["qualified"]]
    return {
        "capacity": capacity,
        "horizon_days": horizon_days,
        "data_end": checked.data_end.isoformat(),
        "volume_run": {
            "run_id": checked.latest.run_id,
            "as_of": checked.latest.as_of.isoformat(),
            "qualified": len(latest),
        },
        "runs_evaluated": [run.run_id for run, _ in checked.evaluated],
        "skipped": checked.skipped,
        "current": _tier_table(current, latest, evaluated, capacity),
        "proposed": _tier_table(proposed, latest, evaluated, capacity),
        "snippet": f"tiers: {{A: {cut_a:g}, B: {cut_b:g}}}",
        "warnings": warnings,
    }
