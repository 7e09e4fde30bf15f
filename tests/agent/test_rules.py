"""The rule-based drafter: complete, deterministic briefs from the tools alone."""

from __future__ import annotations

from datetime import UTC, date, datetime

from nextbest.agent.rules import rules_brief
from nextbest.agent.timing import add_business_days, window, zone_for
from nextbest.tools import ToolDeps

# 07:00 in Sydney on 2026-12-01, before business hours at the first account.
NOW = datetime(2026, 11, 30, 20, 0, tzinfo=UTC)


def _first(deps: ToolDeps, tier: str, qualified: bool = True) -> str:
    rows = deps.store.accounts(deps.run.run_id, tier=tier)
    return next(row["account_id"] for row in rows if row["qualified"] == qualified)


def test_rules_tier_a_ae_within_a_day(deps: ToolDeps) -> None:
    brief = rules_brief(deps, now=NOW, account_id="ACC-000166")

    assert (brief.tier, brief.score, brief.generated_by) == ("A", 94.7, "rules")
    assert brief.next_step == "AE: personal outreach within one business day"
    assert brief.timing.timezone == "Australia/Sydney"
    assert (brief.timing.start, brief.timing.end) == (
        "2026-12-01T09:00:00+11:00",
        "2026-12-01T17:00:00+11:00",
    )
    assert brief.channels[0].action == "Personal email from the AE to Rahul Lee"


def test_contacts_favour_senior_security_buyers_who_responded(deps: ToolDeps) -> None:
    brief = rules_brief(deps, now=NOW, account_id="ACC-000166")

    assert [(contact.name, contact.role) for contact in brief.contacts] == [
        ("Rahul Lee", "decision maker"),
        ("Joshua Romero", "decision maker"),
        ("Linda O'Brien", "economic buyer"),
    ]
    assert brief.contacts[0].email == "rahul.lee@zelantapayments.com"


def test_channels_follow_what_the_buying_group_answered(deps: ToolDeps) -> None:
    brief = rules_brief(deps, now=NOW, account_id="ACC-000166")

    assert [step.channel for step in brief.channels] == ["email", "phone", "linkedin", "event"]
    assert brief.channels[0].reason == (
        "26 responses on email from the buying group, latest 2026-11-27"
    )


def test_product_requests_before_topics(deps: ToolDeps) -> None:
    brief = rules_brief(deps, now=NOW, account_id="ACC-000166")

    assert brief.product.name == "Sentinel Detect"
    assert brief.product.reason == (
        "Demo request on 2026-11-20, open opportunity OPP-00086 and open opportunity OPP-00072"
    )


def test_product_learned_when_nothing_requested(deps: ToolDeps) -> None:
    from nextbest.agent.brief import ProductChoice
    from nextbest.agent.rules import choose_product, gather

    facts = gather(deps, "ACC-000166")
    facts.account = facts.account.model_copy(
        update={"top_product": "Sentinel Cloud", "top_product_probability": 0.62}
    )
    products = deps.config.products

    requested = choose_product(facts, products)
    facts.timeline = facts.timeline.model_copy(update={"activities": []})
    facts.group = facts.group.model_copy(update={"opportunities": []})
    learned = choose_product(facts, products)

    assert (requested.name, requested.probability) == ("Sentinel Detect", None)
    assert learned == ProductChoice(
        name="Sentinel Cloud",
        reason="The most likely product for this account, at 62% probability, learned from won "
        "deals by product before 2026-12-01",
        probability=0.62,
    )


def test_learned_product_outside_catalogue_ignored(deps: ToolDeps) -> None:
    from nextbest.agent.rules import choose_product, gather

    facts = gather(deps, "ACC-000166")
    facts.account = facts.account.model_copy(
        update={"top_product": "Legacy Firewall", "top_product_probability": 0.9}
    )
    facts.timeline = facts.timeline.model_copy(update={"activities": []})
    facts.group = facts.group.model_copy(update={"opportunities": []})

    chosen = choose_product(facts, deps.config.products)

    assert chosen.name != "Legacy Firewall"
    assert chosen.probability is None


def test_content_exists_and_is_unseen(deps: ToolDeps) -> None:
    brief = rules_brief(deps, now=NOW, account_id="ACC-000166")

    assert len(brief.content) == 2
    for pick in brief.content:
        assert deps.library.has(pick.id)
        assert pick.title != "Polar Freight contains a ransomware attack in minutes"
    assert brief.drafts.email_body.count(brief.content[0].title) == 1


def test_tier_b_and_c_get_their_playbooks(deps: ToolDeps) -> None:
    tier_b = rules_brief(deps, now=NOW, account_id=_first(deps, "B"))
    tier_c = rules_brief(deps, now=NOW, account_id=_first(deps, "C"))

    assert tier_b.next_step.startswith("BDR: start a four-touch sequence")
    assert [step.day for step in tier_b.channels][:3] == [0, 2, 4]
    assert tier_c.next_step == "Marketing: enrol in the automated nurture track"
    assert {step.channel for step in tier_c.channels} <= {"email", "ads"}


