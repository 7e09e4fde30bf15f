"""Guardrails between a model's draft and the brief shown to a rep.

The model writes words; the scoring core owns the facts. Score, tier, rank, next step, timing
and contact details always come from the rule-based brief. Contacts, content and products the
tools never returned are dropped. A sentence with a figure no tool returned, or one that talks
about tiers or scores to the customer, is removed; a draft left empty falls back to the rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from nextbest.agent.brief import (
    Brief,
    BriefContact,
    BriefDraft,
    ChannelStep,
    ContentChoice,
    Drafts,
    ProductChoice,
)
from nextbest.tools import ContentSource

_FIGURE = re.compile(r"(?<![\w.])[$€£]?\d[\d,]*(?:\.\d+)?%?")
_SENTENCE_BREAK = re.compile(r"((?<=[.!?])[ \t]+|\n+)")
# Internal vocabulary a customer must never read in a draft.
_INTERNAL = re.compile(r"\b(tier|score[ds]?|scoring|lead score|intent data)\b", re.IGNORECASE)


def figures(text: str) -> set[float]:
    """Return every number in a text as a value, so `$21,100` and `21100` are the same figure."""
    values = set()
    for match in _FIGURE.finditer(text):
        token = match.group().strip("$€£%").replace(",", "")
        try:
            values.add(float(token))
        except ValueError:
            continue
    return values


def grounded_figures(texts: Iterable[str]) -> set[float]:
    allowed: set[float] = set()
    for text in texts:
        allowed |= figures(text)
    return allowed


def keep_grounded(text: str, allowed: set[float], customer_facing: bool) -> tuple[str, list[str]]:
    """The text without sentences citing an unknown figure (or, for a customer, internal
    wording); also returns each removed sentence with the reason."""
    pieces = _SENTENCE_BREAK.split(text)
    kept: list[str] = []
    removed: list[str] = []
    for index in range(0, len(pieces), 2):
        sentence = pieces[index]
        separator = pieces[index + 1] if index + 1 < len(pieces) else ""
        unknown = figures(sentence) - allowed
        internal = customer_facing and _INTERNAL.search(sentence)
        if sentence.strip() and unknown:
            removed.append(f"{sentence.strip()!r}: a figure no tool returned")
            continue
        if sentence.strip() and internal:
            removed.append(f"{sentence.strip()!r}: internal wording ({internal.group()})")
            continue
        kept.append(sentence + separator)
    return "".join(kept).strip(), removed


def _ground_list(items: list[str], allowed: set[float], field: str, notes: list[str]) -> list[str]:
    result = []
    for item in items:
        text, removed = keep_grounded(item, allowed, customer_facing=False)
        for sentence in removed:
            notes.append(f"{field}: removed {sentence}")
        if text:
            result.append(text)
    return result


def _ground_drafts(
    drafts: Drafts, fallback: Drafts, allowed: set[float], notes: list[str]
) -> Drafts:
    values = {}
    for field in Drafts.model_fields:
        text, removed = keep_grounded(getattr(drafts, field), allowed, customer_facing=True)
        for sentence in removed:
            notes.append(f"{field}: removed {sentence}")
        if not text:
            notes.append(f"{field}: nothing grounded was left, so the rule-based draft is used")
            text = getattr(fallback, field)
        values[field] = text
    return Drafts(**values)


def _contacts(
    draft: BriefDraft, rules: Brief, known: dict[str, BriefContact], notes: list[str]
) -> list[BriefContact]:
    result = []
    for contact in draft.contacts:
        source = known.get(contact.contact_id)
        if source is None:
            notes.append(f"contacts: dropped {contact.contact_id!r}: not in the buying group")
            continue
        if any(chosen.contact_id == source.contact_id for chosen in result):
            continue
        result.append(source.model_copy(update={"role": contact.role, "reason": contact.reason}))
    return result or rules.contacts


def _content(
    draft: BriefDraft, library: ContentSource | None, notes: list[str]
) -> list[ContentChoice]:
    result = []
    for pick in draft.content:
        asset = library.get(pick.id) if library is not None else None
        if asset is None:
            notes.append(f"content: dropped {pick.id!r}: the library holds no such asset")
            continue
        if any(chosen.id == pick.id for chosen in result):
            continue
        result.append(
            ContentChoice(id=pick.id, title=asset.title, url=asset.url, reason=pick.reason)
        )
    return result


def _product(
    draft: BriefDraft, rules: Brief, products: Iterable[str], notes: list[str]
) -> ProductChoice:
    name = draft.product.name
    if name is None:
        return ProductChoice(name=None, reason=draft.product.reason)
    match = next((product for product in products if product.lower() == name.lower()), None)
    if match is None:
        notes.append(f"product: replaced {name!r}, which is not one of our products")
        return rules.product
    return ProductChoice(name=match, reason=draft.product.reason, probability=None)


def apply_guardrails(
    draft: BriefDraft,
    rules: Brief,
    *,
    everyone: list[BriefContact],
    library: ContentSource | None,
    products: Iterable[str],
    tool_outputs: Iterable[str],
    tool_calls: Iterable[str],
) -> Brief:
    """Build the brief shown to a rep: the model's grounded words and the core's facts."""
    notes: list[str] = []
    allowed = grounded_figures([*tool_outputs, rules.model_dump_json()])
    known = {contact.contact_id: contact for contact in everyone}
    channels = [
        ChannelStep(
            step=position,
            channel=step.channel,
            action=step.action,
            day=step.day,
            reason=step.reason,
        )
        for position, step in enumerate(draft.channels, start=1)
    ]
    content = _content(draft, library, notes)
    return rules.model_copy(
        update={
            "why_now": _ground_list(draft.why_now, allowed, "why_now", notes) or rules.why_now,
            "contacts": _contacts(draft, rules, known, notes),
            "channels": channels if rules.qualified and channels else rules.channels,
            "content": content,
            "talking_points": _ground_list(draft.talking_points, allowed, "talking_points", notes)
            or rules.talking_points,
            "drafts": _ground_drafts(draft.drafts, rules.drafts, allowed, notes),
            "product": _product(draft, rules, products, notes),
            "generated_by": "llm",
            "guardrail_notes": notes,
            "sources": [
                rules.sources[0],
                *tool_calls,
                *(f"content {pick.id}" for pick in content),
            ],
        }
    )
