from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from nextbest.api.cli import app
from tests.conftest import write_files

runner = CliRunner()
RECORD_FIELDS = {
    "account_id",
    "name",
    "rank",
    "score",
    "tier",
    "qualified",
    "fit",
    "intent",
    "relationship",
    "engagement",
    "negative",
    "reasons",
    "top_product",
    "top_product_probability",
}


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'runs.db'}"


def test_score_prints_top_accounts_and_report(small_dir: Path, db: str) -> None:
    result = _invoke("score", str(small_dir), "--as-of", "2026-12-01", "--db", db)
    assert result.exit_code == 0, result.output
    assert "Scored 3 accounts as of 2026-12-01" in result.stdout
    assert "tier A 1, B 0, C 2; 2 qualified." in result.stdout
    assert "Acme Inc. (A1)" in result.stdout
    assert "activities: 4 of 5 rows loaded; 1 dated on or after as-of" in result.stdout


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json"])
def test_score_writes_every_account_in_rank_order(
    small_dir: Path, db: str, tmp_path: Path, suffix: str
) -> None:
    out = tmp_path / f"ranked{suffix}"
    result = _invoke(
        "score", str(small_dir), "--as-of", "2026-12-01", "--db", db, "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    if suffix == ".json":
        records = json.loads(out.read_text())
        assert isinstance(records[0]["reasons"], list)
    elif suffix == ".csv":
        records = pd.read_csv(out).to_dict("records")
        assert isinstance(json.loads(records[0]["reasons"]), list)
    else:
        records = pd.read_parquet(out).to_dict("records")
        assert len(records[0]["reasons"]) >= 1
    assert [record["account_id"] for record in records] == ["A1", "A2", "A3"]
    assert [record["rank"] for record in records] == [1, 2, 3]
    assert set(records[0]) >= RECORD_FIELDS


def test_bad_input_leaves_out_and_store_untouched(small_dir: Path, db: str, tmp_path: Path) -> None:
    out = tmp_path / "ranked.csv"
    first = _invoke("score", str(small_dir), "--as-of", "2026-12-01", "--db", db, "--out", str(out))
    assert first.exit_code == 0
    before = out.read_bytes()
    (small_dir / "accounts.csv").write_text("account_id,name,employees\nA1,Acme,many\n")

    result = _invoke("score", str(small_dir), "--db", db, "--out", str(out))

    assert result.exit_code == 2
    assert result.stderr == (
        "error: accounts.csv, row 2, column 'employees': invalid whole number: 'many' "
        "(expected a whole number from 0 to 1e+15)\n"
    )
    assert out.read_bytes() == before
    runs = json.loads(_invoke("runs", "--db", db, "--json").stdout)
    assert len(runs) == 1
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith(".ranked")) == []


def test_unsupported_out_type_fails_before_scoring(
    small_dir: Path, db: str, tmp_path: Path
) -> None:
    result = _invoke("score", str(small_dir), "--db", db, "--out", str(tmp_path / "ranked.xlsx"))
    assert result.exit_code == 2
    assert "unsupported output type '.xlsx'; expected a file ending in .csv, .parquet or .json" in (
        result.stderr
    )


def test_top_and_explain_read_the_latest_run(small_dir: Path, store_url: str) -> None:
    _invoke("score", str(small_dir), "--as-of", "2026-12-01", "--db", store_url)

    top = json.loads(_invoke("top", "--db", store_url, "--json", "--tier", "c").stdout)
    assert [row["account_id"] for row in top] == ["A2", "A3"]
    assert all(row["tier"] == "C" for row in top)

    explained = json.loads(_invoke("explain", "A1", "--db", store_url, "--json").stdout)
    assert explained["account_id"] == "A1"
    assert explained["as_of"] == "2026-12-01"
    components = {signal["component"] for signal in explained["signals"]}
    assert components == {"fit", "intent", "relationship", "engagement"}
    assert explained["top_leads"][0]["contact_id"] == "C1"

    assert (explained["top_product"], explained["products"]) == (None, [])

    text = _invoke("explain", "A1", "--db", store_url).stdout
    assert "fit: 100.0 / 100, weight 0.25 in the composite" in text
    assert "Reasons, by contribution to the score" in text
    assert (
        "No top product: product propensity needs at least 30 won opportunities with a "
        "product; found 1, so no account has a top product"
    ) in text


def test_score_and_explain_show_top_product(tmp_path: Path, db: str) -> None:
    accounts = ["account_id,name,industry", "R1,Shop One,Retail", "R2,Shop Two,Retail"]
    accounts += ["B1,Bank One,Banking", "B2,Bank Two,Banking"]
    deals = ["opportunity_id,account_id,created_at,outcome,closed_at,product"]
    for account_id, product in (("R1", "Basic"), ("B1", "Premium")):
        for month in range(1, 10):
            for day in (3, 17):
                created = f"2025-{month:02d}-{day:02d}"
                deals.append(
                    f"{account_id}-{created},{account_id},{created},won,{created},{product}"
                )
    folder = write_files(
        tmp_path / "data",
        {"accounts.csv": "\n".join(accounts) + "\n", "opportunities.csv": "\n".join(deals) + "\n"},
    )

    scored = _invoke("score", str(folder), "--as-of", "2026-01-01", "--db", db)
    text = _invoke("explain", "R2", "--db", db).stdout

    assert scored.exit_code == 0, scored.output
    assert "top product" in scored.stdout
    assert re.search(r"Most likely product: Basic \(\d+%\); then Premium \(\d+%\)\n", text)


