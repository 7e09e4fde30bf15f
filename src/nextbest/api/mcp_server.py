"""The MCP server: the agent's tools and the outreach brief over the Model Context Protocol.

A rep's desktop assistant starts `nextbest mcp` and talks to it over stdio. Every tool keeps the
name, description and input schema it has in the registry, and returns the compact JSON it gives
the agent, so the assistant gets the same data as the agent.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from mcp import types
from mcp.server import Server, ServerRequestContext
from mcp.server.stdio import stdio_server
from pydantic import Field

from nextbest import __version__
from nextbest.agent.brief import Brief
from nextbest.agent.rules import rules_brief
from nextbest.content import ContentIndexError, ContentLibrary, LocalEmbedder
from nextbest.scoring.errors import NextbestError
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from nextbest.tools import TOOLS, ContentSource, ToolDeps, ToolError, ToolSpec, to_json
from nextbest.tools.accounts import AccountRef
from nextbest.tools.privacy import REDACTED, scrub

logger = logging.getLogger("nextbest.mcp")

INSTRUCTIONS = (
    "Tools over nextbest's scored B2B accounts: ranked lists, scores 0-100 with the reasons "
    "behind them, intent surges, engagement, buying groups, marketing content and outreach "
    "briefs. Scores and tiers come from the latest scoring run; quote them as the tools "
    "return them."
)
# No tool writes anything. The tools read the run store and the content library, and the brief
# may call the configured language model.
READ_ONLY = types.ToolAnnotations(read_only_hint=True)


class BriefRequest(AccountRef):
    llm: bool = Field(
        False,
        description="Have the server's language model write the brief. It needs OPENAI_API_KEY "
        "where the server runs. Default false: rules and templates, fast and deterministic.",
    )


@dataclass
class McpServices:
    """What the server opens once, at start: the settings, the run store and the content library.

    `run_id` pins one run. Without it, every call reads the store's latest run, so a long-running
    assistant session gets new scoring runs as they are stored.
    """

    settings: Settings
    store: RunStore
    library: ContentSource | None = None
    run_id: str | None = None

    def deps(self) -> ToolDeps:
        """Return the tools' dependencies, showing contact details only when the settings allow."""
        return ToolDeps.latest(
            self.store, self.library, self.settings.share_contact_details, self.run_id
        )

    def tools(self) -> list[ToolSpec]:
        """Return the tools offered: the registry's, without content search when no index exists,
        and the outreach brief."""
        offered = [
            spec for spec in TOOLS if spec.name != "search_content" or self.library is not None
        ]
        return [*offered, ToolSpec("outreach_brief", BriefRequest, self.outreach_brief)]

    def outreach_brief(self, deps: ToolDeps, request: BriefRequest) -> Brief:
        """Draft the next best action for one account: whom to contact and in which role,
        channels in order, when, content to send, talking points and ready-to-edit drafts."""
        # The docstring above is the tool's description, written for the model that reads it.
        # Contact emails and phone numbers leave only when the settings allow, as in the tools.
        if request.llm and not self.settings.llm_enabled:
            raise ToolError(
                "this server has no language model configured: set OPENAI_API_KEY (and "
                "OPENAI_BASE_URL for a server other than OpenAI's) in the environment of "
                "`nextbest mcp`, or call outreach_brief without llm"
            )
        if request.llm:
            # Imported here because importing LangChain is slow and most calls never need it.
            from nextbest.agent.llm import llm_brief

            result = llm_brief(deps, request.account_id, self.settings)
        else:
            result = rules_brief(deps, request.account_id)
        if deps.share_contact_details:
            return result
        contacts = [
            contact.model_copy(update={"email": REDACTED}) if contact.email else contact
            for contact in result.contacts
        ]
        redacted = result.model_copy(update={"contacts": contacts}).model_dump()
        return Brief.model_validate(scrub(redacted))


def open_services(
    settings: Settings, db: str | None = None, run_id: str | None = None, need_index: bool = False
) -> McpServices:
    """Open the run store and check it has the run to serve, then open the content library, if
    indexed, with its embedding model loaded, so the first call is as fast as the next.

    Raises:
        NextbestError: the store cannot be opened or has no run (or not `run_id`); the embedder
            cannot be built; `need_index` is set and `settings.chroma_dir` contains no index.
    """
    store = RunStore(db or settings.db)
    store.run(run_id)
    return McpServices(settings, store, _open_library(settings, need_index), run_id)


