"""A scoring run: load a data folder, resolve identities, score as of a date."""

from __future__ import annotations

import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from nextbest.learning.propensity import product_propensity
from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.evidence import build_evidence
from nextbest.scoring.identity import resolve_identities
from nextbest.scoring.loading import LoadReport, Progress, load_tables
from nextbest.scoring.scores import (
    available_components,
    effective_weights,
    score_accounts,
    score_leads,
)
from nextbest.scoring.signals import build_signals, prepare
from nextbest.scoring.sources import SourceFile, discover
from nextbest.scoring.sql import literal


@dataclass
class ScoredRun:
    """The result of scoring one data folder: accounts in rank order, leads and the report."""

    as_of: date
    config_hash: str
    config: dict[str, Any]
    input_fingerprint: str
    data_dir: str
    accounts: pd.DataFrame
    leads: pd.DataFrame
    report: LoadReport
    weights: dict[str, float]
    # One JSON object per account: contacts, timeline, intent, opportunities.
    evidence: pd.DataFrame | None = None


def _warn_about_coverage(
    connection: duckdb.DuckDBPyConnection,
    config: ScoringConfig,
    as_of: datetime,
    weights: dict[str, float],
    report: LoadReport,
) -> None:
    """Say plainly when a component has no data, or when its data is too old to count."""
    configured = config.composite.weights
    for component, weight in weights.items():
        if weight == 0 and configured.get(component, 0) > 0:
            report.warnings.append(
                f"no input file for {component}; its weight {configured[component]:g} is "
                "spread over the other components"
            )
    windows = (
        ("intent", "week", config.intent.lookback_weeks * 7, "intent.lookback_weeks"),
        ("activities", "occurred_at", config.engagement.lookback_days, "engagement.lookback_days"),
    )
    for table, column, days, setting in windows:
        cutoff = f"TIMESTAMP {literal(as_of.isoformat(sep=' '))} - INTERVAL {days} DAY"
        rows, recent, latest = connection.execute(
            f"SELECT count(*), count(*) FILTER (WHERE {column} >= {cutoff}), max({column}) "
            f"FROM {table}"
        ).fetchone()
        if rows and not recent:
            report.warnings.append(
                f"none of the {rows:,} {table} rows falls in the {days} days before "
                f"{as_of:%Y-%m-%d} (latest: {latest:%Y-%m-%d}); pass --as-of to score that "
                f"period, or widen {setting}"
            )


def fingerprint(files: list[SourceFile], original_paths: dict[str, Path]) -> str:
    """Hash the content of every input file with its table, so equal inputs give equal hashes."""
    digest = hashlib.blake2b(digest_size=16)
    for file in sorted(files, key=lambda item: (item.display, item.table)):
        digest.update(f"{file.display}\0{file.table}\0".encode())
        with original_paths[file.display].open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "blake2b").digest())
    return digest.hexdigest()


