"""The next-best-action brief of one account, cached per scoring run."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status
from fastapi.concurrency import run_in_threadpool

from nextbest.agent.brief import Brief
from nextbest.agent.llm import LLMNotConfiguredError, make_brief
from nextbest.api.deps import (
    NO_MODEL,
    NO_MODEL_RESPONSE,
    AccountIdPath,
    ErrorDetail,
    ServicesDep,
    WriterDep,
    store_failure,
)
from nextbest.scoring.errors import StoreError
from nextbest.tools import ToolDeps, ToolError

router = APIRouter(prefix="/v1/accounts", tags=["briefs"])
CACHE_SIZE = 2_000


@router.post(
    "/{account_id:path}/brief",
    responses={
        409: NO_MODEL_RESPONSE,
        404: {"model": ErrorDetail, "description": "No such account in the latest run."},
    },
)
async def brief(
    account_id: AccountIdPath,
    services: ServicesDep,
    _caller: WriterDep,
    llm: Annotated[
        bool | None,
        Query(description="Use the language model; default: when one is configured."),
    ] = None,
) -> Brief:
    """Whom to contact, on which channel, when, with which content and drafts.

    The same run, account and mode give the cached brief, except after the model failed.
    """
    try:
        deps = ToolDeps.latest(services.store, services.library)
    except StoreError as error:
        raise store_failure(error) from None
    use_llm = services.settings.llm_enabled if llm is None else llm
    key = (deps.run.run_id, account_id, use_llm)
    cached = services.briefs.get(key)
    if cached is not None:
        return cached
    try:
        result = await run_in_threadpool(
            make_brief, deps, account_id, services.settings, use_llm, services.model
        )
    except ToolError as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(error)) from None
    except LLMNotConfiguredError:
        raise HTTPException(status.HTTP_409_CONFLICT, NO_MODEL) from None
    except StoreError as error:
        raise store_failure(error) from None
    if result.generated_by == "rules-fallback":
        # The model failed this time; the next request tries it again.
        return result
    if len(services.briefs) >= CACHE_SIZE:
        services.briefs.pop(next(iter(services.briefs)))
    services.briefs[key] = result
    return result
