"""Validation of stored runs against the outcomes that came after them.

An account of a run converted when it won an opportunity that closed on or after the run's
as-of date and less than the horizon (90 days by default) after it. A deal created after the
as-of date counts too: the score claims the account is ready to buy now, and a deal opened and
won within the horizon is that claim coming true. A deal closed before the as-of date does not
count, because the run saw it. Win value is the sum of the amounts of those won deals.

A run is evaluable when the last day of its horizon is on or before the latest close date in
the data. The accounts of a younger run have not had the whole horizon to convert.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nextbest.scoring.errors import StoreError
from nextbest.scoring.evaluation import BOOTSTRAP_SAMPLES, evaluate, within_group_auc
from nextbest.scoring.store import RunInfo, RunStore

HORIZON_DAYS = 90
TIERS = ("A", "B", "C")
# The score's inputs whose drift is measured: the four components, negative points, the score.
INPUTS = ("fit", "intent", "relationship", "engagement", "negative", "score")
Z_95 = 1.959963984540054
# The usual reading of a population stability index: below 0.1 stable, above 0.25 a major shift.
PSI_STABLE = 0.1
PSI_MAJOR = 0.25
# An empty bin gets this share instead of 0, so that its log ratio is finite.
PSI_EMPTY_SHARE = 1e-4
# NOTE: a store with more runs than this is validated on its newest MAX_RUNS runs only.
MAX_RUNS = 1000


@dataclass(frozen=True)
class Backtest:
    """Stored runs of one data folder, each evaluable run's accounts marked converted or not."""

    # Evaluable runs by as-of date, each with its accounts and columns converted and won_value.
    evaluated: list[tuple[RunInfo, pd.DataFrame]]
    # Runs left out, each with run_id, as_of and the reason.
    skipped: list[dict[str, str]]
    # The run with the latest as-of date, evaluable or not.
    latest: RunInfo
    data_end: date
    horizon_days: int


def wilson_interval(successes: float, total: float, z: float = Z_95) -> tuple[float, float]:
    """Return the Wilson score interval of a binomial rate, 95% by default.

    Counts may be fractional, as an effective number of accounts is (see `effective_count`).
    """
    if total <= 0 or not 0 <= successes <= total:
        raise ValueError(f"expected 0 <= successes <= total and total > 0, got {successes}/{total}")
    rate = successes / total
    weight = z * z / total
    center = (rate + weight / 2) / (1 + weight)
    half = z * math.sqrt(rate * (1 - rate) / total + weight / (4 * total)) / (1 + weight)
    return max(0.0, center - half), min(1.0, center + half)


def population_stability_index(reference: np.ndarray, current: np.ndarray) -> float:
    """Return the PSI of `current` against `reference`, in bins cut at the reference's deciles.

    PSI = sum over bins of (current share - reference share) * ln(current share / reference
    share). Bins are closed on the right, so a reference with many equal values (zeros, often)
    keeps them in one bin, and deciles that coincide make one bin. A bin that one side leaves
    empty counts as a share of PSI_EMPTY_SHARE.
    """
    reference = np.asarray(reference, dtype=float)
    current = np.asarray(current, dtype=float)
    if not len(reference) or not len(current):
        raise ValueError("expected at least one reference value and one current value")
    edges = np.unique(np.quantile(reference, np.arange(1, 10) / 10))
    bins = len(edges) + 1
    expected = np.bincount(np.searchsorted(edges, reference, side="left"), minlength=bins)
    actual = np.bincount(np.searchsorted(edges, current, side="left"), minlength=bins)
    expected_share = np.maximum(expected / len(reference), PSI_EMPTY_SHARE)
    actual_share = np.maximum(actual / len(current), PSI_EMPTY_SHARE)
    return float(np.sum((actual_share - expected_share) * np.log(actual_share / expected_share)))


def psi_reading(value: float) -> str:
    """Return the usual reading of a PSI value."""
    if value < PSI_STABLE:
        return "stable"
    if value <= PSI_MAJOR:
        return "moderate shift"
    return "major shift"


