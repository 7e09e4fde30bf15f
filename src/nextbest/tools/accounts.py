"""Tools over scored accounts: one account's score and reasons, and the ranked list."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field
from rapidfuzz import fuzz, process

from nextbest.tools.deps import ToolDeps, ToolError

Tier = Literal["A", "B", "C"]
COMPONENTS = ("fit", "intent", "relationship", "engagement", "negative")


class AccountRef(BaseModel):
    account_id: str = Field(
        min_length=1,
        max_length=500,
        description="The account's id as the CRM has it, e.g. ACC-000124, or its exact name.",
    )


class AccountScore(BaseModel):
    """An account as scored by the run. Briefs take score and tier only from here."""

    account_id: str
    name: str
    rank: int
    accounts_in_run: int
    score: float = Field(description="Composite score 0-100.")
    tier: Tier
    qualified: bool
    disqualified_because: str | None = None
    components: dict[str, float] = Field(description="Each component's score 0-100.")
    reasons: list[str] = Field(description="The strongest reasons, each with its points.")
    domain: str | None = None
    industry: str | None = None
    country: str | None = None
    owner: str | None = None
    top_product: str | None = Field(
        None, description="The product the account most likely buys, learned from won deals."
    )
    top_product_probability: float | None = Field(
        None, ge=0, le=1, description="The probability 0-1 that it buys top_product."
    )
    as_of: str
    run_id: str


class TopAccountsInput(BaseModel):
    tier: Tier | None = Field(None, description="Only accounts of this tier.")
    owner: str | None = Field(None, description="Only accounts owned by this rep (full name).")
    topic: str | None = Field(None, description="Only accounts surging on this intent topic.")
    limit: int = Field(10, ge=1, le=50, description="How many accounts, best first.")


class AccountSummary(BaseModel):
    """One ranked account, as lists of accounts show it."""

    account_id: str = Field(description="The account's id in the CRM.")
    name: str = Field(description="The account's name.")
    rank: int = Field(description="1 is the most likely to buy now.")
    score: float = Field(description="Composite score 0-100.")
    tier: Tier = Field(description="A, B or C, from the score and the fit threshold.")
    qualified: bool = Field(description="Whether the account passes the fit threshold.")
    owner: str | None = Field(None, description="The rep who owns the account in the CRM.")
    top_reason: str | None = Field(None, description="The strongest reason, with its points.")
    top_product: str | None = Field(
        None,
        description="The product the account is most likely to buy, learned from the won deals "
        "by product before the run's as-of date; null when the run had too few to learn from.",
    )
    top_product_probability: float | None = Field(
        None, ge=0, le=1, description="The probability 0-1 that the account buys top_product."
    )

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> AccountSummary:
        """Build the summary from a row of the run store."""
        return cls(
            account_id=row["account_id"],
            name=row["name"],
            rank=row["rank"],
            score=row["score"],
            tier=row["tier"],
            qualified=row["qualified"],
            owner=row["owner"],
            top_reason=row["reasons"][0] if row["reasons"] else None,
            top_product=row["top_product"],
            top_product_probability=row["top_product_probability"],
        )


class TopAccounts(BaseModel):
    accounts: list[AccountSummary]
    as_of: str
    run_id: str


def find_account(deps: ToolDeps, text: str) -> dict[str, Any]:
    """Return the stored row of the account with this id, exact name or unique partial name.

    Ids and names match case-insensitively. An unknown account gets the closest names.
    """
    wanted = text.strip()
    if not wanted:
        raise ToolError("no account given; give an account id or name from the latest run")
    by_id = deps.store.accounts(deps.run.run_id, account_id=wanted, signals=False)
    if by_id:
        return by_id[0]
    matches = deps.store.find_accounts(deps.run.run_id, wanted, limit=6)
    needle = wanted.lower()
    exact = [row for row in matches if needle in (row["account_id"].lower(), row["name"].lower())]
    if len(exact) == 1 or (not exact and len(matches) == 1):
        return (exact or matches)[0]
    if matches:
        options = ", ".join(f"{row['account_id']} ({row['name']})" for row in (exact or matches))
        raise ToolError(f"{wanted!r} matches several accounts: {options}; ask again with an id")
    message = f"no account {wanted!r} in the run of {deps.run.as_of.isoformat()}"
    names = deps.store.account_names(deps.run.run_id)
    close = process.extract(
        wanted, {account_id: name for account_id, name in names}, scorer=fuzz.WRatio, limit=3
    )
    suggestions = [f"{account_id} ({name})" for name, score, account_id in close if score >= 80]
    if suggestions:
        raise ToolError(f"{message}; did you mean {' or '.join(suggestions)}?")
    raise ToolError(f"{message}; give an account id or name from the latest run")


def account_score(deps: ToolDeps, ref: AccountRef) -> AccountScore:
    """Get an account's score 0-100, tier, component scores and the reasons behind them."""
    row = find_account(deps, ref.account_id)
    return AccountScore(
        account_id=row["account_id"],
        name=row["name"],
        rank=row["rank"],
        accounts_in_run=deps.run.accounts,
        score=row["score"],
        tier=row["tier"],
        qualified=row["qualified"],
        disqualified_because=row["disqualified_because"],
        components={component: row[component] for component in COMPONENTS},
        reasons=row["reasons"],
        domain=row["domain"],
        industry=row["industry"],
        country=row["country"],
        owner=row["owner"],
        top_product=row["top_product"],
        top_product_probability=row["top_product_probability"],
        as_of=deps.run.as_of.isoformat(),
        run_id=deps.run.run_id,
    )


def top_accounts(deps: ToolDeps, query: TopAccountsInput) -> TopAccounts:
    """List the best-ranked accounts, optionally only one tier, one owner's or one topic's."""
    rows = deps.store.accounts(
        deps.run.run_id,
        tier=query.tier,
        owner=query.owner,
        topic=query.topic,
        limit=query.limit,
        signals=False,
    )
    return TopAccounts(
        accounts=[AccountSummary.from_row(row) for row in rows],
        as_of=deps.run.as_of.isoformat(),
        run_id=deps.run.run_id,
    )
