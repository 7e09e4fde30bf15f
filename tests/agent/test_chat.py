"""Chat: rules without a model, the agent with memory with one."""

from __future__ import annotations

from nextbest.agent.chat import NO_MODEL, AgentChat, RuleChat
from nextbest.settings import Settings
from nextbest.tools import ToolDeps
from tests.fake_openai import FakeOpenAI, Reply, tool_call


def test_without_a_model_chat_lists_top_accounts(deps: ToolDeps) -> None:
    reply = RuleChat(deps).ask("top 3 tier A accounts")

    assert reply.accounts is not None
    assert [row.account_id for row in reply.accounts.accounts] == [
        "ACC-000166",
        "ACC-000030",
        "ACC-000053",
    ]
    assert reply.text.splitlines()[0] == "Top accounts as of 2026-12-01:"


def test_rule_chat_explains_and_remembers(deps: ToolDeps) -> None:
    chat = RuleChat(deps)

    why = chat.ask("Why is Zelanta Payments ranked so high?")
    brief = chat.ask("what should I do about it?")

    assert why.text.startswith(
        "Zelanta Payments Ltd (ACC-000166) is tier A, score 94.7, rank 1 of 200, because:"
    )
    assert brief.brief is not None
    assert brief.brief.account_id == "ACC-000166"


def test_rule_chat_states_its_limits(deps: ToolDeps) -> None:
    reply = RuleChat(deps).ask("Summarise last quarter's pipeline for the board")

    assert reply.text == NO_MODEL


def test_with_a_model_chat_keeps_the_conversation(deps: ToolDeps) -> None:
    script = [
        tool_call("account_score", account_id="ACC-000166"),
        Reply(content="Zelanta Payments is tier A."),
        Reply(content="Their strongest topic is Threat Intelligence."),
    ]
    with FakeOpenAI(script) as fake:
        settings = Settings(
            openai_api_key="sk-test", openai_base_url=fake.base_url, llm_max_retries=0
        )
        chat = AgentChat(deps, settings)
        first = chat.ask("How is Zelanta doing?")
        second = chat.ask("And what are they researching?")

    assert (first.text, first.generated_by) == ("Zelanta Payments is tier A.", "llm")
    assert second.text == "Their strongest topic is Threat Intelligence."
    history = [message["role"] for message in fake.requests[-1]["messages"]]
    assert history == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert "outreach_brief" in [tool["function"]["name"] for tool in fake.requests[0]["tools"]]


def test_when_the_model_fails_chat_answers_from_rules(deps: ToolDeps) -> None:
    with FakeOpenAI([Reply(status=503)]) as fake:
        settings = Settings(
            openai_api_key="sk-test", openai_base_url=fake.base_url, llm_max_retries=0
        )
        reply = AgentChat(deps, settings).ask("top 2")

    assert reply.generated_by == "rules-fallback"
    assert reply.text.startswith("The model is unavailable, so this answer comes from rules.")
    assert reply.accounts is not None


def test_rule_chat_who_to_call_at(deps: ToolDeps) -> None:
    reply = RuleChat(deps).ask("Who should I call at Zelanta Payments?")

    assert reply.text.splitlines()[0] == "At Zelanta Payments Ltd (ACC-000166), contact:"
    assert reply.text.splitlines()[1].startswith(
        "- Rahul Lee, Chief Information Security Officer (decision maker)"
    )


def test_rule_chat_unknown_tier(deps: ToolDeps) -> None:
    assert RuleChat(deps).ask("top 5 tier Z").text == (
        "There is no tier 'Z': tiers are A, B and C."
    )
