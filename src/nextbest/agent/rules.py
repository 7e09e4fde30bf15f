"""The rule-based drafter: a complete brief from the tools and the templates, with no model.

Deterministic: the same run, library and account give the same brief.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from string import Template
from urllib.parse import urlparse

from nextbest import prompts
from nextbest.agent.brief import (
    Brief,
    BriefContact,
    ChannelStep,
    ContentChoice,
    Drafts,
    ProductChoice,
    Timing,
)
from nextbest.agent.timing import BUSINESS_END, BUSINESS_START, window, zone_for
from nextbest.scoring.signals import country_code
from nextbest.tools import (
    AccountRef,
    AccountScore,
    BuyingGroup,
    ContentQuery,
    EngagementTimeline,
    SurgingTopics,
    TimelineInput,
    ToolDeps,
    ToolError,
    account_score,
    buying_group,
    engagement_timeline,
    search_content,
    surging_topics,
)
from nextbest.tools.activity import Contact, TopicIntent

# Activity types that signal buying now, strongest first, with their label in a brief.
TRIGGERS: dict[str, str] = {
    "demo_request": "Demo request",
    "trial_signup": "Free-trial sign-up",
    "email_reply": "Email reply",
    "pricing_page_view": "Pricing page visit",
    "meeting": "Meeting",
    "form_fill": "Form submitted",
    "webinar_attended": "Webinar attended",
    "event_attended": "Event attended",
    "content_download": "Content download",
}
SENIORITY_WEIGHT = {
    "c_level": 0.5,
    "vp": 0.45,
    "director": 0.35,
    "manager": 0.2,
    "individual": 0.05,
    "student": -1.0,
}
LEADERS = {"security_leader", "it_leader", "executive"}
PRACTITIONERS = {"security_practitioner", "it_practitioner"}
SENIOR = {"c_level", "vp", "director"}
OUTREACH_CHANNELS = {"email": "email", "phone": "phone", "social": "linkedin", "event": "event"}
HAND_RAISES = {"demo_request", "trial_signup"}
HAND_RAISE_DAYS = 7
DECISION_TYPES = {"demo_request", "trial_signup", "pricing_page_view"}
CONSIDERATION_TYPES = {
    "webinar_attended",
    "content_download",
    "form_fill",
    "email_reply",
    "event_attended",
    "meeting",
}
ASSET_LABELS = {"pricing": "pricing page", "roi_calculator": "ROI calculator"}
CONTACT_LIMIT = 3
MESSAGE_KIND = {
    "email": "email",
    "phone": "call",
    "linkedin": "LinkedIn message",
    "event": "invitation",
    "ads": "ad",
}
CONTENT_LIMIT = 2


@dataclass
class Facts:
    """The tool outputs about one account, gathered once."""

    account: AccountScore
    topics: SurgingTopics
    group: BuyingGroup
    timeline: EngagementTimeline
    as_of: date


@dataclass
class Trigger:
    type: str
    text: str
    day: str
    contact: Contact | None = None


def gather(deps: ToolDeps, account_id: str) -> Facts:
    trusted = deps.trusted()
    account = account_score(trusted, AccountRef(account_id=account_id))
    ref = AccountRef(account_id=account.account_id)
    return Facts(
        account=account,
        topics=surging_topics(trusted, ref),
        group=buying_group(trusted, ref),
        timeline=engagement_timeline(
            trusted, TimelineInput(account_id=account.account_id, limit=40)
        ),
        as_of=deps.run.as_of,
    )


def _contact_value(contact: Contact, persona_fit: dict[str, float]) -> float:
    engagement = min(contact.responses, 10) / 10 * 0.8 + (0.2 if contact.touches else 0.0)
    # Someone who unsubscribed can still be called, but comes after everyone who did not.
    penalty = 1.0 if contact.unsubscribed else 0.0
    return -penalty + (
        persona_fit.get(contact.persona or "", 0.0)
        + SENIORITY_WEIGHT.get(contact.seniority or "", 0.0)
        + engagement
    )


def _role(contact: Contact, champion: bool) -> str:
    if contact.persona in LEADERS and contact.seniority in SENIOR:
        return "decision maker"
    if champion:
        return "champion"
    if contact.persona == "finance":
        return "economic buyer"
    if contact.persona in PRACTITIONERS:
        return "technical evaluator"
    return "influencer"


def _contact_reason(contact: Contact, lookback_days: int) -> str:
    if not contact.responses:
        persona = (contact.persona or "unknown").replace("_", " ")
        return f"Persona {persona}; no responses in the last {lookback_days} days"
    text = f"{_plural(contact.responses, 'response')} in the last {lookback_days} days"
    if contact.engaged_with:
        latest = contact.engaged_with[0]
        text += f"; latest: {_describe(latest.type, latest.detail)} on {latest.day}"
    return text


def choose_contacts(facts: Facts, persona_fit: dict[str, float], lookback: int) -> list[Contact]:
    ranked = sorted(
        facts.group.contacts,
        key=lambda contact: (-_contact_value(contact, persona_fit), contact.contact_id),
    )
    chosen = [contact for contact in ranked if _contact_value(contact, persona_fit) > 0.3]
    return (chosen or ranked)[:CONTACT_LIMIT]


def brief_contacts(
    chosen: list[Contact], everyone: list[Contact], lookback_days: int
) -> list[BriefContact]:
    top_responder = max(everyone, key=lambda contact: contact.responses, default=None)
    result = []
    for contact in chosen:
        champion = (
            top_responder is not None
            and contact.contact_id == top_responder.contact_id
            and contact.responses >= 3
        )
        result.append(
            BriefContact(
                contact_id=contact.contact_id,
                name=contact.name,
                title=contact.title,
                persona=contact.persona,
                role=_role(contact, champion),
                reason=_contact_reason(contact, lookback_days),
                email=contact.email,
            )
        )
    return result


def freshest_trigger(facts: Facts) -> Trigger | None:
    contacts = {contact.contact_id: contact for contact in facts.group.contacts}
    activity = next(
        (item for item in facts.timeline.activities if item.type in TRIGGERS),
        None,
    )
    found = None
    if activity is not None:
        contact = contacts.get(activity.contact_id or "")
        text = _describe(activity.type, activity.detail)
        if contact and contact.name:
            text += f" by {contact.name}"
            if contact.title:
                text += f" ({contact.title})"
        found = Trigger(activity.type, text, activity.occurred_at[:10], contact)
    surge = _new_surge(facts.topics.topics)
    if surge is not None and (found is None or surge.latest_week > found.day):
        found = Trigger(
            "surge",
            f"New surge on {surge.topic}: score {surge.best_score:.0f} "
            f"in the week of {surge.latest_week}",
            surge.latest_week,
        )
    return found


def _describe(kind: str, detail: str | None) -> str:
    """`Demo request: Sentinel Access` rather than `Demo request: Demo request: ...`."""
    label = TRIGGERS.get(kind, kind.replace("_", " ").capitalize())
    if not detail:
        return label
    label_words = set(re.findall(r"[a-z]+", label.lower()))
    opening = set(re.findall(r"[a-z]+", " ".join(detail.lower().split()[:3])))
    if not detail.startswith("/") and label_words & opening:
        return detail
    return f"{label}: {detail}"


def _new_surge(topics: list[TopicIntent]) -> TopicIntent | None:
    """Return the topic that crossed the surge threshold only in its latest week or two."""
    new = [topic for topic in topics if 1 <= topic.surging_weeks <= 2]
    return max(new, key=lambda topic: (topic.latest_week, topic.best_score), default=None)


def choose_product(facts: Facts, products: dict[str, list[str]]) -> ProductChoice:
    """Choose the product to lead with, weighing every product's evidence.

    Requests naming a product and open deals come first, and surging topics add to their weight.
    Without them the run's learned top product is chosen, and without that the surging topics.
    """
    points: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}

    def add(product: str, weight: float, text: str) -> None:
        points[product] = points.get(product, 0.0) + weight
        if text not in evidence.setdefault(product, []):
            evidence[product].append(text)

    requests: dict[tuple[str, str], list[str]] = {}
    for activity in facts.timeline.activities:
        named = _product_named(activity.detail, products)
        if activity.type in DECISION_TYPES and named:
            requests.setdefault((named, activity.type), []).append(activity.occurred_at[:10])
    for (named, kind), days in requests.items():
        weight = 1.0 if kind == "pricing_page_view" else 3.0
        label = TRIGGERS[kind].lower()
        text = (
            f"{label} on {days[0]}"
            if len(days) == 1
            else (f"{len(days)} {label}s, latest {max(days)}")
        )
        add(named, weight * len(days), text)
    for deal in facts.group.opportunities:
        if deal.get("outcome") == "open" and deal.get("product") in products:
            add(deal["product"], 3.0, f"open opportunity {deal['opportunity_id']}")
    # A request or an open deal is the account naming what it evaluates now, which a rep should
    # follow over a probability learned from other accounts' wins. The learned probability
    # already weighs the account's intent topics, so it comes before the topic mapping.
    learned = _learned_product(facts.account, products)
    if not points and learned is not None:
        return learned
    for topic in facts.topics.topics:
        for product in topic.products:
            add(
                product,
                topic.best_score / 100 * topic.surging_weeks / 2,
                f"surge on {topic.topic} ({topic.best_score:.0f} in the week of "
                f"{topic.latest_week})",
            )
    if not points:
        return ProductChoice(
            name=None,
            reason="No surging topic, request or open deal points to one product; lead with "
            "the problem the contact engaged with",
        )
    product = max(sorted(points), key=lambda name: points[name])
    reason = _join(evidence[product][:3])
    return ProductChoice(name=product, reason=reason[:1].upper() + reason[1:])


def _learned_product(account: AccountScore, products: dict[str, list[str]]) -> ProductChoice | None:
    """Return the run's top product for the account, if it learned one and it is one of ours."""
    probability = account.top_product_probability
    if account.top_product not in products or probability is None:
        return None
    return ProductChoice(
        name=account.top_product,
        reason=f"The most likely product for this account, at {probability:.0%} probability, "
        f"learned from won deals by product before {account.as_of}",
        probability=probability,
    )


