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
    contact_id: str = Field(description="The contact's id in the CRM.")
    name: str | None = Field(None, description="Full name, when the CRM has it.")
    title: str | None = Field(None, description="Job title, when the CRM has it.")
    persona: str | None = Field(None, description="Buying persona from the config's title rules.")
    role: str = Field(description="Role in the deal, e.g. decision maker, technical evaluator.")
    reason: str = Field(description="Why this person, from what they did or who they are.")
    email: str | None = Field(None, description="From the CRM, never from a model.")


class ChannelStep(BaseModel):
    step: int = Field(ge=1, description="Order of the step, from 1.")
    channel: Channel = Field(description="email, phone, linkedin, event or ads.")
    action: str = Field(description="What to do on this channel, in one sentence.")
    day: int = Field(0, ge=0, description="Business days after the start of the window.")
    reason: str = Field(description="Why this channel, from how the contacts responded.")


class Timing(BaseModel):
    start: str = Field(description="Start of the window, ISO 8601 with the local offset.")
    end: str = Field(description="End of the window, ISO 8601 with the local offset.")
    timezone: str = Field(description="IANA time zone of the account, e.g. Europe/Berlin.")
    local_hours: str = Field(description="Business hours to reach the account, e.g. 09:00-17:00.")
    trigger: str | None = Field(None, description="The freshest buying signal.")
    trigger_date: str | None = Field(None, description="Date of that signal, YYYY-MM-DD.")
    reason: str = Field(description="Why this window.")


class ContentChoice(BaseModel):
    id: str = Field(description="An asset id returned by search_content; others are dropped.")
    title: str = Field("", description="The asset's title in the content library.")
    url: str | None = Field(None, description="Where the asset lives, when the library has it.")
    reason: str = Field(description="Why this asset suits this account and contact.")


class Drafts(BaseModel):
    email_subject: str = Field(description="Subject line of the first email.")
    email_body: str = Field(description="Body of the first email, signed by the rep.")
    call_opener: str = Field(description="The first two or three sentences of a call.")
    social_note: str = Field(description="A short connection note for a social network.")


class ProductChoice(BaseModel):
    name: str | None = Field(None, description="One of our products, or none.")
    reason: str = Field(description="Why this product: requests, open deals or intent topics.")
    probability: float | None = Field(None, ge=0, le=1, description="Learned propensity.")


class Brief(BaseModel):
    """One account's next best action."""

    account_id: str = Field(description="The account's id in the CRM.")
    name: str = Field(description="The account's name.")
    run_id: str = Field(description="The scoring run the brief is built on.")
    as_of: str = Field(description="The date that run scored the accounts as of.")
    score: float = Field(description="Composite score 0-100 from the scoring core.")
    tier: Tier = Field(description="A, B or C, from the score and the fit threshold.")
    rank: int = Field(description="1 is the most likely to buy now.")
    qualified: bool = Field(description="Whether the account passes the fit threshold.")
    next_step: str = Field(description="The tier's playbook step.")
    why_now: list[str] = Field(description="Facts from the account's data that make it urgent.")
    contacts: list[BriefContact] = Field(description="People to contact, best first.")
    channels: list[ChannelStep] = Field(description="Outreach steps in order.")
    timing: Timing = Field(description="When to reach out, in the account's business hours.")
    content: list[ContentChoice] = Field(description="Assets to send, from the content library.")
    talking_points: list[str] = Field(description="Points for the conversation.")
    drafts: Drafts = Field(description="Messages ready to edit and send.")
    product: ProductChoice = Field(description="The product to lead with.")
    generated_by: GeneratedBy = Field(
        description="rules, llm, or rules-fallback when the model's brief could not be used."
    )
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
