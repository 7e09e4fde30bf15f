"""Guardrails between a model's draft and the brief shown to a rep.

The model writes words, and the scoring core owns the facts. Score, tier, rank, next step,
timing and contact details always come from the rule-based brief. Contacts, content and products
the tools never returned are dropped. A sentence with a figure no tool returned is removed, and
so is a draft sentence that mentions tiers or scores to the customer. A draft left empty falls
back to the rules.
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

# Dates and clock times count as whole figures, so "09:00-17:00" never vouches for "17 times".
_DATE = re.compile(
    r"\b\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?(?:[+-]\d{2}:\d{2})?)?\b|\b\d{1,2}:\d{2}\b"
)
_FIGURE = re.compile(r"(?<![\w.])[$€£]?\d[\d,]*(?:\.\d+)?%?")
# Spelled-out quantities: a model that may not write "90%" could write "ninety percent".
_SPELLED = re.compile(
    r"\b(three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|"
    r"ninety|hundred|thousand|million|billion|percent|per cent|dozens?|double|triple|twice|"
    r"half)\b",
    re.IGNORECASE,
)
_SENTENCE_BREAK = re.compile(r"((?<=[.!?])[ \t]+|\n+)")
# Internal vocabulary a customer must never read in a draft.
_INTERNAL = re.compile(
    r"\b(tiers?|score[ds]?|scoring|lead score|intent data|rank(s|ed|ing)?|propensity|prospects?|"
    r"surg(e|es|ing))\b",
    re.IGNORECASE,
)


def figures(text: str) -> set[str]:
    """Return every figure in a text, normalised: `$21,100` and `21100` are the same figure.

    A date counts as one figure, so the day of a date never vouches for a count.
    """
    values = set(_DATE.findall(text))
    for match in _FIGURE.finditer(_DATE.sub(" ", text)):
        token = match.group().strip("$€£%").replace(",", "").rstrip(".")
        try:
            values.add(repr(float(token)))
        except ValueError:
            continue
    return values


def grounded_figures(texts: Iterable[str]) -> set[str]:
    allowed: set[str] = set()
    for text in texts:
        allowed |= figures(text)
    return allowed


def keep_grounded(text: str, allowed: set[str], customer_facing: bool) -> tuple[str, list[str]]:
    """The text without sentences citing an unknown figure (or, for a customer, internal
    wording); also returns each removed sentence with the reason."""
    pieces = _SENTENCE_BREAK.split(text)
    kept: list[str] = []
    removed: list[str] = []
    for index in range(0, len(pieces), 2):
        sentence = pieces[index]
        separator = pieces[index + 1] if index + 1 < len(pieces) else ""
        unknown = figures(sentence) - allowed
        spelled = _SPELLED.search(sentence)
        internal = customer_facing and _INTERNAL.search(sentence)
        if sentence.strip() and (unknown or spelled):
            removed.append(f"{sentence.strip()!r}: a figure no tool returned")
            continue
        if sentence.strip() and internal:
            removed.append(f"{sentence.strip()!r}: internal wording ({internal.group()})")
            continue
        kept.append(sentence + separator)
    return "".join(kept).strip(), removed


def _ground_list(items: list[str], allowed: set[str], field: str, notes: list[str]) -> list[str]:
    result = []
    for item in items:
        text, removed = keep_grounded(item, allowed, customer_facing=False)
        for sentence in removed:
            notes.append(f"{field}: removed {sentence}")
        if text:
            result.append(text)
    return result


def _ground_drafts(drafts: Drafts, fallback: Drafts, allowed: set[str], notes: list[str]) -> Drafts:
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
    draft: BriefDraft,
    rules: Brief,
    known: dict[str, BriefContact],
    returned: str,
    allowed: set[str],
    notes: list[str],
) -> list[BriefContact]:
    result = []
    for contact in draft.contacts:
        source = known.get(contact.contact_id)
        if source is None or f'"{contact.contact_id}"' not in returned:
            notes.append(f"contacts: dropped {contact.contact_id!r}: no tool returned it")
            continue
        if any(chosen.contact_id == source.contact_id for chosen in result):
            continue
        reason, removed = keep_grounded(contact.reason, allowed, customer_facing=False)
        for sentence in removed:
            notes.append(f"contacts: removed {sentence}")
        rule_reason = next(
            (item.reason for item in [*rules.contacts] if item.contact_id == source.contact_id),
            None,
        )
        result.append(
            source.model_copy(
                update={"role": contact.role, "reason": reason or rule_reason or source.reason}
            )
        )
    return result or rules.contacts


def _content(
    draft: BriefDraft,
    library: ContentSource | None,
    returned: str,
    allowed: set[str],
    notes: list[str],
) -> list[ContentChoice]:
    result = []
    for pick in draft.content:
        asset = library.get(pick.id) if library is not None else None
        if asset is None:
            notes.append(f"content: dropped {pick.id!r}: the library holds no such asset")
            continue
        if f'"id":"{pick.id}"' not in returned:
            notes.append(f"content: dropped {pick.id!r}: search_content never returned it")
            continue
        reason, removed = keep_grounded(pick.reason, allowed, customer_facing=False)
        for sentence in removed:
            notes.append(f"content: removed {sentence}")
        if not reason:
            reason = "Returned by the content search for this account"
        if any(chosen.id == pick.id for chosen in result):
            continue
        result.append(ContentChoice(id=pick.id, title=asset.title, url=asset.url, reason=reason))
    return result


def _product(
    draft: BriefDraft, rules: Brief, products: Iterable[str], allowed: set[str], notes: list[str]
) -> ProductChoice:
    name = draft.product.name
    reason, removed = keep_grounded(draft.product.reason, allowed, customer_facing=False)
    for sentence in removed:
        notes.append(f"product: removed {sentence}")
    if name is None:
        return ProductChoice(name=None, reason=reason or rules.product.reason)
    match = next((product for product in products if product.lower() == name.lower()), None)
    if match is None:
        notes.append(f"product: replaced {name!r}, which is not one of our products")
        return rules.product
    # The learned probability belongs to the product, so it stays when the model chose the same.
    probability = rules.product.probability if match == rules.product.name else None
    return ProductChoice(name=match, reason=reason or rules.product.reason, probability=probability)


def _channels(
    draft: BriefDraft,
    rules: Brief,
    unsubscribed: set[str],
    no_email: bool,
    allowed: set[str],
    notes: list[str],
) -> list[ChannelStep]:
    if not rules.qualified:
        return rules.channels
    steps: list[ChannelStep] = []
    for step in draft.channels:
        text = f"{step.action} {step.reason}".lower()
        if step.channel == "email" and (
            no_email or any(re.search(rf"\b{re.escape(name)}\b", text) for name in unsubscribed)
        ):
            notes.append(f"channels: dropped {step.action!r}: that contact unsubscribed")
            continue
        action, removed_action = keep_grounded(step.action, allowed, customer_facing=False)
        reason, removed_reason = keep_grounded(step.reason, allowed, customer_facing=False)
        for sentence in [*removed_action, *removed_reason]:
            notes.append(f"channels: removed {sentence}")
        if not action:
            continue
        steps.append(
            ChannelStep(
                step=len(steps) + 1,
                channel=step.channel,
                action=action,
                day=step.day,
                reason=reason or "Chosen by the model",
            )
        )
    return steps or rules.channels


def _addresses(body: str, names: set[str]) -> bool:
    """Tell whether an email's greeting line names one of these people."""
    greeting = body.strip().splitlines()[0].lower() if body.strip() else ""
    return any(re.search(rf"\b{re.escape(name)}\b", greeting) for name in names)


