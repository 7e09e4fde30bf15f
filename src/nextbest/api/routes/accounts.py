"""Ranked accounts and one account's score, reasons and history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, status
from pydantic import BaseModel, Field

from nextbest.api.deps import (
    PLAIN_TEXT,
    AccountIdPath,
    ErrorDetail,
    ReaderDep,
    ServicesDep,
    store_failure,
)
from nextbest.scoring.errors import StoreError
from nextbest.tools import AccountSummary

router = APIRouter(prefix="/v1/accounts", tags=["accounts"])
COMPONENTS = ("fit", "intent", "relationship", "engagement", "negative")


class AccountPage(BaseModel):
    run_id: str = Field(description="The scoring run listed.")
    as_of: str = Field(description="The date that run scored the accounts as of.")
    total: int = Field(description="Accounts in the run, before filters.")
    matching: int = Field(description="Accounts that pass the filters, for paging.")
    offset: int = Field(description="Accounts skipped before this page.")
    limit: int = Field(description="The most accounts a page holds.")
    accounts: list[AccountSummary] = Field(description="This page, in the order asked for.")


class HistoryPoint(BaseModel):
    run_id: str = Field(description="A stored scoring run.")
    as_of: str = Field(description="The date that run scored the accounts as of.")
    score: float = Field(description="The account's composite score 0-100 in that run.")
    tier: Literal["A", "B", "C"] = Field(description="Its tier in that run.")
    rank: int = Field(description="Its rank in that run.")


class AccountDetail(AccountSummary):
    run_id: str = Field(description="The scoring run shown.")
    as_of: str = Field(description="The date that run scored the accounts as of.")
    disqualified_because: str | None = Field(
        None, description="Why the account is not qualified, when it is not."
    )
    components: dict[str, float] = Field(description="Each component's score 0-100.")
    reasons: list[str] = Field(description="The strongest reasons, each with its points.")
    domain: str | None = Field(None, description="The account's web domain.")
    industry: str | None = Field(None, description="Industry as the CRM has it.")
    country: str | None = Field(None, description="Country as the CRM has it.")
    history: list[HistoryPoint] = Field(description="Score and tier in each stored run.")


@router.get("", responses={404: {"model": ErrorDetail, "description": "No such run."}})
async def list_accounts(
    services: ServicesDep,
    _caller: ReaderDep,
    tier: Annotated[Literal["A", "B", "C"] | None, Query(description="Only this tier.")] = None,
    owner: Annotated[
        str | None,
        Query(max_length=200, pattern=PLAIN_TEXT, description="Only this owner, any case."),
    ] = None,
    qualified: Annotated[bool | None, Query(description="Only (un)qualified accounts.")] = None,
    topic: Annotated[
        str | None,
        Query(
            max_length=200, pattern=PLAIN_TEXT, description="Only accounts surging on this topic."
        ),
    ] = None,
    sort: Annotated[
        Literal["rank", "name", "fit", "intent", "relationship", "engagement"],
        Query(description="Rank and name ascending; a component's score highest first."),
    ] = "rank",
    run_id: Annotated[
        str | None,
        Query(max_length=64, pattern=PLAIN_TEXT, description="A stored run; default: the latest."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500, description="Accounts per page.")] = 50,
    offset: Annotated[
        int, Query(ge=0, le=10_000_000, description="Accounts skipped before the page.")
    ] = 0,
) -> AccountPage:
    """Accounts of a run in rank order (or another order), filtered and paginated."""

    def page() -> AccountPage:
        try:
            run = services.store.run(run_id)
        except StoreError as error:
            raise store_failure(error, run_id) from None
        try:
            rows = services.store.accounts(
                run.run_id,
                tier=tier,
                owner=owner,
                topic=topic,
                qualified=qualified,
                sort=sort,
                signals=False,
                limit=limit,
                offset=offset,
            )
            matching = services.store.count_accounts(
                run.run_id, tier=tier, owner=owner, topic=topic, qualified=qualified
            )
        except StoreError as error:
            raise store_failure(error) from None
        return AccountPage(
            run_id=run.run_id,
            as_of=run.as_of.isoformat(),
            total=run.accounts,
            matching=matching,
            offset=offset,
            limit=limit,
            accounts=[AccountSummary.from_row(row) for row in rows],
        )

    # The store is read in one worker thread; the answer is serialised on the event loop.
    return await services.read(page)


@router.get(
    "/{account_id:account}",
    responses={404: {"model": ErrorDetail, "description": "No such account in the run."}},
)
async def get_account(
    account_id: AccountIdPath,
    services: ServicesDep,
    _caller: ReaderDep,
) -> AccountDetail:
    """Return one account with its components, reasons and score history across runs."""

    def detail() -> AccountDetail:
        try:
            run = services.store.run()
            rows = services.store.accounts(run.run_id, account_id=account_id, signals=False)
        except StoreError as error:
            raise store_failure(error) from None
        if not rows:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, f"no account {account_id!r} in run {run.run_id}"
            )
        row = rows[0]
        try:
            history = services.store.history(account_id)
        except StoreError as error:
            raise store_failure(error) from None
        return AccountDetail(
            **AccountSummary.from_row(row).model_dump(),
            run_id=run.run_id,
            as_of=run.as_of.isoformat(),
            disqualified_because=row["disqualified_because"],
            components={component: row[component] for component in COMPONENTS},
            reasons=row["reasons"],
            domain=row["domain"],
            industry=row["industry"],
            country=row["country"],
            history=[
                HistoryPoint(
                    run_id=point["run_id"],
                    as_of=point["as_of"].isoformat(),
                    score=point["score"],
                    tier=point["tier"],
                    rank=point["rank"],
                )
                for point in history
            ],
        )

    # The store is read in one worker thread; the answer is serialised on the event loop.
    return await services.read(detail)
