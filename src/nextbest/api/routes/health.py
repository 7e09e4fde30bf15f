"""Liveness and readiness, without an API key."""

from __future__ import annotations

from fastapi import APIRouter

from nextbest.api.deps import ServicesDep, store_failure
from nextbest.scoring.errors import StoreError

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """Report that the process is up."""
    return {"status": "ok"}


@router.get("/readyz")
def readyz(services: ServicesDep) -> dict[str, str | bool]:
    """Check that the run store responds and contains a run, and report whether content search
    is available."""
    try:
        run = services.store.run()
    except StoreError as error:
        raise store_failure(error) from None
    return {"status": "ready", "run_id": run.run_id, "content": services.library is not None}