def latest_outcome_date(outcomes: pd.DataFrame) -> date:
    """Return the latest close date of a won or lost opportunity."""
    closed = outcomes[outcomes["outcome"].isin(["won", "lost"])]["closed_at"].dropna()
    if closed.empty:
        raise ValueError("expected at least one won or lost opportunity with a closed_at date")
    return closed.max().date()


def mark_conversions(
    accounts: pd.DataFrame, outcomes: pd.DataFrame, as_of: date, horizon_days: int
) -> pd.DataFrame:
    """Add `converted` and `won_value` to a run's accounts, by the module's conversion rule.

    A won deal without an amount converts its account and adds 0 to the win value.
    """
    start = pd.Timestamp(as_of)
    end = start + pd.Timedelta(days=horizon_days)
    closed_at = outcomes["closed_at"]
    won = outcomes[
        (outcomes["outcome"] == "won")
        & (closed_at >= start)
        & (closed_at < end)
        & outcomes["account_id"].notna()
    ]
    values = won["amount"].fillna(0.0).groupby(won["account_id"]).sum()
    marked = accounts.assign(
        converted=accounts["account_id"].isin(values.index),
        won_value=accounts["account_id"].map(values).fillna(0.0).astype(float),
    )
    return marked


def _run_order(run: RunInfo) -> tuple[date, datetime, str]:
    return run.as_of, run.created_at, run.run_id


def folder_runs(
    store: RunStore, data_dir: Path | None, skipped: list[dict[str, str]]
) -> list[RunInfo]:
    """Return the stored runs scored from `data_dir` (every run when None), by as-of date."""
    runs = store.runs(limit=MAX_RUNS)
    if not runs:
        raise StoreError(
            "no scoring run in the store yet; score the data folder as of past dates first, "
            "such as `nextbest score DATA_DIR --as-of 2026-01-01`"
        )
    if data_dir is None:
        return sorted(runs, key=_run_order)
    folder = data_dir.resolve()
    kept = []
    for run in sorted(runs, key=_run_order):
        if Path(run.data_dir).resolve() == folder:
            kept.append(run)
        else:
            skipped.append(_skip(run, f"scored from another folder, {run.data_dir}"))
    if not kept:
        folders = sorted({run.data_dir for run in runs})
        raise StoreError(
            f"no stored run was scored from {data_dir}; the store's runs come from "
            f"{', '.join(folders)}. Pass one of those folders, or score {data_dir} first"
        )
    return kept


def _skip(run: RunInfo, reason: str) -> dict[str, str]:
    return {"run_id": run.run_id, "as_of": run.as_of.isoformat(), "reason": reason}


def backtest(
    store: RunStore,
    outcomes: pd.DataFrame,
    horizon_days: int = HORIZON_DAYS,
    data_dir: Path | None = None,
) -> Backtest:
    """Match the stored runs of `data_dir` (all runs when None) with the outcomes after them.

    Raises StoreError when the store has no run of the folder, or no run old enough to check.
    """
    if horizon_days < 1:
        raise ValueError(f"horizon_days must be at least 1, got {horizon_days}")
    data_end = latest_outcome_date(outcomes)
    skipped: list[dict[str, str]] = []
    runs = folder_runs(store, data_dir, skipped)
    evaluated = []
    for run in runs:
        last_day = run.as_of + timedelta(days=horizon_days - 1)
        if last_day > data_end:
            reason = (
                f"its {horizon_days}-day horizon ends {last_day}, after the latest outcome in "
                f"the data ({data_end})"
            )
            skipped.append(_skip(run, reason))
            continue
        accounts = store.account_scores(run.run_id)
        evaluated.append((run, mark_conversions(accounts, outcomes, run.as_of, horizon_days)))
    if not evaluated:
        newest = data_end - timedelta(days=horizon_days - 1)
        raise StoreError(
            f"no stored run is old enough to validate: a run needs {horizon_days} days of "
            f"outcomes after its as-of date, and the latest outcome in the data is on "
            f"{data_end}. Score the folder as of {newest} or earlier, such as "
            f"`nextbest score DATA_DIR --as-of {newest}`, or shorten the horizon"
        )
    return Backtest(evaluated, skipped, max(runs, key=_run_order), data_end, horizon_days)


