"""Scoring runs started over HTTP: one at a time, in a worker thread, followed by job id."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Literal

from nextbest.api.logs import describe, logger
from nextbest.scoring.errors import NextbestError, StoreError
from nextbest.scoring.store import RunInfo, RunStore
from nextbest.settings import Settings

JobStatus = Literal["running", "succeeded", "failed"]
KEEP_JOBS = 50


@dataclass(frozen=True)
class Job:
    job_id: str
    status: JobStatus
    started_at: datetime
    as_of: date | None
    finished_at: datetime | None = None
    run_id: str | None = None
    error: str | None = None


class JobBusyError(Exception):
    """A scoring run is already in progress."""

    def __init__(self, job: Job) -> None:
        super().__init__(f"scoring run {job.job_id} is still in progress")
        self.job = job


def _now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class ScoringJobs:
    """Starts scoring runs of the configured data folder and remembers the latest jobs.

    The run is saved in one transaction, so readers see the previous run until it commits.
    `on_saved(previous, saved)` is called after each stored run, for example to post alerts.
    """

    def __init__(
        self,
        settings: Settings,
        store: RunStore,
        on_saved: Callable[[RunInfo | None, RunInfo], None] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.on_saved = on_saved
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self._running: str | None = None

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def start(self, as_of: date | None = None) -> Job:
        """Start a run in a worker thread and return its job; raise JobBusyError if one runs."""
        with self._lock:
            if self._running is not None:
                raise JobBusyError(self._jobs[self._running])
            job = Job(secrets.token_hex(6), "running", _now(), as_of)
            self._jobs[job.job_id] = job
            self._running = job.job_id
            while len(self._jobs) > KEEP_JOBS:
                self._jobs.pop(next(iter(self._jobs)))
        worker = threading.Thread(
            target=self._work, args=(job,), name=f"scoring-{job.job_id}", daemon=True
        )
        worker.start()
        return job

    def _work(self, job: Job) -> None:
        from nextbest.learning.models import config_with_model
        from nextbest.scoring.config import load_config
        from nextbest.scoring.runs import score_folder

        logger.info("scoring job %s started, as of %s", job.job_id, job.as_of or "today")
        try:
            if self.settings.data_dir is None:
                raise NextbestError("no data folder is configured: set NEXTBEST_DATA_DIR")
            try:
                previous: RunInfo | None = self.store.run()
            except NextbestError:
                previous = None
            config, model_version, _ = config_with_model(
                load_config(self.settings.config), self.store, None, self.settings.data_dir
            )
            run = score_folder(self.settings.data_dir, config, job.as_of)
            info = self.store.save(run, model_version=model_version)
            finished = replace(job, status="succeeded", finished_at=_now(), run_id=info.run_id)
        except StoreError as error:
            # The message names the store's URL, which clients do not see.
            logger.warning("scoring job %s could not use the run store: %s", job.job_id, error)
            reason = "the run store is unavailable; the server log has the details"
            finished = replace(job, status="failed", finished_at=_now(), error=reason)
            info = None
        except NextbestError as error:
            finished = replace(job, status="failed", finished_at=_now(), error=str(error))
            info = None
            # The reason can quote a value from the data, so the log names only its kind.
            logger.warning(
                "scoring job %s failed with %s; GET /v1/runs/jobs/%s gives the reason",
                job.job_id,
                type(error).__name__,
                job.job_id,
            )
        except Exception as error:  # nothing above the worker thread would catch it
            logger.error("scoring job %s failed: %s", job.job_id, describe(error))
            finished = replace(
                job,
                status="failed",
                finished_at=_now(),
                error=f"unexpected {type(error).__name__}; the server log has the details",
            )
            info = None
        with self._lock:
            self._jobs[job.job_id] = finished
            self._running = None
        if info is not None:
            logger.info(
                "scoring job %s stored run %s: %d accounts as of %s",
                job.job_id,
                info.run_id,
                info.accounts,
                info.as_of,
            )
        if info is not None and self.on_saved is not None:
            try:
                self.on_saved(previous, info)
            except Exception as error:
                logger.error("after run %s: %s", info.run_id, describe(error))

    def wait(self, job_id: str, timeout: float) -> Job | None:
        """Wait up to `timeout` seconds for a job to finish, then return its state (for tests)."""
        deadline = threading.Event()
        waited = 0.0
        while waited < timeout:
            job = self._jobs.get(job_id)
            if job is None or job.status != "running":
                return job
            deadline.wait(0.05)
            waited += 0.05
        return self._jobs.get(job_id)
