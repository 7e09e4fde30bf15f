"""Measure how well a run's top product predicts the products accounts buy after its as-of date.

    python benchmarks/propensity_accuracy.py DATA_DIR --as-of YYYY-MM-DD [--config FILE]
    python benchmarks/propensity_accuracy.py --sample 2000 --as-of 2025-12-01

Scores the folder as of the date, then loads it again without the date filter and takes every
won opportunity created on or after that date, with a product and a known account. Each of those
deals counts as a hit when its product is its account's top product. Two baselines predict the
same deals. The first gives every account the product won most often among the deals closed
before the as-of date. The second gives each account its own most-won product among those (the
first in name order when several tie), or the first baseline's product when it won nothing.
Log loss compares the run's per-product probabilities with the product shares of those wins.

`--sample N` generates the sample of N accounts (seed 11, ending 2026-11-30) into a temporary
folder and measures on it instead.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from nextbest.scoring.config import ScoringConfig, load_config
from nextbest.scoring.identity import resolve_identities
from nextbest.scoring.loading import LoadReport, load_tables
from nextbest.scoring.runs import ScoredRun, score_folder
from nextbest.scoring.sources import discover

SAMPLE_END = date(2026, 11, 30)
# Probabilities below this count as this in the log loss, so one product a run gave 0.000
# (it rounds to 3 places) does not make the loss infinite.
PROBABILITY_FLOOR = 0.001


def all_wins(data_dir: Path, config: ScoringConfig) -> pd.DataFrame:
    """Return every won opportunity with a product and a known account, whatever its date."""
    report = LoadReport()
    with tempfile.TemporaryDirectory(prefix="nextbest-") as workdir:
        connection = duckdb.connect()
        discovery = discover(data_dir, config, Path(workdir))
        load_tables(connection, discovery.files, config, report)
        resolve_identities(connection, config, report)
        wins = connection.execute(
            """
            SELECT account_key AS account_id, created_at,
                   COALESCE(closed_at, created_at) AS won_at, trim(product) AS product
            FROM opportunities
            WHERE outcome = 'won' AND account_key IS NOT NULL
              AND NULLIF(trim(product), '') IS NOT NULL
            """
        ).df()
        connection.close()
    return wins


def _probabilities(run: ScoredRun) -> dict[str, dict[str, float]]:
    """Return each account's probability per product, from the evidence the run kept."""
    assert run.evidence is not None
    return {
        row.account_id: {
            item["product"]: item["probability"]
            for item in json.loads(row.evidence)["products"] or []
        }
        for row in run.evidence.itertuples(index=False)
    }


def measure(data_dir: Path, config: ScoringConfig, as_of: date) -> dict[str, Any]:
    run = score_folder(data_dir, config, as_of)
    wins = all_wins(data_dir, config)
    moment = pd.Timestamp(as_of)
    # A win enters the run only once it has closed, so deals open at the as-of date are in
    # neither set.
    before = wins[wins["won_at"] < moment]
    later = wins[wins["created_at"] >= moment]
    if later.empty:
        raise SystemExit(f"no won opportunity with a product is dated on or after {as_of}")

    shares = before["product"].value_counts(normalize=True)
    favourite = shares.index[0]
    own = (
        before.groupby(["account_id", "product"]).size().reset_index(name="wins")
        .sort_values(["account_id", "wins", "product"], ascending=[True, False, True])
        .drop_duplicates("account_id")
        .set_index("account_id")["product"]
    )  # fmt: skip
    top = run.accounts.set_index("account_id")["top_product"]
    predicted = later["account_id"].map(top)
    own_favourite = later["account_id"].map(own).fillna(favourite)

    probabilities = _probabilities(run)
    chance = np.array(
        [
            probabilities.get(account, {}).get(product, 0.0)
            for account, product in zip(later["account_id"], later["product"], strict=True)
        ]
    )
    prior = later["product"].map(shares).fillna(0.0).to_numpy()
    return {
        "as_of": as_of.isoformat(),
        "accounts": len(run.accounts),
        "accounts_with_top_product": int(run.accounts["top_product"].notna().sum()),
        "wins_before": len(before),
        "wins_after": len(later),
        "accounts_with_later_wins": int(later["account_id"].nunique()),
        "products": int(wins["product"].nunique()),
        "top1_model": float((predicted == later["product"]).mean()),
        "top1_most_popular": float((later["product"] == favourite).mean()),
        "most_popular": str(favourite),
        "top1_own_favourite": float((own_favourite == later["product"]).mean()),
        "log_loss_model": float(-np.log(np.maximum(chance, PROBABILITY_FLOOR)).mean()),
        "log_loss_shares": float(-np.log(np.maximum(prior, PROBABILITY_FLOOR)).mean()),
        "warnings": [text for text in run.report.warnings if "propensity" in text],
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", type=Path, nargs="?", help="The data folder to score.")
    parser.add_argument("--as-of", required=True, help="Score as of this date (YYYY-MM-DD).")
    parser.add_argument("--config", type=Path, default=None, help="YAML merged over the defaults.")
    parser.add_argument("--sample", type=int, default=0, help="Measure on a generated sample.")
    args = parser.parse_args()
    as_of = date.fromisoformat(args.as_of)
    config = load_config(args.config)
    if args.sample:
        from nextbest.samples.generator import generate_sample

        with tempfile.TemporaryDirectory(prefix="nextbest-sample-") as folder:
            data_dir = Path(folder) / "data"
            generate_sample(data_dir, accounts=args.sample, seed=11, end_date=SAMPLE_END)
            figures = measure(data_dir, config, as_of)
    elif args.data_dir is None:
        parser.error("give DATA_DIR or --sample N")
    else:
        figures = measure(args.data_dir, config, as_of)
    print(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
