"""Tools over an account's evidence: intent topics, the engagement timeline, the buying group."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from nextbest.tools.accounts import AccountRef, find_account
from nextbest.tools.deps import ToolDeps, ToolError
from nextbest.tools.privacy import REDACTED, scrub


class WeekScore(BaseModel):
    week: str = Field(description="Monday of the week, YYYY-MM-DD.")
    score: float = Field(description="Intent score 0-100 that week.")


class TopicIntent(BaseModel):
    topic: str
    category: str | None = None
    best_score: float
    latest_week: str
    surging_weeks: int = Field(description="Weeks at or above the surge threshold.")
    weeks: list[WeekScore] = Field(description="Newest first.")
    products: list[str] = Field(description="Our products this topic points to.")


class SurgingTopics(BaseModel):
    account_id: str
    name: str
    surge_threshold: float
    lookback_weeks: int
    topics: list[TopicIntent] = Field(description="Strongest first; empty when none surged.")


class TimelineInput(AccountRef):
    limit: int = Field(20, ge=1, le=40, description="How many activities, newest first.")


class Activity(BaseModel):
    occurred_at: str
    type: str
    channel: str
    contact_id: str | None = None
    detail: str | None = None
    topic: str | None = None


class EngagementTimeline(BaseModel):
    account_id: str
    name: str
    lookback_days: int
    activities: list[Activity]
    seen: list[str] = Field(
        default_factory=list,
        description="Pages and assets the account engaged with, newest first, lower case.",
    )


class ChannelStats(BaseModel):
    channel: str
    touches: int
    responses: int = Field(description="Replies, clicks, meetings, sign-ups: not opens or visits.")
    last: str


class Engagement(BaseModel):
    day: str
    type: str
    detail: str | None = None


class Contact(BaseModel):
    contact_id: str
    name: str | None = None
    title: str | None = None
    persona: str | None = None
    seniority: str | None = None
    email: str | None = None
    phone: str | None = None
    unsubscribed: bool = False
    touches: int = 0
    responses: int = 0
    last_touch: str | None = None
    channels: list[ChannelStats] = Field(default_factory=list)
    engaged_with: list[Engagement] = Field(default_factory=list)


class BuyingGroup(BaseModel):
    account_id: str
    name: str
    contacts: list[Contact] = Field(description="Most engaged first.")
    opportunities: list[dict[str, Any]] = Field(description="Open deals first, then the newest.")


def evidence_of(deps: ToolDeps, account_id: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the account row and its evidence, with personal data scrubbed unless allowed."""
    row = find_account(deps, account_id)
    evidence = deps.store.evidence(deps.run.run_id, row["account_id"])
    if evidence is None:
        raise ToolError(
            f"run {deps.run.run_id} has no contacts, activities or intent for "
            f"{row['account_id']}: only the newest runs keep them (`nextbest score "
            "--keep-details N`), and runs made before briefs existed never had them; "
            "brief the latest run, or score the data again"
        )
    if not deps.share_contact_details:
        for contact in evidence["contacts"]:
            for key in ("email", "phone"):
                if contact.get(key):
                    contact[key] = REDACTED
        evidence = scrub(evidence)
    return row, evidence


def surging_topics(deps: ToolDeps, ref: AccountRef) -> SurgingTopics:
    """Get the intent topics an account surged on recently, with weekly scores and our products."""
    row, evidence = evidence_of(deps, ref.account_id)
    products_by_topic: dict[str, list[str]] = {}
    for product, topics in deps.config.products.items():
        for topic in topics:
            products_by_topic.setdefault(topic.lower(), []).append(product)
    return SurgingTopics(
        account_id=row["account_id"],
        name=row["name"],
        surge_threshold=deps.config.intent.surge_threshold,
        lookback_weeks=deps.config.intent.lookback_weeks,
        topics=[
            TopicIntent(**topic, products=products_by_topic.get(topic["topic"].lower(), []))
            for topic in evidence["intent"]
        ],
    )


def engagement_timeline(deps: ToolDeps, query: TimelineInput) -> EngagementTimeline:
    """Get an account's latest activities (visits, emails, calls, meetings, sign-ups)."""
    row, evidence = evidence_of(deps, query.account_id)
    return EngagementTimeline(
        account_id=row["account_id"],
        name=row["name"],
        lookback_days=deps.config.engagement.lookback_days,
        activities=[Activity(**activity) for activity in evidence["timeline"][: query.limit]],
        seen=evidence["seen"],
    )


def buying_group(deps: ToolDeps, ref: AccountRef) -> BuyingGroup:
    """Get an account's contacts with persona, what each engaged with and the last touch per
    channel, plus its open and recent deals."""
    row, evidence = evidence_of(deps, ref.account_id)
    return BuyingGroup(
        account_id=row["account_id"],
        name=row["name"],
        contacts=[
            Contact(
                **{
                    **contact,
                    "channels": contact.get("channels") or [],
                    "engaged_with": contact.get("engaged_with") or [],
                }
            )
            for contact in evidence["contacts"]
        ],
        opportunities=evidence["opportunities"],
    )