def apply_guardrails(
    draft: BriefDraft,
    rules: Brief,
    *,
    everyone: list[BriefContact],
    unsubscribed: set[str],
    library: ContentSource | None,
    products: Iterable[str],
    tool_outputs: Iterable[str],
    tool_calls: Iterable[str],
) -> Brief:
    """Build the brief shown to a rep: the model's grounded words and the core's facts.

    `unsubscribed` contains the names and ids of contacts that must not get email.
    """
    outputs = list(tool_outputs)
    returned = "\n".join(outputs)
    notes: list[str] = []
    if not rules.qualified:
        notes.append("The account is not qualified, so the model's outreach is not used")
        return rules.model_copy(
            update={"generated_by": "llm", "guardrail_notes": notes, "sources": rules.sources}
        )
    names = {value.lower() for value in unsubscribed}
    names |= {name.split()[0] for name in names if " " in name}
    allowed = grounded_figures([*outputs, rules.model_dump_json()])
    known = {contact.contact_id: contact for contact in everyone}
    content = _content(draft, library, returned, allowed, notes)
    contacts = _contacts(draft, rules, known, returned, allowed, notes)
    first = contacts[0] if contacts else None
    no_email = first is not None and bool(
        {first.contact_id.lower(), (first.name or "").lower()} & names
    )
    drafts = _ground_drafts(draft.drafts, rules.drafts, allowed, notes)
    if no_email or _addresses(drafts.email_body, names):
        notes.append("email: removed the draft, because its contact unsubscribed from email")
        drafts = drafts.model_copy(update={"email_subject": "", "email_body": ""})
    return rules.model_copy(
        update={
            "why_now": _ground_list(draft.why_now, allowed, "why_now", notes) or rules.why_now,
            "contacts": contacts,
            "channels": _channels(draft, rules, names, no_email, allowed, notes),
            "content": content,
            "talking_points": _ground_list(draft.talking_points, allowed, "talking_points", notes)
            or rules.talking_points,
            "drafts": drafts,
            "product": _product(draft, rules, products, allowed, notes),
            "generated_by": "llm",
            "guardrail_notes": notes,
            "sources": [
                rules.sources[0],
                *tool_calls,
                *(f"content {pick.id}" for pick in content),
            ],
        }
    )
