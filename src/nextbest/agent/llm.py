"""The LLM agent: LangChain's `create_agent` over ChatOpenAI, the tools and the brief schema.

Any OpenAI-compatible server works (OPENAI_BASE_URL). Whatever goes wrong with the model, the
rep still gets the rule-based brief, marked `rules-fallback` with the reason.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import openai
from langchain.agents import create_agent
from langchain.agents.structured_output import StructuredOutputError, ToolStrategy
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.language_models import BaseChatModel
from langchain_core.tools import BaseTool, StructuredTool, ToolException
from langchain_openai import ChatOpenAI
from langgraph.errors import GraphRecursionError
from pydantic import ValidationError

from nextbest import prompts
from nextbest.agent.brief import Brief, BriefDraft
from nextbest.agent.guardrails import apply_guardrails
from nextbest.agent.rules import brief_contacts, gather, rules_brief
from nextbest.scoring.errors import NextbestError
from nextbest.settings import Settings
from nextbest.tools import TOOLS, ToolDeps, ToolError, ToolSpec, run_tool

logger = logging.getLogger("nextbest.agent")
# Each tool call and each model response is one graph step. A brief takes about a dozen.
RECURSION_LIMIT = 24


class DeadlineExceededError(Exception):
    """The agent ran past its overall time budget."""


# Exceptions a failing or misbehaving model server raises through the client and LangChain: HTTP
# errors, timeouts, and replies that are not chat completions (TypeError, KeyError, IndexError,
# ValueError, which includes invalid JSON).
MODEL_FAILURES = (
    openai.OpenAIError,
    httpx.HTTPError,
    GraphRecursionError,
    StructuredOutputError,
    ValidationError,
    DeadlineExceededError,
    TypeError,
    KeyError,
    IndexError,
    ValueError,
)


class LLMNotConfiguredError(NextbestError):
    """A model was asked for but no API key is set."""


@dataclass
class ToolLog:
    """The calls the model made and what each returned, for grounding and for `sources`."""

    calls: list[str] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def chat_model(settings: Settings) -> ChatOpenAI:
    if not settings.llm_enabled:
        raise LLMNotConfiguredError(
            "no language model configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for a "
            "server other than OpenAI's), or use --no-llm"
        )
    return ChatOpenAI(
        model=settings.llm_model,
        api_key=settings.openai_api_key,
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
        max_retries=settings.llm_max_retries,
        temperature=0.2,
        # Chat completions, which every OpenAI-compatible server speaks.
        use_responses_api=False,
    )


def _describe_call(name: str, arguments: dict[str, Any]) -> str:
    shown = ", ".join(f"{key}={value!r}" for key, value in sorted(arguments.items()))
    return f"{name}({shown})"


def langchain_tools(
    deps: ToolDeps, log: ToolLog, extra: tuple[BaseTool, ...] = ()
) -> list[BaseTool]:
    """Wrap the tools for LangChain. A ToolError goes back to the model as the tool's result."""

    def make(spec: ToolSpec) -> BaseTool:
        def call(**arguments: Any) -> str:
            arguments = {key: value for key, value in arguments.items() if value is not None}
            log.calls.append(_describe_call(spec.name, arguments))
            try:
                output = run_tool(deps, spec.name, arguments)
            except ToolError as error:
                raise ToolException(str(error)) from None
            log.outputs.append(output)
            return output

        return StructuredTool.from_function(
            func=call,
            name=spec.name,
            description=spec.description,
            args_schema=spec.input_model,
            handle_tool_error=True,
        )

    return [make(spec) for spec in TOOLS] + list(extra)


def _request(brief: Brief, products: dict[str, list[str]]) -> str:
    catalogue = "; ".join(f"{name} ({', '.join(topics)})" for name, topics in products.items())
    return (
        f"Write the outreach brief for account {brief.account_id} ({brief.name}).\n"
        f"Fixed by the scoring core, not to be changed: tier {brief.tier}, score "
        f"{brief.score:g}, next step: {brief.next_step}; contact window {brief.timing.start} "
        f"to {brief.timing.end} ({brief.timing.timezone}).\n"
        f"Our products and the intent topics each addresses: {catalogue}.\n"
        "Call the tools you need, then answer with BriefDraft."
    )


def _fallback(rules: Brief, reason: str) -> Brief:
    return rules.model_copy(update={"generated_by": "rules-fallback", "fallback_reason": reason})


