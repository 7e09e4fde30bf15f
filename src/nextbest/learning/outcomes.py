"""Outcomes of a data folder: every opportunity with the account it resolves to, at any date."""

from __future__ import annotations

import tempfile
from pathlib import Path

import duckdb
import pandas as pd

from nextbest.scoring.config import ScoringConfig
from nextbest.scoring.errors import InputError, Problem
from nextbest.scoring.identity import resolve_identities
from nextbest.scoring.loading import LoadReport, load_tables
from nextbest.scoring.sources import discover

OUTCOME_COLUMNS = (
    "opportunity_id",
    "account_id",
    "created_at",
    "closed_at",
    "outcome",
    "amount",
    "product",
)
# Opportunities resolve to accounts through the accounts table alone (by account_id, else by
# the account's name), so the other tables are not read.
OUTCOME_TABLES = ("accounts", "opportunities")


def load_outcomes(data_dir: Path, config: ScoringConfig, memory_limit: str = "2GB") -> pd.DataFrame:
    """Load every opportunity of a data folder with the account_id it resolves to.

    Files are found, loaded and matched to accounts exactly as `nextbest score` does, but with
    no as-of cut: outcomes after a run's date are what validation needs. An opportunity that
    matches no account keeps a missing account_id, so it converts no account.

    Raises InputError when the folder has no won or lost opportunity with a close date.
    """
    report = LoadReport()
    with tempfile.TemporaryDirectory(prefix="nextbest-") as workdir:
        connection = duckdb.connect(
            config={"memory_limit": memory_limit, "temp_directory": str(Path(workdir) / "spill")}
        )
        try:
            transcoded = Path(workdir) / "utf8"
            transcoded.mkdir()
            discovery = discover(data_dir, config, transcoded)
            files = [file for file in discovery.files if file.table in OUTCOME_TABLES]
            load_tables(connection, files, config, report)
            resolve_identities(connection, config, report)
            frame = connection.execute(
                "SELECT opportunity_id, account_key AS account_id, created_at, closed_at, outcome, "
                "amount, product FROM opportunities ORDER BY opportunity_id"
            ).df()
        finally:
            connection.close()

    frame = frame.astype({"created_at": "datetime64[us]", "closed_at": "datetime64[us]"})
    closed = frame["outcome"].isin(["won", "lost"]) & frame["closed_at"].notna()
    if not closed.any():
        names = report.tables["opportunities"].files
        where = ", ".join(names) if names else str(data_dir)
        message = "no opportunities file"
        if names:
            message = f"no closed opportunity among {len(frame):,}"
        expected = (
            "opportunities with outcome won or lost and a closed_at date, "
            "by which validation measures conversion"
        )
        raise InputError([Problem(where, message, expected=expected)])
    return frame