def effective_count(frame: pd.DataFrame) -> float:
    """Return how many independent accounts the frame's rows are worth for a conversion rate.

    Rows pooled over runs repeat accounts, and an account that converted within the horizon of
    one run often did in the next run's too. Kish's design effect, the variance of the rate with
    accounts as clusters over the variance if every row were independent, divides the rows.
    The result is at most the number of distinct accounts, because a design effect estimated
    from few conversions is unstable. When no account repeats, every row counts.
    """
    if "run" not in frame or frame["account_id"].is_unique:
        return float(len(frame))
    codes, uniques = pd.factorize(frame["account_id"])
    clusters = len(uniques)
    converted = frame["converted"].to_numpy(dtype=float)
    rate = float(converted.mean())
    if clusters == 1 or rate in (0.0, 1.0):
        return float(clusters)
    rows = len(frame)
    residuals = np.bincount(codes, weights=converted - rate)
    clustered = clusters / (clusters - 1) * float(residuals @ residuals) / rows**2
    independent = rate * (1 - rate) / rows
    return min(float(clusters), rows / max(1.0, clustered / independent))


def rate_figures(frame: pd.DataFrame) -> dict[str, Any]:
    """Return accounts, converted, rate with its 95% Wilson interval, and won value.

    Over several runs (a `run` column), the interval is on `effective_count`, not on the rows.
    """
    accounts = len(frame)
    converted = int(frame["converted"].sum())
    figures: dict[str, Any] = {
        "accounts": accounts,
        "converted": converted,
        "rate": None,
        "rate_low": None,
        "rate_high": None,
        "won_value": round(float(frame["won_value"].sum()), 2),
    }
    if accounts:
        worth = effective_count(frame)
        low, high = wilson_interval(converted / accounts * worth, worth)
        figures |= {
            "rate": round(converted / accounts, 4),
            "rate_low": round(low, 4),
            "rate_high": round(high, 4),
        }
    return figures


def tier_rows(frame: pd.DataFrame, tiers: pd.Series | None = None) -> list[dict[str, Any]]:
    """Return the rate figures of tiers A, B and C: the frame's `tier` column unless given."""
    tiers = frame["tier"] if tiers is None else tiers
    return [{"tier": tier} | rate_figures(frame[tiers == tier]) for tier in TIERS]


