"""Hand-made run stores, outcome folders and deals for the learning tests, with known figures."""

from __future__ import annotations

import copy
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from nextbest.scoring.config import load_config
from nextbest.scoring.loading import LoadReport
from nextbest.scoring.runs import ScoredRun, score_folder
from nextbest.scoring.store import LEAD_FIELDS, RunInfo, RunStore
from tests.conftest import SHARED_DATA, write_files

COMPONENTS = ("fit", "intent", "relationship", "engagement", "negative")
MAVEN_CONFIG = Path(__file__).resolve().parents[2] / "examples" / "maven_crm.yaml"
MAVEN_DATES = ("2017-01-01", "2017-03-01", "2017-05-01", "2017-07-01")


def _tier(score: float, cutoffs: tuple[float, float]) -> str:
    if score >= cutoffs[0]:
        return "A"
    if score >= cutoffs[1]:
        return "B"
    return "C"


def run_accounts(
    scores: dict[str, float],
    cutoffs: tuple[float, float] = (60, 40),
    unqualified: tuple[str, ...] = (),
    components: dict[str, list[float]] | None = None,
) -> pd.DataFrame:
    """Return a run's accounts with these scores, tiered by `cutoffs` (A, B) like scoring does.

    Each component equals the score unless `components` gives its values in the order of
    `scores`.
    """
    ids = list(scores)
    values = [float(scores[account]) for account in ids]
    frame = pd.DataFrame({"account_id": ids, "name": ids, "score": values})
    for name in COMPONENTS:
        frame[name] = (components or {}).get(name, values)
    frame["tier"] = [_tier(score, cutoffs) for score in values]
    frame["qualified"] = ~frame["account_id"].isin(unqualified)
    frame["disqualified_because"] = [
        "fit below 35" if account in unqualified else None for account in ids
    ]
    frame = frame.sort_values("score", ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = range(1, len(frame) + 1)
    frame["reasons"] = [[] for _ in ids]
    frame["signals"] = "[]"
    for column in (
        "domain",
        "industry",
        "country",
        "owner",
        "top_lead_id",
        "top_lead_name",
        "top_product",
    ):
        frame[column] = None
    frame["top_lead_score"] = None
    frame["top_product_probability"] = None
    return frame


@cache
def _default_config() -> dict[str, Any]:
    return load_config().model_dump(mode="json")


def save_run(
    store: RunStore,
    data_dir: Path,
    as_of: date,
    accounts: pd.DataFrame,
    cutoffs: tuple[float, float] = (60, 40),
) -> RunInfo:
    """Save a run of these accounts, as if `nextbest score` had scored `data_dir` as of `as_of`."""
    config = copy.deepcopy(_default_config())
    config["tiers"] = {"A": cutoffs[0], "B": cutoffs[1]}
    run = ScoredRun(
        as_of=as_of,
        config_hash="hand-made",
        config=config,
        input_fingerprint="hand-made",
        data_dir=str(data_dir),
        accounts=accounts,
        leads=pd.DataFrame(columns=LEAD_FIELDS),
        report=LoadReport(),
        weights={},
    )
    return store.save(run)


def write_outcomes(
    folder: Path,
    accounts: list[str],
    opportunities: list[tuple[str, str, str, str, str, str]],
) -> Path:
    """Write accounts.csv and opportunities.csv; each opportunity is (id, account_id,
    created_at, outcome, closed_at, amount), with "" for a missing value."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["account_id,name"] + [f"{account},{account} Inc" for account in accounts]
    (folder / "accounts.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["opportunity_id,account_id,created_at,outcome,closed_at,amount"]
    lines += [",".join(row) for row in opportunities]
    (folder / "opportunities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture
def store(tmp_path: Path) -> RunStore:
    """An empty SQLite run store of the test's own."""
    return RunStore(f"sqlite:///{tmp_path / 'runs.db'}")


@pytest.fixture(scope="session")
def maven_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunStore, Path]:
    """The Maven CRM export scored as of four dates of 2017, two months apart: (store, folder)."""
    data_dir = SHARED_DATA / "maven_crm"
    if not data_dir.is_dir():
        pytest.skip(f"real exports not found at {data_dir}; set NEXTBEST_SHARED_DATA")
    store = RunStore(f"sqlite:///{tmp_path_factory.mktemp('maven') / 'runs.db'}")
    config = load_config(MAVEN_CONFIG)
    for as_of in MAVEN_DATES:
        store.save(score_folder(data_dir, config, date.fromisoformat(as_of)))
    return store, data_dir


LEARNING_CONFIG = "learning:\n  min_outcomes: 10\n"


def deal_folder(folder: Path, future: bool = False) -> Path:
    """120 accounts, one deal each, created on the 15th of January to June 2026.

    A third of the accounts ("hot") viewed the pricing page once, 3 days before the month their
    deal was created in, and won. The others viewed it three times 20 days before, and lost. One
    account in five has the opposite outcome. A short decay half-life (7 days or less) ranks the
    outcomes; 14 days or more ranks them backwards, because three old views outweigh one recent
    view. `future` adds rows dated in or after April 2026 that must not change earlier features.
    """
    accounts = ["account_id,name,domain,industry,employees,country,is_customer"]
    deals = ["opportunity_id,account_id,created_at,outcome,closed_at,amount,product,lead_source"]
    activities = ["occurred_at,type,account_id"]
    for index in range(120):
        account = f"A{index:03d}"
        industry = "Software" if index % 2 else "Retail"
        month = index % 6 + 1
        snapshot = date(2026, month, 1)
        hot = index % 3 == 0
        won = hot != (index % 10 in (3, 7))
        # As in a CRM export: today's flag, set by the very deals the tests predict.
        customer = "yes" if won else "no"
        accounts.append(
            f"{account},Company {index},c{index}.example.com,{industry},500,US,{customer}"
        )
        created = date(2026, month, 15)
        source = "Webinar" if index % 4 else "Partner Referral"
        deals.append(
            f"D{index:03d},{account},{created},{'won' if won else 'lost'},"
            f"{created + timedelta(days=60)},{1000 if won else 0},Core,{source}"
        )
        if hot:
            activities.append(f"{snapshot - timedelta(days=3)},pricing_page_view,{account}")
        else:
            activities.extend(
                f"{snapshot - timedelta(days=20)},pricing_page_view,{account}" for _ in range(3)
            )
        if future and snapshot >= date(2026, 4, 1):
            # A burst of activity on the day of the snapshot and after it.
            activities.extend(f"{snapshot},demo_request,{account}" for _ in range(2))
        if future:
            activities.append(f"2026-04-02,meeting,{account}")
            deals.append(f"F{index:03d},{account},2026-04-20,won,2026-05-01,5000,Core,Webinar")
    return write_files(
        folder,
        {
            "accounts.csv": "\n".join(accounts) + "\n",
            "opportunities.csv": "\n".join(deals) + "\n",
            "activities.csv": "\n".join(activities) + "\n",
        },
    )


@pytest.fixture
def learning_config(tmp_path: Path) -> Path:
    path = tmp_path / "learning.yaml"
    path.write_text(LEARNING_CONFIG, encoding="utf-8")
    return path
