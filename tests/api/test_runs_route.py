"""GET and POST /v1/runs: stored runs, scoring jobs, and readers during a run being saved."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nextbest.api.keys import KeyStore
from nextbest.api.main import create_app
from nextbest.scoring import store as store_module
from nextbest.scoring.config import load_config
from nextbest.scoring.runs import score_folder
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings


@pytest.fixture
def store_copy(scored_sample: tuple[Path, str], tmp_path: Path) -> str:
    """A copy of the scored sample's store, so new runs leave the shared one alone."""
    copy = tmp_path / "runs.db"
    with (
        sqlite3.connect(store_module.sqlite_path(scored_sample[1])) as source,  # type: ignore[arg-type]
        sqlite3.connect(copy) as target,
    ):
        source.backup(target)
    return f"sqlite:///{copy}"


@pytest.fixture
def client(
    scored_sample: tuple[Path, str], store_copy: str, tmp_path: Path
) -> Iterator[TestClient]:
    settings = Settings(home=tmp_path, data_dir=scored_sample[0])
    with TestClient(create_app(settings, store_copy)) as test_client:
        yield test_client


def _key(url: str, scope: str) -> dict[str, str]:
    _, token = KeyStore(RunStore(url)).create(scope)  # type: ignore[arg-type]
    return {"Authorization": f"Bearer {token}"}


def test_runs_are_listed_with_tier_counts(client: TestClient, store_copy: str) -> None:
    response = client.get("/v1/runs", headers=_key(store_copy, "read"))

    run = response.json()["runs"][0]
    stored = RunStore(store_copy).accounts(run["run_id"])
    assert response.status_code == 200
    assert len(response.json()["runs"]) == 1
    assert (run["as_of"], run["accounts"]) == ("2026-12-01", 200)
    assert run["tiers"] == {
        tier: sum(row["tier"] == tier for row in stored) for tier in ("A", "B", "C")
    }
    assert run["qualified"] == sum(row["qualified"] for row in stored)


def test_starting_a_run_needs_admin(client: TestClient, store_copy: str) -> None:
    response = client.post("/v1/runs", headers=_key(store_copy, "write"))

    assert response.status_code == 403
    assert response.json() == {"detail": "this API key has scope 'write'; this route needs 'admin'"}


def test_starting_a_run_without_a_data_folder(store_copy: str, tmp_path: Path) -> None:
    with TestClient(create_app(Settings(home=tmp_path), store_copy)) as client:
        response = client.post("/v1/runs", headers=_key(store_copy, "admin"))

    assert response.status_code == 409
    assert response.json() == {
        "detail": "no data folder is configured: start the server with NEXTBEST_DATA_DIR set"
    }


def test_runs_never_served_half_written(
    client: TestClient, store_copy: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Small insert batches make the save many statements long, so a reader would catch a run
    # half-written if the save were not one transaction.
    monkeypatch.setattr(store_module, "INSERT_BATCH", 5)
    admin = _key(store_copy, "admin")
    reader = _key(store_copy, "read")
    old_run = client.get("/v1/runs", headers=reader).json()["runs"][0]["run_id"]
    seen: list[tuple[str, int, int, int]] = []
    stop = threading.Event()

    def read_while_scoring() -> None:
        while not stop.is_set():
            page = client.get("/v1/accounts", params={"limit": 500}, headers=reader).json()
            seen.append((page["run_id"], page["total"], page["matching"], len(page["accounts"])))

    watcher = threading.Thread(target=read_while_scoring)
    started = client.post("/v1/runs", json={"as_of": "2026-11-15"}, headers=admin)
    watcher.start()
    job = client.app.state.services.jobs.wait(started.json()["job_id"], timeout=120)
    stop.set()
    watcher.join()
    followed = client.get(started.headers["Location"], headers=admin).json()
    latest = client.get("/v1/accounts", params={"limit": 1}, headers=reader).json()

    assert started.status_code == 202
    assert started.json()["status"] == "running"
    assert job is not None and job.status == "succeeded", job
    assert (followed["status"], followed["run_id"], followed["as_of"]) == (
        "succeeded",
        job.run_id,
        "2026-11-15",
    )
    assert (latest["run_id"], latest["as_of"]) == (job.run_id, "2026-11-15")
    assert seen, "the reader never got an answer while the run was saved"
    assert {run_id for run_id, *_ in seen} <= {old_run, job.run_id}
    assert all(total == matching == rows == 200 for _, total, matching, rows in seen)


def test_runs_second_start_conflicts(client: TestClient, store_copy: str) -> None:
    admin = _key(store_copy, "admin")

    first = client.post("/v1/runs", headers=admin).json()
    second = client.post("/v1/runs", headers=admin)
    client.app.state.services.jobs.wait(first["job_id"], timeout=120)

    assert second.status_code == 409
    assert second.json() == {
        "detail": f"scoring run {first['job_id']} is still in progress; "
        f"follow it at /v1/runs/jobs/{first['job_id']}"
    }


def test_runs_failed_job_gives_reason(store_copy: str, tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, data_dir=tmp_path / "missing")
    with TestClient(create_app(settings, store_copy)) as client:
        admin = _key(store_copy, "admin")
        started = client.post("/v1/runs", headers=admin).json()
        client.app.state.services.jobs.wait(started["job_id"], timeout=60)
        job = client.get(f"/v1/runs/jobs/{started['job_id']}", headers=admin).json()
        unknown = client.get("/v1/runs/jobs/nope", headers=admin)

    assert job["status"] == "failed"
    assert job["run_id"] is None
    assert str(tmp_path / "missing") in job["error"]
    assert (unknown.status_code, unknown.json()) == (404, {"detail": "no scoring job 'nope'"})


def test_chat_continues_on_the_new_run(
    client: TestClient, store_copy: str, scored_sample: tuple[Path, str]
) -> None:
    writer = _key(store_copy, "write")
    first = client.post("/v1/chat", json={"message": "why ACC-000030"}, headers=writer)
    conversation_id = json.loads(first.text.split("data: ", 1)[1].split("\n", 1)[0])[
        "conversation_id"
    ]
    new_run = RunStore(store_copy).save(
        score_folder(scored_sample[0], load_config(), as_of=date(2026, 11, 15))
    )

    again = client.post(
        "/v1/chat",
        json={"message": "why ACC-000030", "conversation_id": conversation_id},
        headers=writer,
    )

    events = [json.loads(line[6:]) for line in again.text.splitlines() if line.startswith("data: ")]
    assert events[0]["conversation_id"] == conversation_id
    assert [event["run_id"] for event in events if "components" in event] == [new_run.run_id]