def _product_named(detail: str | None, products: dict[str, list[str]]) -> str | None:
    if not detail:
        return None
    text = detail.lower()
    for product in sorted(products):
        if product.lower() in text or product.lower().replace(" ", "-") in text:
            return product
    return None


def funnel_stage(facts: Facts) -> str:
    if any(deal.get("outcome") == "open" for deal in facts.group.opportunities):
        return "decision"
    recent = {
        activity.type
        for activity in facts.timeline.activities
        if activity.occurred_at[:10] >= (facts.as_of - timedelta(days=30)).isoformat()
    }
    if recent & DECISION_TYPES:
        return "decision"
    if recent & CONSIDERATION_TYPES or facts.topics.topics:
        return "consideration"
    return "awareness"


def lead_topic(facts: Facts, product: str | None, products: dict[str, list[str]]) -> str | None:
    """Return the topic to lead with: the product's strongest surging topic, else one of the
    product's topics that the account's activities touched, else the strongest surging topic."""
    topics = facts.topics.topics
    matching = [topic.topic for topic in topics if product and product in topic.products]
    if matching:
        return matching[0]
    own = products.get(product or "", [])
    touched = {(activity.topic or "").lower() for activity in facts.timeline.activities}
    for topic in own:
        if topic.lower() in touched:
            return topic
    if own:
        return own[0]
    return topics[0].topic if topics else None


