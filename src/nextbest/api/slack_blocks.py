"""Slack messages made from what the tools and the agent return: Block Kit plus a text fallback.

Every value from the CRM, the content library or a model is escaped for Slack's mrkdwn, so a
name such as `<!channel>` or `<https://x.example|click>` shows as text, never as a ping or a link.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from nextbest.agent.brief import Brief
from nextbest.tools import AccountScore, TopAccounts
from nextbest.tools.accounts import COMPONENTS
from nextbest.tools.privacy import REDACTED

# Block Kit limits, from Slack's block reference: a header's plain text, a section's or a context
# element's text, one section field, and blocks per message.
HEADER_LIMIT = 150
SECTION_LIMIT = 3000
FIELD_LIMIT = 2000
MAX_BLOCKS = 50
# A draft is cut to this many characters before escaping and quoting, which lengthen it.
DRAFT_LIMIT = 2400
_LINK_URL = re.compile(r"https?://[^\s<>|]+$")


@dataclass(frozen=True)
class SlackMessage:
    """A message for chat.postMessage or a response_url: `text` is the notification fallback."""

    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)

    def as_kwargs(self) -> dict[str, Any]:
        """Return the arguments of `say`, `respond` or `chat_postMessage`."""
        if not self.blocks:
            return {"text": self.text}
        return {"text": self.text, "blocks": self.blocks}


def escape(value: object) -> str:
    """Escape the three characters that Slack's mrkdwn treats as control characters."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut(text: str, limit: int) -> str:
    """Return text shortened to at most `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def header(text: str) -> dict[str, Any]:
    """Build a header block. Its plain text needs no escaping."""
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": cut(" ".join(text.split()), HEADER_LIMIT)},
    }


def section(text: str) -> dict[str, Any]:
    """Build a section block of mrkdwn that is already escaped."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": cut(text, SECTION_LIMIT)}}


def fields(items: list[str]) -> dict[str, Any]:
    """Build a section of up to 10 short mrkdwn fields shown in two columns."""
    return {
        "type": "section",
        "fields": [{"type": "mrkdwn", "text": cut(item, FIELD_LIMIT)} for item in items[:10]],
    }


def context(text: str) -> dict[str, Any]:
    """Build a context block: one line of small, grey mrkdwn."""
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": cut(text, SECTION_LIMIT)}]}


def bullets(lines: list[str], limit: int = SECTION_LIMIT - 100) -> str:
    """Join escaped lines as a bulleted list, leaving out whole lines past `limit` characters."""
    shown: list[str] = []
    size = 0
    for line in lines:
        item = f"• {line}"
        if size + len(item) + 1 > limit:
            shown.append(f"… and {len(lines) - len(shown)} more")
            break
        shown.append(item)
        size += len(item) + 1
    return "\n".join(shown) or "• none"


def text_message(text: str) -> SlackMessage:
    """Build a plain message from text that may contain data, escaped."""
    escaped = escape(text)
    return SlackMessage(escaped, [section(escaped)])


def _link(title: str, url: str | None) -> str:
    if url and _LINK_URL.match(url):
        return f"<{url}|{escape(title or url)}>"
    return escape(title)


def _window(start: str, end: str, zone: str) -> str:
    first, last = datetime.fromisoformat(start), datetime.fromisoformat(end)
    if first.date() == last.date():
        return f"{first:%a %d %b %Y}, {first:%H:%M}-{last:%H:%M} {escape(zone)}"
    return f"{first:%a %d %b %Y} {first:%H:%M} to {last:%a %d %b %Y} {last:%H:%M} {escape(zone)}"


def _quote(draft: str) -> str:
    """Quote a draft line by line, keeping its line breaks."""
    return "\n".join(f">{escape(line)}" for line in cut(draft, DRAFT_LIMIT).splitlines())


def _contact_line(contact: Any) -> str:
    line = f"*{escape(contact.name or contact.contact_id)}*"
    if contact.title:
        line += f", {escape(contact.title)}"
    line += f" ({escape(contact.role)}): {escape(contact.reason)}"
    # Emails reach a brief only when share_contact_details is set; otherwise they are redacted.
    if contact.email and contact.email != REDACTED:
        line += f" · {escape(contact.email)}"
    return line


