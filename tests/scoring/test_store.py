from __future__ import annotations

from pathlib import Path

import pytest

from nextbest.scoring.config import load_config
from nextbest.scoring.errors import StoreError, StoreUnavailableError
from nextbest.scoring.runs import score_folder
from nextbest.scoring.store import RunStore
from tests.conftest import AS_OF


def test_run_round_trips(small_dir: Path, tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    run = score_folder(small_dir, load_config(), AS_OF)
    info = store.save(run)

    latest = store.run()
    assert latest.run_id == info.run_id
    assert latest.as_of == AS_OF
    assert latest.config_hash == load_config().config_hash()
    assert latest.input_fingerprint == run.input_fingerprint
    assert latest.report["tables"]["activities"]["after_as_of"] == 1
    rows = store.accounts(info.run_id)
    assert [row["account_id"] for row in rows] == ["A1", "A2", "A3"]
    assert rows[0]["reasons"] == list(run.accounts.iloc[0]["reasons"])
    assert store.accounts(info.run_id, tier="A")[0]["account_id"] == "A1"
    assert [lead["contact_id"] for lead in store.leads(info.run_id, account_id="A1")] == ["C1"]


def test_failed_save_leaves_previous_run(small_dir: Path, tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}")
    run = score_folder(small_dir, load_config(), AS_OF)
    first = store.save(run)
    broken = score_folder(small_dir, load_config(), AS_OF)
    broken.leads.loc[2, "lead_score"] = None

    with pytest.raises(StoreError, match="cannot save the run to sqlite:///"):
        store.save(broken)

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


def test_invalid_store_urls(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="invalid run store URL; expected a SQLAlchemy"):
        RunStore("notaurl")
    with pytest.raises(StoreUnavailableError, match=f"run store {tmp_path} is a folder"):
        RunStore(f"sqlite:///{tmp_path}")


def test_only_newest_runs_keep_details(small_dir: Path, tmp_path: Path) -> None:
    store = RunStore(f"sqlite:///{tmp_path / 'runs.db'}", keep_details=2)
    run = score_folder(small_dir, load_config(), AS_OF)
    saved = [store.save(run) for _ in range(3)]

    oldest, middle, newest = (info.run_id for info in saved)
    assert store.run(oldest).details_kept is False
    assert store.run(middle).details_kept is True
    assert store.run(newest).details_kept is True
    old_account = store.accounts(oldest, account_id="A1")[0]
    assert old_account["signals"] == []
    assert old_account["reasons"] == list(run.accounts.iloc[0]["reasons"])
    assert store.leads(oldest) == []
    assert len(store.leads(newest)) == 3


def test_keep_details_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailableError, match="keep_details must be at least 1, got 0"):
        RunStore(f"sqlite:///{tmp_path / 'runs.db'}", keep_details=0)