class Deadline(BaseCallbackHandler):
    """Stops the agent before its next model call once the time budget is spent."""

    raise_error = True

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds

    def _check(self) -> None:
        if time.monotonic() > self.ends:
            raise DeadlineExceededError(f"over {self.seconds:g} s")

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self._check()


def _failure(error: Exception, settings: Settings) -> str:
    """Describe a model failure for the rep without the raw error, which may echo a prompt."""
    if isinstance(error, DeadlineExceededError):
        return f"the model did not finish within the budget of {settings.llm_budget:g} s"
    if isinstance(error, openai.APITimeoutError | httpx.TimeoutException):
        attempts = settings.llm_max_retries + 1
        tries = "" if attempts == 1 else f" in any of {attempts} attempts"
        return f"the model did not answer within {settings.llm_timeout:g} s{tries}"
    if isinstance(error, openai.APIStatusError):
        return f"the model server answered HTTP {error.status_code}"
    if isinstance(error, openai.APIConnectionError | httpx.TransportError):
        return "the model server could not be reached"
    if isinstance(error, GraphRecursionError):
        return f"the model did not finish within {RECURSION_LIMIT} steps"
    return "the model's answer was not a valid brief"


def llm_brief(
    deps: ToolDeps,
    account_id: str,
    settings: Settings,
    model: BaseChatModel | None = None,
) -> Brief:
    """Build the brief with the agent and check it with the guardrails.

    Falls back to the rule-based brief when the model fails.
    """
    facts = gather(deps, account_id)
    rules = rules_brief(deps, account_id, facts)
    lookback = deps.config.engagement.lookback_days
    everyone = brief_contacts(facts.group.contacts, facts.group.contacts, lookback)
    model_deps = ToolDeps(
        deps.store, deps.run, deps.library, settings.share_contact_details, deps._config
    )
    log = ToolLog()
    started = time.perf_counter()
    try:
        agent = create_agent(
            model or chat_model(settings),
            langchain_tools(model_deps, log),
            system_prompt=prompts.load("system.md"),
            response_format=ToolStrategy(BriefDraft),
        )
        result = agent.invoke(
            {"messages": [{"role": "user", "content": _request(rules, deps.config.products)}]},
            config={
                "recursion_limit": RECURSION_LIMIT,
                "callbacks": [Deadline(settings.llm_budget)],
            },
        )
        draft = result.get("structured_response")
        if not isinstance(draft, BriefDraft):
            raise StructuredOutputError("no structured response")
    except MODEL_FAILURES as error:
        reason = _failure(error, settings)
        logger.warning(
            "model brief for %s failed after %.1f s: %s (%s)",
            rules.account_id,
            time.perf_counter() - started,
            reason,
            type(error).__name__,
        )
        return _fallback(rules, reason)
    except Exception:
        # Other malformed replies break LangChain's parsing in other ways. The rep still gets a
        # brief, and the traceback goes to the server log.
        logger.exception("model brief for %s failed unexpectedly", rules.account_id)
        return _fallback(rules, "the model's answer could not be used")
    logger.info(
        "model brief for %s: %d tool calls in %.1f s",
        rules.account_id,
        len(log.calls),
        time.perf_counter() - started,
    )
    return apply_guardrails(
        draft,
        rules,
        everyone=everyone,
        library=deps.library,
        products=deps.config.products,
        unsubscribed={
            value
            for contact in facts.group.contacts
            if contact.unsubscribed
            for value in (contact.contact_id, contact.name)
            if value
        },
        tool_outputs=log.outputs,
        tool_calls=log.calls,
    )


def make_brief(
    deps: ToolDeps,
    account_id: str,
    settings: Settings,
    use_llm: bool | None = None,
    model: BaseChatModel | None = None,
) -> Brief:
    """Build the brief with the model when one is configured or requested, else from rules.

    A long-running caller passes the chat `model` it built once; by default one is built here.
    """
    wanted = settings.llm_enabled if use_llm is None else use_llm
    if not wanted:
        return rules_brief(deps, account_id)
    if not settings.llm_enabled:
        raise LLMNotConfiguredError(
            "--llm needs a language model: set OPENAI_API_KEY (and OPENAI_BASE_URL for a "
            "server other than OpenAI's)"
        )
    return llm_brief(deps, account_id, settings, model)