def brief_message(brief: Brief) -> SlackMessage:
    """Render a brief: standing, next step and timing, why now, contacts, channels, content,
    talking points and the drafts."""
    qualified = "" if brief.qualified else " *Not qualified.*"
    timing = brief.timing
    product = escape(brief.product.name) if brief.product.name else "no single product"
    blocks = [
        header(f"{brief.name} ({brief.account_id})"),
        section(
            f"*Tier {brief.tier}*, score *{brief.score:g}*, rank {brief.rank} · run "
            f"`{escape(brief.run_id)}` as of {escape(brief.as_of)}.{qualified}"
        ),
        section(
            f"*Next step:* {escape(brief.next_step)}\n"
            f"*When:* {_window(timing.start, timing.end, timing.timezone)}. "
            f"{escape(timing.reason)}."
        ),
        section(f"*Why now*\n{bullets([escape(item) for item in brief.why_now])}"),
        section(f"*Lead with:* {product}: {escape(brief.product.reason)}"),
        section(f"*Whom to contact*\n{bullets([_contact_line(c) for c in brief.contacts])}"),
    ]
    blocks.extend(_plan_blocks(brief))
    blocks.extend(_draft_blocks(brief))

    if brief.guardrail_notes:
        blocks.append(context("Notes: " + "; ".join(escape(n) for n in brief.guardrail_notes)))
    made_by = brief.generated_by + (f" ({brief.fallback_reason})" if brief.fallback_reason else "")
    sources = "; ".join(escape(source) for source in brief.sources)
    blocks.append(context(f"Generated by {escape(made_by)}. Sources: {sources}."))

    text = (
        f"Brief for {escape(brief.name)} ({escape(brief.account_id)}): tier {brief.tier}, "
        f"score {brief.score:g}, rank {brief.rank}. Next step: {escape(brief.next_step)}"
    )
    return SlackMessage(text, blocks)


def _plan_blocks(brief: Brief) -> list[dict[str, Any]]:
    blocks = []
    if brief.channels:
        steps = [
            f"Day {step.day}, {step.channel}: {escape(step.action)} ({escape(step.reason)})"
            for step in brief.channels
        ]
        blocks.append(section(f"*Channels*\n{bullets(steps)}"))
    if brief.content:
        picks = [
            f"{_link(pick.title, pick.url)} (`{escape(pick.id)}`): {escape(pick.reason)}"
            for pick in brief.content
        ]
        blocks.append(section(f"*Content*\n{bullets(picks)}"))
    if brief.talking_points:
        points = [escape(point) for point in brief.talking_points]
        blocks.append(section(f"*Talking points*\n{bullets(points)}"))
    return blocks


def _draft_blocks(brief: Brief) -> list[dict[str, Any]]:
    drafts = brief.drafts
    blocks: list[dict[str, Any]] = []
    if drafts.email_body:
        blocks.append(
            section(
                f"*Email draft*\n*Subject:* {escape(drafts.email_subject)}\n"
                f"{_quote(drafts.email_body)}"
            )
        )
    if drafts.call_opener:
        blocks.append(section(f"*Call opener*\n{_quote(drafts.call_opener)}"))
    if drafts.social_note:
        blocks.append(section(f"*Social note*\n{_quote(drafts.social_note)}"))
    if blocks:
        blocks.insert(0, {"type": "divider"})
    return blocks


def score_message(account: AccountScore) -> SlackMessage:
    """Render why an account scored as it did: tier, score, rank, components and reasons."""
    tier_and_rank = (
        f"tier {account.tier}, score {account.score:g}, rank {account.rank} of "
        f"{account.accounts_in_run}"
    )
    blocks = [
        header(f"{account.name} ({account.account_id})"),
        section(
            f"*Tier {account.tier}*, score *{account.score:g}*, rank {account.rank} of "
            f"{account.accounts_in_run} · run `{escape(account.run_id)}` as of "
            f"{escape(account.as_of)}."
        ),
        fields(
            [
                f"*{component.capitalize()}*\n{account.components[component]:.0f}"
                for component in COMPONENTS
            ]
        ),
        section(f"*Reasons*\n{bullets([escape(reason) for reason in account.reasons])}"),
    ]
    if not account.qualified:
        because = account.disqualified_because or "disqualified by the config's rules"
        blocks.append(section(f"*Not qualified:* {escape(because)}"))
    reasons = "; ".join(escape(reason) for reason in account.reasons) or "no scored signals"
    name = f"{escape(account.name)} ({escape(account.account_id)})"
    text = f"{name} is {tier_and_rank}, because: {reasons}"
    return SlackMessage(text, blocks)


def top_message(result: TopAccounts, tier: str | None = None) -> SlackMessage:
    """Render a ranked list of accounts, one line each with its strongest reason."""
    title = f"Top tier {tier} accounts" if tier else "Top accounts"
    run_line = f"run `{escape(result.run_id)}` as of {escape(result.as_of)}"
    if not result.accounts:
        text = f"No {f'tier {tier} ' if tier else ''}accounts in the run of {result.as_of}."
        return SlackMessage(text, [section(text)])
    plain, marked = [], []
    for row in result.accounts:
        reason = f": {escape(row.top_reason)}" if row.top_reason else ""
        label = f"({escape(row.account_id)}), tier {row.tier}, score {row.score:g}{reason}"
        plain.append(f"{row.rank}. {escape(row.name)} {label}")
        marked.append(f"{row.rank}. *{escape(row.name)}* {label}")
    blocks = [
        header(title),
        context(f"The best {len(marked)} by score, {run_line}."),
        section(cut("\n".join(marked), SECTION_LIMIT)),
    ]
    text = f"{title} as of {escape(result.as_of)}:\n" + "\n".join(plain)
    return SlackMessage(text, blocks)