def test_rules_disqualified_not_pursued(deps: ToolDeps) -> None:
    account_id = _first(deps, "C", qualified=False)
    reason = deps.store.accounts(deps.run.run_id, account_id=account_id)[0]["disqualified_because"]

    brief = rules_brief(deps, now=NOW, account_id=account_id)

    assert brief.next_step == f"Do not pursue now: {reason}"
    assert brief.channels == []


def test_briefs_are_deterministic(deps: ToolDeps) -> None:
    assert rules_brief(deps, now=NOW, account_id="ACC-000030") == rules_brief(
        deps, now=NOW, account_id="ACC-000030"
    )


def test_drafts_use_no_placeholder_left_unfilled(deps: ToolDeps) -> None:
    for row in deps.store.accounts(deps.run.run_id, limit=40):
        drafts = rules_brief(deps, now=NOW, account_id=row["account_id"]).drafts
        for text in drafts.model_dump().values():
            assert "$first_name" not in text
            assert "{" not in text


def test_without_a_library_the_brief_says_so(deps: ToolDeps) -> None:
    brief = rules_brief(ToolDeps(deps.store, deps.run), now=NOW, account_id="ACC-000166")

    assert brief.content == []
    assert brief.guardrail_notes == ["No content library is indexed, so no content is suggested"]


def test_business_days_skip_weekends() -> None:
    assert add_business_days(date(2026, 12, 4), 1) == date(2026, 12, 7)
    assert add_business_days(date(2026, 12, 5), 0) == date(2026, 12, 7)
    start, end = window(date(2026, 12, 4), 3, "Europe/Berlin")
    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-04T09:00:00+01:00",
        "2026-12-08T17:00:00+01:00",
    )


def test_window_never_in_the_past() -> None:
    late = datetime(2026, 12, 4, 22, 48, tzinfo=UTC)
    midday = datetime(2026, 12, 3, 11, 20, tzinfo=UTC)

    start, end = window(date(2026, 12, 1), 1, "Europe/Berlin", late)
    later_start, _ = window(date(2026, 12, 1), 1, "Europe/Berlin", midday)

    assert (start.isoformat(), end.isoformat()) == (
        "2026-12-07T09:00:00+01:00",
        "2026-12-07T17:00:00+01:00",
    )
    assert later_start.isoformat() == "2026-12-03T13:00:00+01:00"


def test_countries_map_to_their_business_time_zone() -> None:
    assert [zone_for(code) for code in ("US", "AU", "de", "SG", "XX", None)] == [
        "America/New_York",
        "Australia/Sydney",
        "Europe/Berlin",
        "Asia/Singapore",
        None,
        None,
    ]


def test_rules_disqualified_no_drafts(deps: ToolDeps) -> None:
    brief = rules_brief(deps, now=NOW, account_id=_first(deps, "C", qualified=False))

    assert brief.content == []
    assert brief.talking_points == []
    assert brief.drafts.email_body == ""


def test_content_skips_visited_pages(deps: ToolDeps) -> None:
    for row in deps.store.accounts(deps.run.run_id, limit=30):
        brief = rules_brief(deps, now=NOW, account_id=row["account_id"])
        visited = {
            activity["detail"]
            for activity in deps.store.evidence(deps.run.run_id, row["account_id"])["timeline"]
            if activity["type"] == "web_visit" and activity["detail"]
        }
        for pick in brief.content:
            assert pick.url.removeprefix("https://example.com") not in visited


def test_drafts_use_the_short_company_name(deps: ToolDeps) -> None:
    brief = rules_brief(deps, now=NOW, account_id="ACC-000030")

    assert "Ardus Pharma LLC" not in brief.drafts.email_body + brief.drafts.email_subject


def test_tier_b_silent_gets_nurture(deps: ToolDeps) -> None:
    from nextbest.agent.rules import channel_plan, gather, playbook_for

    facts = gather(deps, _first(deps, "B"))
    silent = [contact.model_copy(update={"responses": 0}) for contact in facts.group.contacts]
    facts.group = facts.group.model_copy(update={"contacts": silent})

    plan = playbook_for(facts, "B")

    assert plan == "B_nurture"
    assert [step.channel for step in channel_plan(facts, plan, silent, "SIEM")] == [
        "email",
        "ads",
        "linkedin",
    ]


def test_timing_fresh_demo_within_a_day(deps: ToolDeps) -> None:
    from nextbest.agent.rules import Trigger, gather, timing

    facts = gather(deps, _first(deps, "C"))
    request = Trigger("demo_request", "Demo request", "2026-11-28")

    window_ = timing(facts, "C", request, NOW)

    assert window_.start[:10] == window_.end[:10]
    assert window_.reason.startswith("Tier C: within one business day")


def test_content_matches_product_topic(deps: ToolDeps) -> None:
    products = deps.config.products
    checked = 0
    for row in deps.store.accounts(deps.run.run_id, limit=40):
        brief = rules_brief(deps, now=NOW, account_id=row["account_id"])
        if not brief.product.name or not brief.content:
            continue
        topics = set(deps.library.get(brief.content[0].id).topics)
        assert topics & set(products[brief.product.name]), brief.account_id
        checked += 1
    assert checked >= 20
