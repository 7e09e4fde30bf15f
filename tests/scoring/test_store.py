from __future__ import annotations

import copy
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from nextbest.scoring.config import load_config
from nextbest.scoring.errors import StoreError, StoreUnavailableError
from nextbest.scoring.runs import ScoredRun, score_folder
from nextbest.scoring.store import RunStore
from tests.conftest import AS_OF, SMALL_TABLES, write_files
from tests.postgres import PostgresServer


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> ScoredRun:
    """The three hand-made accounts scored once for the module; copy it before changing it."""
    data_dir = write_files(tmp_path_factory.mktemp("small") / "data", SMALL_TABLES)
    return score_folder(data_dir, load_config(), AS_OF)


def _renamed(run: ScoredRun, new_ids: dict[str, str]) -> ScoredRun:
    """Return a copy of the run with account and contact ids replaced wherever they appear."""
    assert run.evidence is not None
    return dataclasses.replace(
        run,
        accounts=run.accounts.assign(account_id=run.accounts["account_id"].replace(new_ids)),
        leads=run.leads.assign(
            account_id=run.leads["account_id"].replace(new_ids),
            contact_id=run.leads["contact_id"].replace(new_ids),
        ),
        evidence=run.evidence.assign(account_id=run.evidence["account_id"].replace(new_ids)),
    )


def _repeated(run: ScoredRun, copies: int) -> ScoredRun:
    """Return the run with its accounts, leads and evidence repeated under new ids."""

    def repeat(frame: pd.DataFrame, id_columns: list[str]) -> pd.DataFrame:
        parts = [
            frame.assign(**{column: frame[column] + f"-{copy}" for column in id_columns})
            for copy in range(copies)
        ]
        return pd.concat(parts, ignore_index=True)

    assert run.evidence is not None
    return dataclasses.replace(
        run,
        accounts=repeat(run.accounts, ["account_id"]),
        leads=repeat(run.leads, ["contact_id", "account_id"]),
        evidence=repeat(run.evidence, ["account_id"]),
    )


def test_run_round_trips(small_run: ScoredRun, store_url: str) -> None:
    store = RunStore(store_url)
    info = store.save(small_run)

    latest = store.run()
    assert latest.run_id == info.run_id
    assert latest.as_of == AS_OF
    assert isinstance(latest.created_at, datetime)
    assert latest.details_kept is True
    assert latest.config_hash == load_config().config_hash()
    assert latest.input_fingerprint == small_run.input_fingerprint
    assert latest.report["tables"]["activities"]["after_as_of"] == 1
    rows = store.accounts(info.run_id)
    assert [row["account_id"] for row in rows] == ["A1", "A2", "A3"]
    assert [row["qualified"] for row in rows] == [True, True, False]
    assert rows[0]["reasons"] == list(small_run.accounts.iloc[0]["reasons"])
    assert store.accounts(info.run_id, tier="A")[0]["account_id"] == "A1"
    assert [lead["contact_id"] for lead in store.leads(info.run_id, account_id="A1")] == ["C1"]
    assert store.evidence(info.run_id, "A1") is not None


def test_failed_save_leaves_previous_run(small_run: ScoredRun, store_url: str) -> None:
    store = RunStore(store_url)
    first = store.save(small_run)
    broken = copy.deepcopy(small_run)
    broken.leads.loc[2, "lead_score"] = None

    with pytest.raises(StoreError, match=r"^cannot save the run to (sqlite|postgresql)://") as err:
        store.save(broken)

    assert "lead_score" in str(err.value)
    assert [info.run_id for info in store.runs()] == [first.run_id]
    assert store.run().run_id == first.run_id


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql+nosuchdriver://user:hunter2@127.0.0.1:1/db", "user:***@127.0.0.1"),
        ("postgresql+nosuchdriver://127.0.0.1/db?password=hunter2", "password=***"),
        ("postgresql+nosuchdriver://u:hunter2@x@127.0.0.1/db", "***@127.0.0.1/db"),
    ],
)
def test_password_never_appears_in_errors(url: str, shown: str) -> None:
    with pytest.raises(StoreUnavailableError) as caught:
        RunStore(url)
    assert "hunter2" not in str(caught.value)
    assert shown in str(caught.value)


@pytest.mark.postgresql
def test_postgres_wrong_password_is_masked(postgres: PostgresServer) -> None:
    if postgres.cluster is None:
        pytest.skip("a server named by NEXTBEST_TEST_POSTGRES_URL may accept any password")
    url = postgres.url.set(drivername="postgresql", password="hunter2")

    with pytest.raises(StoreUnavailableError) as caught:
        RunStore(url.render_as_string(hide_password=False)).run()

    message = str(caught.value)
    assert message.startswith("cannot open the run store postgresql://nextbest:***@127.0.0.1:")
    assert 'password authentication failed for user "nextbest"' in message
    assert "hunter2" not in message


def test_postgresql_url_uses_psycopg() -> None:
    store = RunStore("postgresql://user@127.0.0.1:1/db")

    assert store.engine.dialect.driver == "psycopg"
    assert store.url == "postgresql://user@127.0.0.1:1/db"


