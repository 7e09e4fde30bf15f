"""Chat sessions: the agent with memory when a model is configured, plain rules when not.

Without a model the session still handles the common questions (top accounts, why an account
ranks where it does, a brief for an account) and states plainly what else needs a model.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from langchain.agents import create_agent
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langgraph.checkpoint.memory import InMemorySaver

from nextbest import prompts
from nextbest.agent.brief import Brief
from nextbest.agent.guardrails import grounded_figures, keep_grounded
from nextbest.agent.llm import (
    MODEL_FAILURES,
    RECURSION_LIMIT,
    Deadline,
    ToolLog,
    chat_model,
    langchain_tools,
)
from nextbest.agent.rules import rules_brief
from nextbest.settings import Settings
from nextbest.tools import (
    AccountRef,
    AccountScore,
    ToolDeps,
    ToolError,
    TopAccounts,
    TopAccountsInput,
    account_score,
    top_accounts,
)
from nextbest.tools.privacy import scrub

logger = logging.getLogger("nextbest.agent")

HELP = (
    "I can answer, without a language model:\n"
    '- top accounts: "who should I call today?", "top 5 tier A accounts"\n'
    '- why an account ranks where it does: "why is ACC-000124 ranked so high?"\n'
    '- a brief for an account: "brief for ACC-000124", "what should I do about it?"'
)
NO_MODEL = (
    "I cannot answer that without a language model. Set OPENAI_API_KEY (and OPENAI_BASE_URL "
    "for a server other than OpenAI's) to ask anything about your accounts.\n\n" + HELP
)

_HELP = re.compile(r"^\s*(help|\?|what can you do)", re.IGNORECASE)
_BRIEF = re.compile(
    r"\b(brief|what should (i|we) do|next (best )?(step|action)|draft|plan for|approach)\b",
    re.IGNORECASE,
)
_WHY = re.compile(r"\b(why|explain|reasons?|how (is|was) .+ scored)\b", re.IGNORECASE)
_TOP = re.compile(
    r"\b(top|best|hottest|priorit\w*|ranked|ranking|who should (i|we) (call|contact|focus))\b",
    re.IGNORECASE,
)
_TIER = re.compile(r"\btier\s*([abc])\b", re.IGNORECASE)
_BAD_TIER = re.compile(r"\btier\s+([d-z0-9])\b", re.IGNORECASE)
_WHO_AT = re.compile(r"\bwho\b.*\b(?:call|contact|email|reach)\b.*?\bat\s+(.+)", re.IGNORECASE)
_COUNT = re.compile(r"\b(?:top|best)\s+(\d{1,2})\b", re.IGNORECASE)
_ID = re.compile(r"\b[A-Za-z]{1,10}-?\d{2,}\b")
_FILLER = re.compile(
    r"\b(brief|for|about|on|what|should|i|we|do|next|best|step|action|draft|an?|the|email|to|"
    r"plan|approach|why|is|was|explain|reasons?|how|scored|ranked|so|high|low|rank|ranking|"
    r"tier|score|account|me|give|show|please|can|you|it|its|of|with)\b|[?!.,:;\"']",
    re.IGNORECASE,
)


@dataclass
class ChatReply:
    """A chat reply: its text, plus the data behind it (if any) for rich rendering."""

    text: str
    brief: Brief | None = None
    accounts: TopAccounts | None = None
    account: AccountScore | None = None
    generated_by: str = "rules"


class ChatSession(Protocol):
    def ask(self, message: str) -> ChatReply: ...


@dataclass
class RuleChat:
    """Answers the common questions from the tools alone."""

    deps: ToolDeps
    last_account: str | None = None

    def ask(self, message: str) -> ChatReply:
        if _HELP.match(message) or not message.strip():
            return ChatReply(HELP)
        bad_tier = _BAD_TIER.search(message)
        if bad_tier:
            return ChatReply(f"There is no tier {bad_tier.group(1)!r}: tiers are A, B and C.")
        try:
            at_account = _WHO_AT.search(message)
            if at_account:
                return self._whom(at_account.group(1))
            if _BRIEF.search(message):
                return self._brief(message)
            if _WHY.search(message):
                return self._why(message)
            if _TOP.search(message):
                return self._top(message)
        except ToolError as error:
            return ChatReply(str(error))
        return ChatReply(NO_MODEL)

    def _account(self, message: str) -> str:
        explicit = _ID.search(message)
        if explicit:
            return explicit.group()
        name = " ".join(_FILLER.sub(" ", message).split())
        if name:
            return name
        if self.last_account:
            return self.last_account
        raise ToolError('which account? Give its id or name, e.g. "brief for ACC-000124"')

    def _brief(self, message: str) -> ChatReply:
        brief = rules_brief(self.deps, self._account(message))
        self.last_account = brief.account_id
        return ChatReply(f"Brief for {brief.name} ({brief.account_id}).", brief=brief)

    def _whom(self, account: str) -> ChatReply:
        brief = rules_brief(self.deps, self._account(account))
        self.last_account = brief.account_id
        people = "\n".join(
            f"- {contact.name or contact.contact_id}"
            + (f", {contact.title}" if contact.title else "")
            + f" ({contact.role}): {contact.reason}"
            for contact in brief.contacts
        )
        if not people:
            return ChatReply(f"No contacts are known at {brief.name} ({brief.account_id}).")
        return ChatReply(
            f"At {brief.name} ({brief.account_id}), contact:\n{people}\n"
            f"Next step: {brief.next_step}.",
            brief=None,
        )

    def _why(self, message: str) -> ChatReply:
        account = account_score(self.deps, AccountRef(account_id=self._account(message)))
        self.last_account = account.account_id
        reasons = "\n".join(f"- {reason}" for reason in account.reasons) or "- no scored signals"
        return ChatReply(
            f"{account.name} ({account.account_id}) is tier {account.tier}, score "
            f"{account.score:g}, rank {account.rank} of {account.accounts_in_run}, because:\n"
            f"{reasons}",
            account=account,
        )

    def _top(self, message: str) -> ChatReply:
        tier = _TIER.search(message)
        count = _COUNT.search(message)
        query = TopAccountsInput(
            tier=tier.group(1).upper() if tier else None,
            limit=min(max(int(count.group(1)), 1), 50) if count else 10,
        )
        result = top_accounts(self.deps, query)
        lines = "\n".join(
            f"{row.rank}. {row.name} ({row.account_id}): tier {row.tier}, score {row.score:g}"
            + (f"; {row.top_reason}" if row.top_reason else "")
            for row in result.accounts
        )
        return ChatReply(f"Top accounts as of {result.as_of}:\n{lines}", accounts=result)


@dataclass
class AgentChat:
    """The agent with conversation memory. When the model fails, the rules reply instead."""

    deps: ToolDeps
    settings: Settings
    model: BaseChatModel | None = None
    thread_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    _log: ToolLog = field(default_factory=ToolLog, repr=False)
    _agent: Any = field(init=False, repr=False)
    _fallback: RuleChat = field(init=False, repr=False)

    def __post_init__(self) -> None:
        model_deps = ToolDeps(
            self.deps.store,
            self.deps.run,
            self.deps.library,
            self.settings.share_contact_details,
            self.deps._config,
        )
        self._agent = create_agent(
            self.model or chat_model(self.settings),
            langchain_tools(model_deps, self._log, extra=(self._brief_tool(model_deps),)),
            system_prompt=prompts.load("chat.md"),
            checkpointer=InMemorySaver(),
        )
        self._fallback = RuleChat(self.deps)

    def _brief_tool(self, model_deps: ToolDeps) -> BaseTool:
        def outreach_brief(account_id: str) -> str:
            try:
                brief = rules_brief(self.deps, account_id)
            except ToolError as error:
                raise ToolException(str(error)) from None
            data = brief.model_dump(mode="json", exclude_none=True)
            shown = data if model_deps.share_contact_details else scrub(data)
            output = json.dumps(shown, separators=(",", ":"), ensure_ascii=False)
            self._log.outputs.append(output)
            return output

        return StructuredTool.from_function(
            func=outreach_brief,
            name="outreach_brief",
            description="Get the full next-best-action brief for an account: whom to contact, "
            "channels, timing, content, talking points and drafts.",
            args_schema=AccountRef,
            handle_tool_error=True,
        )

    def ask(self, message: str) -> ChatReply:
        try:
            result = self._agent.invoke(
                {"messages": [{"role": "user", "content": message}]},
                config={
                    "configurable": {"thread_id": self.thread_id},
                    "recursion_limit": RECURSION_LIMIT,
                    "callbacks": [Deadline(self.settings.llm_budget)],
                },
            )
        except Exception as error:
            status = getattr(error, "status_code", None)
            if isinstance(error, MODEL_FAILURES):
                logger.warning(
                    "chat model call failed: %s%s",
                    type(error).__name__,
                    f" (HTTP {status})" if status else "",
                )
            else:
                logger.exception("chat model call failed unexpectedly")
            reply = self._fallback.ask(message)
            reply.text = "The model is unavailable, so this answer comes from rules.\n\n" + (
                reply.text
            )
            reply.generated_by = "rules-fallback"
            return reply
        answer = result["messages"][-1].content
        text = answer if isinstance(answer, str) else str(answer)
        grounded, removed = keep_grounded(
            text, grounded_figures(self._log.outputs), customer_facing=False
        )
        if not grounded.strip():
            reply = self._fallback.ask(message)
            reply.text = "The model gave no usable answer, so this one comes from rules.\n\n" + (
                reply.text
            )
            reply.generated_by = "rules-fallback"
            return reply
        if removed:
            grounded += (
                f"\n\n({_sentences(len(removed))} removed: they cited figures no tool returned.)"
            )
        return ChatReply(grounded, generated_by="llm")


def _sentences(count: int) -> str:
    return f"{count} sentence" if count == 1 else f"{count} sentences"


def open_chat(
    deps: ToolDeps,
    settings: Settings,
    use_llm: bool | None = None,
    model: BaseChatModel | None = None,
) -> ChatSession:
    """Open the agent when a model is configured or requested, else the rule-based chat.

    A long-running caller passes the chat `model` it built once; by default one is built here.
    """
    requested = settings.llm_enabled if use_llm is None else use_llm
    if requested:
        return AgentChat(deps, settings, model)
    return RuleChat(deps)


__all__ = ["AgentChat", "ChatReply", "ChatSession", "RuleChat", "open_chat"]
