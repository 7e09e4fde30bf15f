"""Measure loading and scoring at scale, next to a plain pandas engagement aggregation.

    python benchmarks/score_scale.py [--accounts 100000] [--data DIR]

Generates the sample (about 100 activity rows and 10 intent rows per account) unless DIR already
contains one of the same size, then runs, each in a fresh process so peak memory is its own:

1. the full `nextbest score` pipeline, timing its loading (reading, validating, resolving
   identities), scoring and saving phases;
2. the engagement aggregation (decayed points per account and activity type, reached through
   the contact when a row has no account) in DuckDB and in pandas, on the same CSV files, and
   checks that both give the same numbers.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import platform
import resource
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

AS_OF = date(2026, 12, 1)
HALF_LIFE_DAYS = 30.0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _in_child(target: Callable[..., dict[str, Any]], *args: object) -> dict[str, Any]:
    """Run a measurement in a new process and return its result with that process's peak RSS."""
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(target, args)


def run_pipeline(data: str) -> dict[str, Any]:
    import tempfile

    from nextbest.scoring.config import load_config
    from nextbest.scoring.runs import score_folder
    from nextbest.scoring.store import RunStore

    marks: list[tuple[str, float]] = []
    started = time.perf_counter()
    run = score_folder(
        Path(data),
        load_config(),
        AS_OF,
        progress=lambda step: marks.append((step, time.perf_counter())),
    )
    finished = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        RunStore(f"sqlite:///{folder}/runs.db").save(run)
    saved = time.perf_counter()
    scoring_started = next(moment for step, moment in marks if step == "Computing signals")
    report = run.report.tables
    rows = sum(table.rows_read for table in report.values())
    return {
        "rows_read": rows,
        "activity_rows": report["activities"].rows_read,
        "intent_rows": report["intent"].rows_read,
        "accounts": len(run.accounts),
        "load_seconds": scoring_started - started,
        "score_seconds": finished - scoring_started,
        "save_seconds": saved - finished,
        "total_seconds": saved - started,
        "peak_rss_mb": _peak_rss_mb(),
    }


def _points() -> dict[str, float]:
    from nextbest.scoring.config import load_config

    return load_config().engagement.points


def engagement_duckdb(data: str) -> dict[str, Any]:
    import duckdb

    points = _points()
    cases = " ".join(f"WHEN '{kind}' THEN {value!r}" for kind, value in points.items())
    started = time.perf_counter()
    connection = duckdb.connect()
    frame = connection.execute(
        f"""
        WITH contacts AS (
            SELECT contact_id, account_id FROM read_csv('{data}/contacts.csv', all_varchar = true)
        ),
        touches AS (
            SELECT COALESCE(a.account_id, c.account_id) AS account_id, a.type,
                   epoch(TIMESTAMP '{AS_OF}' - CAST(a.occurred_at AS TIMESTAMP)) / 86400.0 AS age
            FROM read_csv('{data}/activities.csv', all_varchar = true) a
            LEFT JOIN contacts c ON c.contact_id = a.contact_id
        )
        SELECT account_id, type,
               sum((CASE type {cases} ELSE 0 END) * pow(0.5, age / {HALF_LIFE_DAYS})) AS points
        FROM touches WHERE account_id IS NOT NULL AND age >= 0
        GROUP BY account_id, type
        """
    ).df()
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "groups": len(frame),
        "total_points": float(frame["points"].sum()),
        "peak_rss_mb": _peak_rss_mb(),
    }