def test_invalid_store_urls(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="invalid run store URL; expected a SQLAlchemy"):
        RunStore("notaurl")
    with pytest.raises(StoreUnavailableError, match=f"run store {tmp_path} is a folder"):
        RunStore(f"sqlite:///{tmp_path}")


def test_only_newest_runs_keep_details(small_run: ScoredRun, store_url: str) -> None:
    store = RunStore(store_url, keep_details=2)
    saved = [store.save(small_run) for _ in range(3)]

    oldest, middle, newest = (info.run_id for info in saved)
    assert store.run(oldest).details_kept is False
    assert store.run(middle).details_kept is True
    assert store.run(newest).details_kept is True
    old_account = store.accounts(oldest, account_id="A1")[0]
    assert old_account["signals"] == []
    assert old_account["reasons"] == list(small_run.accounts.iloc[0]["reasons"])
    assert store.leads(oldest) == []
    assert store.evidence(oldest, "A1") is None
    assert len(store.leads(newest)) == 3


def test_store_before_propensity_gains_columns(small_run: ScoredRun, store_url: str) -> None:
    old = RunStore(store_url)
    old_run_id = old.save(small_run).run_id
    # Stores made before product propensity have run_accounts without its two columns.
    with old.engine.begin() as connection:
        for column in ("top_product", "top_product_probability"):
            connection.exec_driver_sql(f"ALTER TABLE run_accounts DROP COLUMN {column}")
    old.engine.dispose()

    store = RunStore(store_url)
    assert store.run().run_id == old_run_id
    old_row = store.accounts(old_run_id, account_id="A1")[0]
    learned = small_run.accounts.assign(top_product="Sentinel Data", top_product_probability=0.75)
    new_run_id = store.save(dataclasses.replace(small_run, accounts=learned)).run_id

    assert (old_row["top_product"], old_row["top_product_probability"]) == (None, None)
    new_row = store.accounts(new_run_id, account_id="A1")[0]
    assert (new_row["top_product"], new_row["top_product_probability"]) == ("Sentinel Data", 0.75)
    columns = {column["name"] for column in sa.inspect(store.engine).get_columns("run_accounts")}
    assert {"top_product", "top_product_probability"} <= columns
    # A second store object finds the columns present and changes nothing.
    assert RunStore(store_url).run().run_id == new_run_id


def test_keep_details_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="keep_details must be at least 1, got 0"):
        RunStore(f"sqlite:///{tmp_path / 'runs.db'}", keep_details=0)


def test_ids_longer_than_200_characters(small_run: ScoredRun, store_url: str) -> None:
    account_id, contact_id = "A" * 300, "C" * 300
    store = RunStore(store_url)

    info = store.save(_renamed(small_run, {"A1": account_id, "C1": contact_id}))

    assert store.accounts(info.run_id, account_id=account_id)[0]["name"] == "Acme Inc."
    leads = store.leads(info.run_id, account_id=account_id)
    assert [lead["contact_id"] for lead in leads] == [contact_id]
    assert store.evidence(info.run_id, account_id) is not None
    assert store.history(account_id)[0]["run_id"] == info.run_id


def test_filters_ignore_case(small_run: ScoredRun, store_url: str) -> None:
    store = RunStore(store_url)
    run_id = store.save(small_run).run_id

    by_owner = store.accounts(run_id, owner=" ANN ")
    by_topic = store.accounts(run_id, topic="ZERO trust")
    by_name = store.find_accounts(run_id, "GLOBEX")
    exact_id_first = store.find_accounts(run_id, "a3")
    paged = store.accounts(run_id, limit=1, offset=1)

    assert [row["account_id"] for row in by_owner] == ["A1", "A3"]
    assert [row["account_id"] for row in by_topic] == ["A1"]
    assert store.accounts(run_id, topic="payroll%") == []
    assert [row["account_id"] for row in by_name] == ["A2"]
    assert exact_id_first[0]["account_id"] == "A3"
    assert [row["account_id"] for row in paged] == ["A2"]


def test_reader_sees_whole_runs_during_save(
    scored_sample_run: tuple[Path, ScoredRun], store_url: str
) -> None:
    sample = scored_sample_run[1]
    large = _repeated(sample, copies=20)
    store = RunStore(store_url)
    previous = store.save(sample)
    reads: list[tuple[str, int, int]] = []

    with ThreadPoolExecutor(max_workers=1) as pool:
        saving = pool.submit(store.save, large)
        while not saving.done():
            info = store.run()
            reads.append((info.run_id, info.accounts, len(store.accounts(info.run_id))))
        saved = saving.result()
    latest = store.run()

    assert reads, "no read ran while the run was being saved"
    assert {run_id for run_id, _, _ in reads} <= {previous.run_id, saved.run_id}
    for run_id, stored, readable in reads:
        assert readable == stored, f"run {run_id} stored {stored} accounts, {readable} readable"
    assert (latest.run_id, latest.accounts) == (saved.run_id, 4000)
    assert len(store.accounts(saved.run_id)) == 4000


def test_relative_folder_is_recorded_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(tmp_path / "data", SMALL_TABLES)
    monkeypatch.chdir(tmp_path)

    run = score_folder(Path("data"), load_config(), AS_OF)

    assert run.data_dir == str(tmp_path / "data")