def apply_as_of(connection: duckdb.DuckDBPyConnection, as_of: datetime, report: LoadReport) -> None:
    """Keep only rows dated before the as-of date; reopen deals that close on or after it.

    Accounts carry no date, so their customer flag is the export's. An account whose first won
    deal closes on or after the as-of date was not a customer yet, and loses the flag.
    """
    cutoff = f"TIMESTAMP {literal(as_of.isoformat(sep=' '))}"
    (later_customers,) = connection.execute(
        f"""
        SELECT count(*) FROM accounts
        WHERE is_customer AND account_id IN (
            SELECT account_id FROM opportunities WHERE outcome = 'won'
            GROUP BY account_id HAVING min(COALESCE(closed_at, created_at)) >= {cutoff})
        """
    ).fetchone()
    if later_customers:
        report.tables["accounts"].normalised[
            "customer flag cleared: first won deal on or after as-of"
        ] += later_customers
        connection.execute(
            f"""
            UPDATE accounts SET is_customer = false
            WHERE is_customer AND account_id IN (
                SELECT account_id FROM opportunities WHERE outcome = 'won'
                GROUP BY account_id HAVING min(COALESCE(closed_at, created_at)) >= {cutoff})
            """
        )
    for table, column in (
        ("contacts", "created_at"),
        ("activities", "occurred_at"),
        ("intent", "week"),
        ("opportunities", "created_at"),
    ):
        (later,) = connection.execute(
            f"SELECT count(*) FROM {table} WHERE {column} >= {cutoff}"
        ).fetchone()
        if later:
            report.tables[table].after_as_of += later
            connection.execute(f"DELETE FROM {table} WHERE {column} >= {cutoff}")
    (reopened,) = connection.execute(
        f"SELECT count(*) FROM opportunities WHERE outcome <> 'open' AND closed_at >= {cutoff}"
    ).fetchone()
    if reopened:
        report.tables["opportunities"].normalised["closed on or after as-of, counted as open"] += (
            reopened
        )
        # The amount of a deal that closed later is its close value (0 when lost in some CRMs),
        # which was not known at the as-of date, so it is dropped with the outcome. So is its
        # stage, which names the outcome ("Won", "Closed Lost") in most exports.
        connection.execute(
            f"UPDATE opportunities SET outcome = 'open', closed_at = NULL, amount = NULL, "
            f"stage = NULL WHERE outcome <> 'open' AND closed_at >= {cutoff}"
        )
    for table in report.tables.values():
        table.rows_loaded = 0
    for table in ("accounts", "contacts", "activities", "intent", "opportunities"):
        (rows,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
        report.tables[table].rows_loaded = rows


def score_folder(
    data_dir: Path,
    config: ScoringConfig,
    as_of: date | None = None,
    progress: Progress | None = None,
    memory_limit: str = "2GB",
) -> ScoredRun:
    """Score every account in a data folder.

    Pure: the same files, config and date give the same accounts, leads and report.
    """
    as_of = as_of or date.today()
    as_of_time = datetime.combine(as_of, time())
    report = LoadReport()

    def step(message: str) -> None:
        if progress:
            progress(message)

    with tempfile.TemporaryDirectory(prefix="nextbest-") as workdir:
        connection = duckdb.connect(
            config={
                "memory_limit": memory_limit,
                "temp_directory": str(Path(workdir) / "spill"),
            }
        )
        try:
            transcoded = Path(workdir) / "utf8"
            transcoded.mkdir()
            step("Finding input files")
            discovery = discover(data_dir, config, transcoded)
            report.warnings.extend(discovery.warnings)
            originals = {file.display: data_dir / file.display for file in discovery.files}
            # Hashing gigabytes takes seconds; hashlib releases the GIL, so it runs beside DuckDB.
            hashing = ThreadPoolExecutor(max_workers=1)
            fingerprinted = hashing.submit(fingerprint, discovery.files, originals)
            load_tables(connection, discovery.files, config, report, progress)
            step("Resolving identities")
            apply_as_of(connection, as_of_time, report)
            resolve_identities(connection, config, report)
            step("Computing signals")
            prepare(connection, config, as_of_time)
            build_signals(connection, config, as_of_time)
            step("Scoring leads and accounts")
            weights = effective_weights(config, available_components(report))
            _warn_about_coverage(connection, config, as_of_time, weights, report)
            leads = score_leads(connection, config)
            accounts = score_accounts(connection, config, weights)
            step("Learning product propensity")
            propensity = product_propensity(connection, config, as_of_time, report)
            accounts = accounts.merge(propensity.top, on="account_id", how="left")
            step("Gathering evidence for briefs")
            # Scoring is done: free its working tables so the evidence fits in memory.
            for table in ("touches", "signals", "contributions", "components", "leads"):
                connection.execute(f"DROP TABLE IF EXISTS {table}")
            evidence = build_evidence(connection, config, as_of_time)
            step("Fingerprinting inputs")
            input_fingerprint = fingerprinted.result()
            hashing.shutdown()
        finally:
            connection.close()
    return ScoredRun(
        as_of=as_of,
        config_hash=config.config_hash(),
        config=config.model_dump(mode="json"),
        input_fingerprint=input_fingerprint,
        # Absolute, so that commands run from another folder later still find it.
        data_dir=os.path.abspath(data_dir),
        accounts=accounts,
        leads=leads,
        report=report,
        weights=weights,
        evidence=evidence,
    )
