"""The outreach brief: everything a rep needs to act on one account, as one model.

`Brief` is what every surface shows. `BriefDraft` is the part a language model may write; the
rest (score, tier, next step, timing, contact details) always comes from the scoring core.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

Tier = Literal["A", "B", "C"]
GeneratedBy = Literal["rules", "llm", "rules-fallback"]
Channel = Literal["email", "phone", "linkedin", "event", "ads"]


class BriefContact(BaseModel):
    contact_id: str
    name: str | None = None
    title: str | None = None
    persona: str | None = None
    role: str = Field(description="Role in the deal, e.g. decision maker, technical evaluator.")
    reason: str = Field(description="Why this person, from what they did or who they are.")
    email: str | None = Field(None, description="From the CRM, never from a model.")


class ChannelStep(BaseModel):
    step: int = Field(ge=1)
    channel: Channel
    action: str = Field(description="What to do on this channel, in one sentence.")
    day: int = Field(0, ge=0, description="Business days after the start of the window.")
    reason: str


class Timing(BaseModel):
    start: str = Field(description="Start of the window, ISO 8601 with the local offset.")
    end: str = Field(description="End of the window, ISO 8601 with the local offset.")
    timezone: str
    local_hours: str = Field(description="Business hours to reach the account, e.g. 09:00-17:00.")
    trigger: str | None = Field(None, description="The freshest buying signal.")
    trigger_date: str | None = None
    reason: str


class ContentChoice(BaseModel):
    id: str = Field(description="An asset id returned by search_content; others are dropped.")
    title: str = ""
    url: str | None = None
    reason: str = Field(description="Why this asset suits this account and contact.")


class Drafts(BaseModel):
    email_subject: str
    email_body: str
    call_opener: str
    social_note: str


class ProductChoice(BaseModel):
    name: str | None = Field(None, description="One of our products, or none.")
    reason: str
    probability: float | None = Field(None, ge=0, le=1, description="Learned propensity.")


class Brief(BaseModel):
    """One account's next best action."""

    account_id: str
    name: str
    run_id: str
    as_of: str
    score: float = Field(description="Composite score 0-100 from the scoring core.")
    tier: Tier
    rank: int
    qualified: bool
    next_step: str = Field(description="The tier's playbook step.")
    why_now: list[str]
    contacts: list[BriefContact]
    channels: list[ChannelStep]
    timing: Timing
    content: list[ContentChoice]
    talking_points: list[str]
    drafts: Drafts
    product: ProductChoice
    generated_by: GeneratedBy
    fallback_reason: str | None = Field(None, description="Why the model's brief was not used.")
    guardrail_notes: list[str] = Field(
        default_factory=list, description="What the guardrails removed or replaced, and why."
    )
    sources: list[str] = Field(description="The tool calls and assets the brief is built on.")


class DraftContact(BaseModel):
    contact_id: str = Field(description="A contact_id returned by buying_group.")
    role: str = Field(description="Role in the deal, e.g. decision maker, technical evaluator.")
    reason: str = Field(description="Why this person, citing what they did.")


class DraftChannel(BaseModel):
    channel: Channel
    action: str = Field(description="What to do on this channel, in one sentence.")
    day: int = Field(0, ge=0, le=20, description="Business days after the window opens.")
    reason: str = Field(description="Why this channel, from how the contacts responded.")


class DraftContent(BaseModel):
    id: str = Field(description="An id returned by search_content. Never invent one.")
    reason: str = Field(description="Why this asset suits this account and contact.")


class DraftProduct(BaseModel):
    name: str | None = Field(None, description="Exactly one of the product names given, or null.")
    reason: str


class BriefDraft(BaseModel):
    """The outreach brief for one account. Use only facts that the tools returned."""

    why_now: list[str] = Field(description="2-4 short facts from the tools that make it urgent.")
    contacts: list[DraftContact] = Field(description="1-3 people to contact, best first.")
    channels: list[DraftChannel] = Field(description="1-4 steps in order.")
    content: list[DraftContent] = Field(description="1-3 assets from search_content.")
    talking_points: list[str] = Field(description="2-4 points for the conversation.")
    drafts: Drafts = Field(
        description="Ready-to-edit messages; every figure must come from a tool."
    )
    product: DraftProduct