def engagement_pandas(data: str) -> dict[str, Any]:
    import numpy as np
    import pandas as pd

    points = _points()
    started = time.perf_counter()
    contacts = pd.read_csv(f"{data}/contacts.csv", usecols=["contact_id", "account_id"], dtype=str)
    activities = pd.read_csv(
        f"{data}/activities.csv",
        usecols=["occurred_at", "type", "account_id", "contact_id"],
        dtype=str,
    )
    by_contact = contacts.dropna().set_index("contact_id")["account_id"]
    account = activities["account_id"].fillna(activities["contact_id"].map(by_contact))
    occurred = pd.to_datetime(activities["occurred_at"], format="ISO8601")
    age = (pd.Timestamp(AS_OF) - occurred).dt.total_seconds() / 86400.0
    weight = activities["type"].map(points).fillna(0.0) * np.power(0.5, age / HALF_LIFE_DAYS)
    frame = (
        pd.DataFrame({"account_id": account, "type": activities["type"], "points": weight})[
            account.notna() & (age >= 0)
        ]
        .groupby(["account_id", "type"], sort=False)["points"]
        .sum()
    )
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "groups": len(frame),
        "total_points": float(frame.sum()),
        "peak_rss_mb": _peak_rss_mb(),
    }


def ensure_sample(data: Path, accounts: int) -> float:
    """Generate the sample unless the folder already contains one of this size. Returns seconds."""
    marker = data / ".benchmark.json"
    if marker.exists() and json.loads(marker.read_text()).get("accounts") == accounts:
        return 0.0
    from nextbest.samples.generator import generate_sample

    started = time.perf_counter()
    generate_sample(data, accounts=accounts, seed=11, end_date=AS_OF)
    marker.write_text(json.dumps({"accounts": accounts}))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--accounts", type=int, default=100_000, help="Accounts in the sample.")
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="Sample folder, reused when it contains a sample of the same size. "
        "Default: .nextbest/bench-ACCOUNTS",
    )
    parser.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    args = parser.parse_args()
    data = args.data or Path(".nextbest") / f"bench-{args.accounts}"

    generated = ensure_sample(data, args.accounts)
    pipeline = _in_child(run_pipeline, str(data))
    duck = _in_child(engagement_duckdb, str(data))
    pandas = _in_child(engagement_pandas, str(data))
    figures = {
        "machine": f"{platform.machine()}, {multiprocessing.cpu_count()} cores, "
        f"Python {platform.python_version()}",
        "generate_seconds": round(generated, 1),
        "pipeline": pipeline,
        "engagement_duckdb": duck,
        "engagement_pandas": pandas,
        "speedup": pandas["seconds"] / duck["seconds"],
        "same_result": duck["groups"] == pandas["groups"]
        and abs(duck["total_points"] - pandas["total_points"])
        <= 1e-6 * max(1.0, pandas["total_points"]),
    }
    if args.json:
        print(json.dumps(figures, indent=1))
        return
    rows = pipeline["rows_read"]
    print(f"machine: {figures['machine']}")
    if generated:
        print(f"sample generated in {generated:.1f}s")
    print(
        f"nextbest score: {pipeline['accounts']:,} accounts, {rows:,} input rows "
        f"({pipeline['activity_rows']:,} activities, {pipeline['intent_rows']:,} intent)"
    )
    print(
        f"  loading  {pipeline['load_seconds']:6.1f}s  "
        f"{rows / pipeline['load_seconds']:>12,.0f} rows/s"
    )
    print(
        f"  scoring  {pipeline['score_seconds']:6.1f}s  "
        f"{rows / pipeline['score_seconds']:>12,.0f} rows/s"
    )
    print(f"  saving   {pipeline['save_seconds']:6.1f}s  (SQLite run store)")
    print(
        f"  total    {pipeline['total_seconds']:6.1f}s  "
        f"peak memory {pipeline['peak_rss_mb']:,.0f} MB"
    )
    activity_rows = pipeline["activity_rows"]
    print("engagement aggregation on the same CSV files:")
    for label, result in (("duckdb", duck), ("pandas", pandas)):
        print(
            f"  {label:7}{result['seconds']:6.1f}s  "
            f"{activity_rows / result['seconds']:>12,.0f} rows/s"
            f"  peak memory {result['peak_rss_mb']:,.0f} MB"
        )
    print(f"  duckdb is {figures['speedup']:.1f}x faster; same result: {figures['same_result']}")


if __name__ == "__main__":
    main()
