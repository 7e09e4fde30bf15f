"""Liveness and readiness, without an API key."""

from __future__ import annotations

from fastapi import APIRouter

from nextbest.api.deps import ServicesDep, store_failure
from nextbest.scoring.errors import StoreError

router = APIRouter(tags=["health"])


# HEAD too, because uptime checks often use it; the document lists GET only.
@router.get("/healthz")
@router.head("/healthz", include_in_schema=False)
async def healthz() -> dict[str, str]:
    """Report that the process is up; it answers on the event loop, whatever the threads do."""
    return {"status": "ok"}


@router.get("/readyz")
@router.head("/readyz", include_in_schema=False)
async def readyz(services: ServicesDep) -> dict[str, str | bool]:
    """Check that the run store responds and contains a run, and report whether content search
    is available."""
    try:
        run = await services.read(services.store.run)
    except StoreError as error:
        raise store_failure(error) from None
    return {"status": "ready", "run_id": run.run_id, "content": services.library is not None}