def test_explain_unknown_account(small_dir: Path, db: str) -> None:
    _invoke("score", str(small_dir), "--as-of", "2026-12-01", "--db", db)
    result = _invoke("explain", "NOPE", "--db", db)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: account 'NOPE' not found in run ")


def test_top_without_runs(db: str) -> None:
    result = _invoke("top", "--db", db)
    assert result.exit_code == 1
    assert "no scoring run in sqlite:///" in result.stderr
    assert "run `nextbest score DATA_DIR` first" in result.stderr


def test_invalid_as_of(small_dir: Path, db: str) -> None:
    result = _invoke("score", str(small_dir), "--as-of", "01/12/2026", "--db", db)
    assert result.exit_code == 2
    assert (
        result.stderr
        == "error: --as-of: invalid date '01/12/2026'; expected a date as YYYY-MM-DD\n"
    )


def test_config_defaults_and_check(tmp_path: Path) -> None:
    defaults = _invoke("config", "defaults").stdout
    assert "surge_threshold: 60" in defaults
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "composite:\n  weights: {fit: 0.5, intent: 0.6, relationship: 0, engagement: 0}\n"
        "tierz: {}\n"
    )
    result = _invoke("config", "check", str(bad))
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: {bad}: invalid config\n"
        "  composite.weights: Value error, must add up to 1, got 1.1\n"
        "  tierz: Extra inputs are not permitted\n"
    )


def test_missing_config_file(small_dir: Path, db: str, tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    result = _invoke("score", str(small_dir), "--config", str(missing), "--db", db)
    assert result.exit_code == 2
    assert result.stderr == f"error: {missing}: config file not found\n"


def test_mapping_with_unknown_column_is_rejected(small_dir: Path, tmp_path: Path) -> None:
    config = write_files(
        tmp_path / "cfg",
        {
            "c.yaml": "sources:\n  - table: accounts\n"
            "    files: accounts.csv\n    columns: {revenue: x}\n"
        },
    )
    result = _invoke("config", "check", str(config / "c.yaml"))
    assert result.exit_code == 2
    assert "'revenue' is not a column of table 'accounts'; expected one of" in result.stderr


def test_bad_out_paths_fail_before_scoring(small_dir: Path, db: str, tmp_path: Path) -> None:
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    cases = {
        str(folder): f"error: --out: {folder}: is a folder; expected a file name\n",
        str(blocker / "r.csv"): f"error: --out: {blocker / 'r.csv'}: {blocker} is a file, "
        "not a folder\n",
        str(small_dir / "accounts.csv"): f"error: --out: {small_dir / 'accounts.csv'}: would "
        "overwrite a file in the data folder; write the output elsewhere\n",
    }
    before = (small_dir / "accounts.csv").read_bytes()
    for out, message in cases.items():
        result = _invoke("score", str(small_dir), "--db", db, "--out", out)
        assert result.exit_code == 2, out
        assert result.stderr == message
    assert (small_dir / "accounts.csv").read_bytes() == before
    assert json.loads(_invoke("runs", "--db", db, "--json").stdout) == []


def test_out_file_gets_usual_permissions(small_dir: Path, db: str, tmp_path: Path) -> None:
    out = tmp_path / "ranked.csv"
    _invoke("score", str(small_dir), "--db", db, "--out", str(out))
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_markup_in_data_is_printed_as_text(tmp_path: Path, db: str) -> None:
    folder = write_files(
        tmp_path / "data",
        {
            "accounts.csv": "account_id,name\nM1,[/bold] Broken Co\n",
            "contacts.csv": "contact_id,account_id,first_name,last_name\nC1,M1,Ann,[/i]\n",
        },
    )
    assert _invoke("score", str(folder), "--db", db).exit_code == 0
    explained = _invoke("explain", "M1", "--db", db)
    assert explained.exit_code == 0
    assert "[/bold] Broken Co (M1)" in explained.stdout
    leads = _invoke("leads", "--db", db)
    assert "Ann [/i] (C1)" in leads.stdout


def test_malformed_db_url_exits_2(small_dir: Path) -> None:
    result = _invoke("score", str(small_dir), "--db", "notaurl")
    assert result.exit_code == 2
    assert result.stderr == (
        "error: invalid run store URL; expected a SQLAlchemy URL such as sqlite:///runs.db "
        "or postgresql://host/db\n"
    )


def test_out_cannot_be_the_store(small_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "runs.db"
    result = _invoke("score", str(small_dir), "--db", f"sqlite:///{store}", "--out", str(store))
    assert result.exit_code == 2
    assert "unsupported output type '.db'" in result.stderr


def test_out_named_like_the_store(small_dir: Path, tmp_path: Path) -> None:
    store = tmp_path / "runs.json"
    result = _invoke("score", str(small_dir), "--db", f"sqlite:///{store}", "--out", str(store))
    assert result.exit_code == 2
    assert result.stderr == f"error: --out: {store} is the run store; write the output elsewhere\n"


def test_foreign_database_is_reported(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "other.db"
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE runs (x)")
    result = _invoke("runs", "--db", f"sqlite:///{path}")
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: cannot read the run store sqlite:///{path}: no such column: runs.run_id; "
        "is it a nextbest store?\n"
    )
