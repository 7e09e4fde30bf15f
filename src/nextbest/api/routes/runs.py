"""Stored scoring runs, and new runs of the configured data folder."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from nextbest.api.deps import AdminDep, ErrorDetail, ReaderDep, ServicesDep, store_failure
from nextbest.api.jobs import Job, JobBusyError
from nextbest.scoring.errors import StoreError
from nextbest.scoring.store import RunInfo

router = APIRouter(prefix="/v1/runs", tags=["runs"])


class RunSummary(BaseModel):
    run_id: str = Field(description="The run's id: when it was stored, and a random suffix.")
    created_at: str = Field(description="When the run was stored, UTC.")
    as_of: str = Field(description="The date the accounts were scored as of.")
    accounts: int = Field(description="Accounts scored.")
    tiers: dict[str, int] = Field(description="Accounts per tier.")
    qualified: int = Field(description="Accounts that pass the fit threshold.")
    config_hash: str = Field(description="Hash of the scoring config, to compare runs.")
    model_version: str | None = Field(None, description="Learned model used, if any.")
    details_kept: bool = Field(description="Whether signal lists, leads and evidence are kept.")

    @classmethod
    def from_info(cls, info: RunInfo, counts: dict[str, int]) -> RunSummary:
        return cls(
            run_id=info.run_id,
            created_at=info.created_at.isoformat(timespec="seconds"),
            as_of=info.as_of.isoformat(),
            accounts=info.accounts,
            tiers={tier: counts[tier] for tier in ("A", "B", "C")},
            qualified=counts["qualified"],
            config_hash=info.config_hash,
            model_version=info.model_version,
            details_kept=info.details_kept,
        )


class RunList(BaseModel):
    runs: list[RunSummary] = Field(description="Newest first.")


def _in_range(value: dt.date) -> dt.date:
    if not dt.date(1970, 1, 1) <= value <= dt.date(2099, 12, 31):
        raise ValueError("expected a date from 1970-01-01 to 2099-12-31")
    return value


# Dates further out overflow the date arithmetic of decay and timing. The pattern states the
# range in the schema, for clients and generated tests.
AsOfDate = Annotated[
    dt.date,
    AfterValidator(_in_range),
    WithJsonSchema(
        {"type": "string", "format": "date", "pattern": r"^(19[7-9]\d|20\d\d)-\d\d-\d\d$"}
    ),
]


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    as_of: AsOfDate | None = Field(
        None,
        description="Score as of this date (1970 to 2099), using only rows dated before it; "
        "default: today. A past date makes a backtest, which becomes the latest run that every "
        "route serves.",
    )


class JobState(BaseModel):
    job_id: str = Field(description="Follow the job at /v1/runs/jobs/{job_id}.")
    status: Literal["running", "succeeded", "failed"] = Field(description="Where the job is.")
    started_at: str = Field(description="When the job started, UTC.")
    finished_at: str | None = Field(None, description="When it finished, UTC.")
    as_of: str | None = Field(None, description="The date asked for, if any.")
    run_id: str | None = Field(None, description="The stored run, once the job succeeded.")
    error: str | None = Field(None, description="Why the job failed.")

    @classmethod
    def from_job(cls, job: Job) -> JobState:
        return cls(
            job_id=job.job_id,
            status=job.status,
            started_at=job.started_at.isoformat(),
            finished_at=job.finished_at.isoformat() if job.finished_at else None,
            as_of=job.as_of.isoformat() if job.as_of else None,
            run_id=job.run_id,
            error=job.error,
        )


@router.get("")
def list_runs(
    services: ServicesDep,
    _caller: ReaderDep,
    limit: Annotated[int, Query(ge=1, le=200, description="How many runs, newest first.")] = 20,
) -> RunList:
    """List the stored scoring runs, newest first."""
    try:
        runs = services.store.runs(limit)
        counts = services.store.tier_counts([info.run_id for info in runs])
    except StoreError as error:
        raise store_failure(error) from None
    return RunList(runs=[RunSummary.from_info(info, counts[info.run_id]) for info in runs])


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    responses={
        409: {
            "model": ErrorDetail,
            "description": "A run is in progress, or no data folder is configured.",
        }
    },
)
def start_run(
    services: ServicesDep,
    _caller: AdminDep,
    response: Response,
    request: RunRequest | None = None,
) -> JobState:
    """Score the configured data folder (`NEXTBEST_DATA_DIR`) in the background.

    Follow the job at the `Location` it returns. The API keeps serving the previous run until
    the new one is stored whole.
    """
    if services.settings.data_dir is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            "no data folder is configured: start the server with NEXTBEST_DATA_DIR set",
        )
    try:
        job = services.jobs.start(request.as_of if request else None)
    except JobBusyError as busy:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"scoring run {busy.job.job_id} is still in progress; "
            f"follow it at /v1/runs/jobs/{busy.job.job_id}",
        ) from None
    response.headers["Location"] = f"/v1/runs/jobs/{job.job_id}"
    return JobState.from_job(job)


@router.get(
    "/jobs/{job_id}", responses={404: {"model": ErrorDetail, "description": "No such job."}}
)
def get_job(
    job_id: Annotated[str, Path(description="The id `POST /v1/runs` returned.")],
    services: ServicesDep,
    _caller: AdminDep,
) -> JobState:
    """Return a scoring job started by `POST /v1/runs`: running, succeeded or failed."""
    job = services.jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no scoring job {job_id!r}")
    return JobState.from_job(job)