def _seen(facts: Facts) -> tuple[set[str], set[str]]:
    """Return the lower-cased details and the web paths the account has already engaged with."""
    details = {(activity.detail or "").lower() for activity in facts.timeline.activities}
    details |= set(facts.timeline.seen) | {
        (item.detail or "").lower()
        for contact in facts.group.contacts
        for item in contact.engaged_with
    }
    paths = {detail.rstrip("/") for detail in details if detail.startswith("/")}
    return {detail for detail in details if detail}, paths


def choose_content(
    deps: ToolDeps, facts: Facts, persona: str | None, stage: str, topic: str | None
) -> tuple[list[ContentChoice], list[str], str | None]:
    """Pick up to two assets for the topic, persona and stage that the account has not seen.

    Returns the picks, the searches made, and why the search failed, if it did.
    """
    if deps.library is None:
        return [], [], None
    industry = facts.account.industry or ""
    reader = (persona or "buyer").replace("_", " ")
    query = " ".join(f"{topic or 'security programme'} for a {industry} {reader}".split())
    details, paths = _seen(facts)
    # Narrow first, then drop filters one by one, the topic last.
    filters = [
        (persona, stage, topic),
        (None, stage, topic),
        (None, None, topic),
        (persona, stage, None),
        (None, None, None),
    ]
    picks: list[ContentChoice] = []
    sources: list[str] = []
    tried: set[tuple[str | None, ...]] = set()
    for reader_filter, stage_filter, topic_filter in filters:
        if (reader_filter, stage_filter, topic_filter) in tried:
            continue
        tried.add((reader_filter, stage_filter, topic_filter))
        attempt = ContentQuery(
            query=query, persona=reader_filter, stage=stage_filter, topic=topic_filter, limit=6
        )
        try:
            results = search_content(deps, attempt).results
        except ToolError as error:
            return picks, sources, str(error)
        sources.append(f"search_content {attempt.query!r}" + _filters(attempt))
        for hit in results:
            path = urlparse(hit.url).path.rstrip("/").lower() if hit.url else ""
            if hit.id in {pick.id for pick in picks} or (path and path in paths):
                continue
            if any(hit.title.lower() in detail for detail in details):
                continue
            reason = _content_reason(hit.type, hit.stage, hit.topics, hit.personas, topic, persona)
            picks.append(ContentChoice(id=hit.id, title=hit.title, url=hit.url, reason=reason))
            if len(picks) == CONTENT_LIMIT:
                return picks, sources, None
    return picks, sources, None