def _open_library(settings: Settings, need_index: bool) -> ContentLibrary | None:
    folder = settings.chroma_dir
    library = ContentLibrary.from_settings(settings) if folder.is_dir() else None
    if library is None or library.count == 0:
        message = (
            f"no content index at {folder} (collection {settings.content_collection!r}); run "
            "`nextbest content index DIR` on the folder of your content files"
        )
        if need_index:
            raise ContentIndexError(message)
        logger.info("%s; search_content is not offered", message)
        return None
    if isinstance(library.embedder, LocalEmbedder):
        library.embedder.load()
    return library


def list_tools(services: McpServices) -> list[types.Tool]:
    """Describe every tool offered with its registry name, description and input JSON schema."""
    return [
        types.Tool(
            name=spec.name,
            description=spec.description,
            input_schema=spec.input_model.model_json_schema(),
            annotations=READ_ONLY,
        )
        for spec in services.tools()
    ]


# Control characters (tab and line breaks aside): no id or filter has them, and PostgreSQL
# rejects NUL in text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(text=message)], is_error=True)


def _run(services: McpServices, name: str, arguments: dict[str, Any]) -> str:
    specs = {spec.name: spec for spec in services.tools()}
    spec = specs.get(name)
    if spec is None:
        raise ToolError(f"no tool {name!r}; tools: {', '.join(specs)}")
    takes = spec.input_model.model_fields
    unknown = sorted(set(arguments) - set(takes))
    if unknown:
        # Ignoring a misspelt filter would answer a different question.
        raise ToolError(
            f"unknown argument {', '.join(map(repr, unknown))} for {name}; "
            f"it takes: {', '.join(takes)}"
        )
    for key, value in arguments.items():
        if isinstance(value, str) and _CONTROL.search(value):
            raise ToolError(
                f"invalid argument {key} for {name}: control characters are not allowed"
            )
    return to_json(spec.call(services.deps(), arguments))


def call_tool(services: McpServices, name: str, arguments: dict[str, Any]) -> types.CallToolResult:
    """Run one tool call. Every failure becomes an error result with a message, never a crash."""
    started = time.perf_counter()
    try:
        output = _run(services, name, arguments)
    except NextbestError as error:
        # ToolError (unknown account, invalid arguments) and store errors carry a message that
        # states what to do next.
        logger.info("tool %r failed in %.2f s: %s", name, time.perf_counter() - started, error)
        return _error(str(error))
    except Exception:
        error_id = uuid.uuid4().hex[:12]
        logger.exception("tool %r failed unexpectedly, error id %s", name, error_id)
        return _error(
            f"{name} failed unexpectedly; the server's log on standard error has the details "
            f"under error id {error_id}"
        )
    logger.info("tool %r returned in %.2f s", name, time.perf_counter() - started)
    return types.CallToolResult(content=[types.TextContent(text=output)])


def create_server(services: McpServices) -> Server[Any]:
    """Build the low-level MCP server, which serves the registry's own JSON schemas unchanged."""

    async def on_list_tools(
        ctx: ServerRequestContext[Any], params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=list_tools(services))

    async def on_call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        # Tools block on the database, the embedding model and the language model, so they run
        # in a worker thread while the event loop keeps responding to pings and cancellations.
        return await anyio.to_thread.run_sync(
            partial(call_tool, services, params.name, params.arguments or {})
        )

    return Server(
        "nextbest",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=on_list_tools,
        on_call_tool=on_call_tool,
    )


async def _serve_stdio(server: Server[Any]) -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


def serve_stdio(services: McpServices) -> None:
    """Serve over stdin and stdout until the client closes stdin."""
    names = ", ".join(spec.name for spec in services.tools())
    run = services.deps().run
    logger.info(
        "serving %s over stdio; run %s as of %s%s",
        names,
        run.run_id,
        run.as_of.isoformat(),
        "" if services.run_id else " (the latest run at each call)",
    )
    anyio.run(_serve_stdio, create_server(services))
    logger.info("stopped: the client closed the connection")