def compare_tiers(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Say whether A converts better than B and B better than C, by their 95% intervals.

    One tier beats another only when its interval lies wholly above the other's. That is a
    conservative test (for equal standard errors it means about p < 0.006), chosen so that
    the verdict is what a reader sees in the table.
    """
    by_tier = {row["tier"]: row for row in rows}
    pairs = []
    for higher, lower in (("A", "B"), ("B", "C")):
        upper_row, lower_row = by_tier[higher], by_tier[lower]
        if not upper_row["accounts"] or not lower_row["accounts"]:
            empty = higher if not upper_row["accounts"] else lower
            verdict, text = "not comparable", f"tier {empty} has no accounts"
        elif upper_row["rate_low"] > lower_row["rate_high"]:
            verdict, text = "beats", f"{higher} beats {lower}"
        elif upper_row["rate_high"] < lower_row["rate_low"]:
            verdict, text = "reversed", f"{lower} beats {higher}"
        else:
            verdict, text = "not separated", f"{higher} and {lower} are not separated"
        pairs.append({"higher": higher, "lower": lower, "verdict": verdict, "text": text})
    holds = all(pair["verdict"] == "beats" for pair in pairs)
    summary = "A beats B beats C" if holds else "; ".join(pair["text"] for pair in pairs)
    return {"holds": holds, "summary": summary, "pairs": pairs}


# Fewer accounts than this on either side of the outcome and no AUC is given: with one account
# that did not convert, an AUC and its interval only describe that account.
MIN_RANKED = 5


def ranking_figures(frame: pd.DataFrame, samples: int = BOOTSTRAP_SAMPLES) -> dict[str, Any]:
    """Return the AUC of score against conversion with its bootstrap interval, and the lift.

    When every account or none converted, the AUC is None and `reason` gives the cause.
    """
    converted = frame["converted"].to_numpy(dtype=int)
    positives = int(converted.sum())
    negatives = len(converted) - positives
    if "run" in frame and positives not in (0, len(converted)):
        # Pooled over runs, one account converting in five runs is still one account.
        positives = frame.loc[frame["converted"].astype(bool), "account_id"].nunique()
        negatives = frame.loc[~frame["converted"].astype(bool), "account_id"].nunique()
    if positives == 0 or negatives == 0:
        reason = "no account converted" if positives == 0 else "every account converted"
        return {"auc": None, "auc_low": None, "auc_high": None, "reason": reason}
    if min(positives, negatives) < MIN_RANKED:
        fewer = (
            f"only {positives:,} {'account' if positives == 1 else 'accounts'} converted"
            if positives < negatives
            else f"only {negatives:,} {'account' if negatives == 1 else 'accounts'} did not convert"
        )
        reason = f"{fewer}, too few to judge the ranking (at least {MIN_RANKED} needed)"
        return {"auc": None, "auc_low": None, "auc_high": None, "reason": reason}
    figures = evaluate(converted, frame["score"].to_numpy(dtype=float) / 100, samples).to_dict()
    # A score is a rank, not a probability, so its Brier score would mean nothing.
    figures.pop("brier")
    if "run" in frame and frame["run"].nunique() > 1:
        # Pooled over runs, a buyer is compared only with non-buyers of its own run.
        try:
            auc, low, high = within_group_auc(
                converted,
                frame["score"].to_numpy(dtype=float),
                frame["run"].to_numpy(),
                samples,
                clusters=frame["account_id"].to_numpy(),
            )
        except ValueError:
            reason = "no run has both accounts that converted and accounts that did not"
            return {"auc": None, "auc_low": None, "auc_high": None, "reason": reason}
        figures.update(auc=round(auc, 4), auc_low=round(low, 4), auc_high=round(high, 4))
    return figures


def drift(reference: dict[str, list[float]], current: pd.DataFrame) -> list[dict[str, Any]]:
    """Return the PSI and its reading for each input that the reference has values of."""
    rows: list[dict[str, Any]] = []
    if current.empty:
        return rows
    for name in INPUTS:
        values = reference.get(name)
        if values is None or not len(values):
            continue
        psi = population_stability_index(np.asarray(values), current[name].to_numpy())
        rows.append({"input": name, "psi": round(psi, 4), "reading": psi_reading(psi)})
    return rows


def _run_detail(run: RunInfo, frame: pd.DataFrame, horizon_days: int, samples: int) -> dict:
    rows = tier_rows(frame)
    return {
        "run_id": run.run_id,
        "as_of": run.as_of.isoformat(),
        "window_end": (run.as_of + timedelta(days=horizon_days - 1)).isoformat(),
        **rate_figures(frame),
        "tiers": rows,
        "ordering": compare_tiers(rows),
        "ranking": ranking_figures(frame, samples),
    }


def _ranking_warnings(details: list[dict[str, Any]], horizon_days: int) -> list[str]:
    """Say plainly when the score stopped ranking buyers first in the latest evaluable run.

    When the latest run cannot show it (all or no accounts converted, or tier A or C is
    empty), the latest run that can is checked instead. Tiers are not compared on a run in
    which no account converted.
    """
    warnings = []
    latest = details[-1]
    if latest["ranking"]["auc"] is None:
        warnings.append(
            f"The ranking cannot be checked on the run as of {latest['as_of']} with a "
            f"{horizon_days}-day horizon: {latest['ranking']['reason']}."
        )
    ranked = [detail for detail in details if detail["ranking"]["auc"] is not None]
    for detail in ranked:
        ranking = detail["ranking"]
        figures = (
            f"AUC {ranking['auc']:.2f}, 95% interval {ranking['auc_low']:.2f} to "
            f"{ranking['auc_high']:.2f}"
        )
        if ranking["auc_high"] < 0.5:
            warnings.append(
                f"The ranking is reversed on the run as of {detail['as_of']}: higher scores "
                f"converted less often ({figures}). Check the inputs' drift and the config's "
                "weights before the team works these tiers."
            )
        elif ranking["auc_low"] <= 0.5 and detail is ranked[-1]:
            warnings.append(
                f"The ranking stopped working on the run as of {detail['as_of']}: it orders "
                f"buyers no better than chance ({figures})."
            )

    def a_and_c(detail: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        tiers = {row["tier"]: row for row in detail["tiers"]}
        return tiers["A"], tiers["C"]

    comparable = [
        detail
        for detail in details
        if detail["converted"] and all(row["accounts"] for row in a_and_c(detail))
    ]
    if comparable:
        first, last = a_and_c(comparable[-1])
        if first["rate"] <= last["rate"]:
            warnings.append(
                f"Tier A converted no better than tier C on the run as of "
                f"{comparable[-1]['as_of']}: A {first['converted']:,} of {first['accounts']:,} "
                f"({first['rate']:.1%}), C {last['converted']:,} of {last['accounts']:,} "
                f"({last['rate']:.1%})."
            )
    return warnings


def validate(
    store: RunStore,
    outcomes: pd.DataFrame,
    horizon_days: int = HORIZON_DAYS,
    reference: dict[str, list[float]] | None = None,
    data_dir: Path | None = None,
    samples: int = BOOTSTRAP_SAMPLES,
    reference_label: str = "the given reference distribution",
) -> dict[str, Any]:
    """Check the stored runs of `data_dir` (all runs when None) against the outcomes after them.

    Returns a JSON-ready dict. It has conversion by tier pooled over the evaluable runs
    (`tiers`) and per run (`runs`), whether A beats B beats C, and the AUC of score against
    conversion. It also has the drift of each input from `reference` to the latest run, and
    `warnings` in plain words.
    `reference` maps inputs to their values in training; when None, the earliest evaluable
    run's values are the reference.

    Pooled figures count an account once per evaluable run, but their intervals do not take
    those rows for independent draws: rates use `effective_count`, and the AUC's bootstrap
    resamples accounts with all their rows.
    """
    checked = backtest(store, outcomes, horizon_days, data_dir)
    pooled = pd.concat(
        [frame.assign(run=run.run_id) for run, frame in checked.evaluated], ignore_index=True
    )
    details = [_run_detail(run, frame, horizon_days, samples) for run, frame in checked.evaluated]
    rows = tier_rows(pooled)
    # One evaluable run pools to itself, and the bootstrap takes most of the time.
    if len(details) == 1:
        pooled_ranking = details[0]["ranking"]
    else:
        pooled_ranking = ranking_figures(pooled, samples)

    first_run, first_frame = checked.evaluated[0]
    if reference is None:
        reference = {name: first_frame[name].tolist() for name in INPUTS}
        reference_label = f"run {first_run.run_id} as of {first_run.as_of}"
    latest_frame = store.account_scores(checked.latest.run_id)
    drift_rows = drift(reference, latest_frame)

    warnings = _ranking_warnings(details, horizon_days)
    if len(details) > 1 and pooled_ranking["auc"] is not None and pooled_ranking["auc_high"] < 0.5:
        warnings.append(
            f"Over the {len(details)} runs the ranking is reversed: higher scores converted less "
            f"often (AUC {pooled_ranking['auc']:.2f}, 95% interval "
            f"{pooled_ranking['auc_low']:.2f} to {pooled_ranking['auc_high']:.2f})."
        )
    for row in drift_rows:
        if row["reading"] == "major shift":
            warnings.append(
                f"{row['input'].capitalize()} shifted from {reference_label} to the run as of "
                f"{checked.latest.as_of}: PSI {row['psi']:.2f}, above {PSI_MAJOR}."
            )
    return {
        "horizon_days": horizon_days,
        "data_end": checked.data_end.isoformat(),
        "runs_evaluated": [run.run_id for run, _ in checked.evaluated],
        "skipped": checked.skipped,
        **rate_figures(pooled),
        "tiers": rows,
        "ordering": compare_tiers(rows),
        "ranking": pooled_ranking,
        "runs": details,
        "drift": {
            "reference": reference_label,
            "run_id": checked.latest.run_id,
            "as_of": checked.latest.as_of.isoformat(),
            "inputs": drift_rows,
        },
        "warnings": warnings,
    }