def _filters(query: ContentQuery) -> str:
    parts = [
        f"{name}={value}"
        for name, value in (
            ("persona", query.persona),
            ("stage", query.stage),
            ("topic", query.topic),
        )
        if value
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _content_reason(
    kind: str | None,
    stage: str | None,
    topics: list[str],
    personas: list[str],
    topic: str | None,
    persona: str | None,
) -> str:
    label = ASSET_LABELS.get(kind or "", (kind or "asset").replace("_", " "))
    article = "An" if label[:1].lower() in "aeiou" else "A"
    text = f"{article} {label}" + (f" for the {stage} stage" if stage else "")
    if topic and topic.lower() in {item.lower() for item in topics}:
        text += f" on {topic}, their strongest intent topic"
    elif topics:
        text += f" on {_join(topics[:2])}"
    if persona and persona in personas:
        reader = persona.replace("_", " ")
        text += f", written for {'an' if reader[:1] in 'aeiou' else 'a'} {reader}"
    return text


def playbook_for(facts: Facts, tier: str) -> str:
    """Return the playbook's key: the tier, or B's nurture plan when no contact has responded."""
    if tier == "B" and not any(contact.responses for contact in facts.group.contacts):
        return "B_nurture"
    return tier


def channel_plan(
    facts: Facts, plan: str, contacts: list[Contact], topic: str | None
) -> list[ChannelStep]:
    responses: dict[str, int] = {}
    latest: dict[str, str] = {}
    for contact in facts.group.contacts:
        for stats in contact.channels:
            channel = OUTREACH_CHANNELS.get(stats.channel)
            if channel:
                responses[channel] = responses.get(channel, 0) + stats.responses
                latest[channel] = max(latest.get(channel, ""), stats.last)
    primary = contacts[0] if contacts else None
    blocked = {"email"} if primary is not None and primary.unsubscribed else set()
    ranked = sorted(
        (channel for channel in ("email", "phone", "linkedin") if channel not in blocked),
        key=lambda channel: -responses.get(channel, 0),
    )
    first = ranked[0]
    name = (primary.name if primary and primary.name else None) or "the buying group"
    steps: list[ChannelStep] = []
    used: set[str] = set()
    for planned in prompts.playbooks()[plan]["steps"]:
        channel = first if planned["channel"] == "first" else planned["channel"]
        if channel in blocked or (channel in used and planned["day"] < 5):
            continue
        used.add(channel)
        steps.append(
            ChannelStep(
                step=len(steps) + 1,
                channel=channel,
                day=planned["day"],
                action=planned["action"].format(
                    channel=channel,
                    message=MESSAGE_KIND[channel],
                    contact=name,
                    topic=topic or "security",
                ),
                reason=_channel_reason(channel, responses, latest, blocked, primary),
            )
        )
    if responses.get("event") and plan in ("A", "B"):
        steps.append(
            ChannelStep(
                step=len(steps) + 1,
                channel="event",
                day=steps[-1].day + 1 if steps else 0,
                action=f"Invite {name} to the next event or webinar"
                + (f" on {topic}" if topic else ""),
                reason=_channel_reason("event", responses, latest, blocked, primary),
            )
        )
    return steps


def _channel_reason(
    channel: str,
    responses: dict[str, int],
    latest: dict[str, str],
    blocked: set[str],
    primary: Contact | None,
) -> str:
    count = responses.get(channel, 0)
    if count:
        text = (
            f"{_plural(count, 'response')} on {channel} from the buying group, "
            f"latest {latest[channel]}"
        )
    elif channel == "ads":
        text = "Keeps the account warm without a rep's time"
    else:
        text = f"No responses on {channel} yet; the playbook's next touch"
    if blocked and primary is not None:
        text += f"; no email because {primary.name or primary.contact_id} unsubscribed"
    return text


def timing(facts: Facts, plan: str, trigger: Trigger | None, now: datetime) -> Timing:
    code = country_code(facts.account.country) if facts.account.country else None
    zone = zone_for(code)
    note = ""
    if zone is None:
        zone = "UTC"
        note = "; the account's country is unknown, so times are in UTC"
    days = prompts.playbooks()[plan]["within_days"]
    age = (facts.as_of - date.fromisoformat(trigger.day)).days if trigger else None
    hand_raise = trigger is not None and trigger.type in HAND_RAISES and age is not None
    if hand_raise and age <= HAND_RAISE_DAYS and days > 1:
        # A fresh demo request or trial gets a reply within a day, whatever the tier.
        days = 1
    start, end = window(facts.as_of, days, zone, now)
    due = "within one business day" if days == 1 else f"within {days} business days"
    reason = f"Tier {plan[0]}: {due}, in the account's business hours"
    if trigger is not None and age is not None:
        when = "the day before" if age == 1 else f"{age} days before"
        reason += f"; the freshest trigger came {when} the run's as-of date {facts.as_of}"
    return Timing(
        start=start.isoformat(),
        end=end.isoformat(),
        timezone=zone,
        local_hours=f"{BUSINESS_START:%H:%M}-{BUSINESS_END:%H:%M}",
        trigger=trigger.text if trigger else None,
        trigger_date=trigger.day if trigger else None,
        reason=reason + note,
    )


def why_now(facts: Facts, trigger: Trigger | None) -> list[str]:
    reasons = []
    if trigger is not None and trigger.type == "surge":
        reasons.append(trigger.text)
    elif trigger is not None:
        reasons.append(f"{trigger.text} on {trigger.day}")
    for topic in facts.topics.topics[:2]:
        if trigger is not None and trigger.type == "surge" and topic.topic in trigger.text:
            continue
        reasons.append(
            f"Surging on {topic.topic}: score {topic.best_score:.0f} in the week of "
            f"{topic.latest_week} ({topic.surging_weeks} of the last "
            f"{facts.topics.lookback_weeks} weeks)"
        )
    velocity = next((reason for reason in facts.account.reasons if " rate " in reason), None)
    if velocity:
        reasons.append(velocity)
    for deal in facts.group.opportunities:
        if deal.get("outcome") == "open":
            reasons.append(
                f"Open opportunity {deal['opportunity_id']}"
                + (f" for {deal['product']}" if deal.get("product") else "")
                + f", created {deal['created_at']}"
            )
            break
    if not reasons:
        reasons.extend([reason for reason in facts.account.reasons if "(-" not in reason][:2])
    return reasons[:4]


def talking_points(
    facts: Facts,
    primary: Contact | None,
    product: ProductChoice,
    content: list[ContentChoice],
) -> list[str]:
    points = []
    if facts.topics.topics:
        topic = facts.topics.topics[0]
        text = (
            f"{topic.topic} is their strongest research topic: score {topic.best_score:.0f} "
            f"in the week of {topic.latest_week}"
        )
        if product.name in topic.products:
            text += f"; {product.name} addresses it"
        points.append(text)
    if primary is not None and primary.engaged_with:
        latest = primary.engaged_with[0]
        points.append(
            f"{primary.name or primary.contact_id}'s latest response: "
            f"{_describe(latest.type, latest.detail)} on {latest.day}"
        )
    for pick in content[:1]:
        points.append(f"Offer {pick.title!r} as the next step")
    if facts.account.industry:
        points.append(f"Relate it to {facts.account.industry} peers and their priorities")
    return points[:4]


def drafts(
    facts: Facts,
    topic: str | None,
    tier: str,
    primary: Contact | None,
    trigger: Trigger | None,
    product: ProductChoice,
    content: list[ContentChoice],
    timing_window: Timing,
) -> Drafts:
    company = short_name(facts.account.name)
    focus = topic or "security"
    offering = product.name or "our platform"
    first_name = (primary.name or "").split(" ")[0] if primary and primary.name else "there"
    kind = trigger.type if trigger else None
    openings = {
        "demo_request": f"Thank you for asking for a demo of {offering}. I would like to make it "
        f"useful for {_possessive(company)} team.",
        "trial_signup": f"I saw that your team started a free trial of {offering}, and I would "
        "be glad to help you get the most from it.",
        "pricing_page_view": f"I noticed interest from {company} in how {offering} is priced, "
        "so I thought a direct line might help.",
        "email_reply": "Thank you for your reply; here is a next step that may help.",
        "meeting": "Thank you for your time in our recent conversation.",
    }
    peers = f"{facts.account.industry} teams" if facts.account.industry else "Teams like yours"
    opening = openings.get(kind or "", f"Many {peers} are looking hard at {focus} right now.")
    content_sentence = (
        f"You may find {content[0].title!r} useful"
        + (f": {content[0].url}" if content[0].url else ".")
        if content
        else f"I can share what we have learned about {focus} from teams like yours."
    )
    start_day = date.fromisoformat(timing_window.start[:10])
    values = {
        "first_name": first_name,
        "company": company,
        "focus": focus,
        "opening": opening,
        "content_sentence": content_sentence,
        "meeting_slot": f"{start_day:%A}" if tier == "A" else "a day this week",
        "sender": "[your name]",
        "subject": _subject(kind, offering, focus, company),
        "call_hook": {
            "demo_request": f"You asked for a demo of {offering}; I'd like to set it up around "
            "what matters to you.",
            "trial_signup": f"You started a trial of {offering}; how is it going so far?",
        }.get(kind or "", f"I'm calling because teams like yours are making {focus} a priority."),
        "social_hook": f"I have been following how {peers.lower()} approach {focus}.",
    }
    email = Template(prompts.load(f"email_tier_{tier.lower()}.txt")).substitute(values)
    subject_line, _, body = email.partition("\n\n")
    if primary is not None and primary.unsubscribed:
        subject_line, body = "", ""
    return Drafts(
        email_subject=subject_line.removeprefix("Subject: ").strip(),
        email_body=body.strip(),
        call_opener=Template(prompts.load("call_opener.txt")).substitute(values).strip(),
        social_note=Template(prompts.load("social_note.txt")).substitute(values).strip(),
    )


def _subject(kind: str | None, offering: str, focus: str, company: str) -> str:
    if kind == "demo_request":
        return f"Your {offering} demo"
    if kind == "trial_signup":
        return f"Getting the most from your {offering} trial"
    return f"{focus[:1].upper()}{focus[1:]} at {company}"


_LEGAL_SUFFIX = re.compile(
    r",?\s+(inc|llc|ltd|limited|gmbh|ag|sa|s\.a|sarl|bv|nv|plc|pty|pte|co|corp|corporation|"
    r"ab|as|oy|spa|srl|kk|pvt)\.?(\s+(ltd|co|inc)\.?)*$",
    re.IGNORECASE,
)


def short_name(name: str) -> str:
    """Return the company name without its legal form, as people write it in a message."""
    shorter = _LEGAL_SUFFIX.sub("", name).strip()
    return shorter or name


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def rules_brief(
    deps: ToolDeps, account_id: str, facts: Facts | None = None, now: datetime | None = None
) -> Brief:
    """Build the brief for one account from rules and templates alone.

    `now` (default: the current time) keeps the contact window from starting in the past.
    """
    facts = facts or gather(deps, account_id)
    now = now or datetime.now(UTC)
    config = deps.config
    account = facts.account
    tier = account.tier
    lookback = config.engagement.lookback_days

    chosen = choose_contacts(facts, config.fit.personas, lookback)
    trigger = freshest_trigger(facts)
    if trigger is not None and trigger.contact is not None and trigger.type in HAND_RAISES:
        # The contact who requested a demo or a trial is contacted first.
        acted = trigger.contact
        if _contact_value(acted, config.fit.personas) > 0.3 or not chosen:
            others = [contact for contact in chosen if contact.contact_id != acted.contact_id]
            chosen = [acted, *others][:CONTACT_LIMIT]
    primary = chosen[0] if chosen else None

    product = choose_product(facts, config.products)
    stage = funnel_stage(facts)
    topic = lead_topic(facts, product.name, config.products)
    content, content_sources, search_failure = choose_content(
        deps, facts, primary.persona if primary else None, stage, topic
    )

    plan = playbook_for(facts, tier)
    window_ = timing(facts, plan, trigger, now)
    playbook = prompts.playbooks()
    next_step = playbook[plan]["next_step"]
    channels = channel_plan(facts, plan, chosen, topic)

    notes: list[str] = []
    if not account.qualified:
        next_step = playbook["disqualified"]["next_step"].format(
            reason=account.disqualified_because or "disqualified by the config's rules"
        )
        channels = []
        content = []
    if deps.library is None:
        notes.append("No content library is indexed, so no content is suggested")
    elif search_failure:
        notes.append(f"No content is suggested because {search_failure}")
    if not chosen:
        notes.append("No contacts are known at this account, so find the buying group first")
    elif primary is not None and primary.unsubscribed:
        notes.append("Every known contact unsubscribed from email, so there is no email draft")

    ref = account.account_id
    return Brief(
        account_id=account.account_id,
        name=account.name,
        run_id=account.run_id,
        as_of=account.as_of,
        score=account.score,
        tier=tier,
        rank=account.rank,
        qualified=account.qualified,
        next_step=next_step,
        why_now=why_now(facts, trigger),
        contacts=brief_contacts(chosen, facts.group.contacts, lookback),
        channels=channels,
        timing=window_,
        content=content,
        talking_points=talking_points(facts, primary, product, content)
        if account.qualified
        else [],
        drafts=drafts(facts, topic, tier, primary, trigger, product, content, window_)
        if account.qualified
        else Drafts(email_subject="", email_body="", call_opener="", social_note=""),
        product=product,
        generated_by="rules",
        guardrail_notes=notes,
        sources=[
            f"run {account.run_id} (as of {account.as_of})",
            f"account_score {ref}",
            f"surging_topics {ref}",
            f"buying_group {ref}",
            f"engagement_timeline {ref}",
            *content_sources,
            *(f"content {pick.id}" for pick in content),
        ],
    )
