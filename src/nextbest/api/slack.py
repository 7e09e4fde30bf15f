"""The Slack bot: the `/nextbest` slash command and mentions, over HTTP or Socket Mode.

Over HTTP, Slack posts to /slack/events. Bolt's request verification rejects with 401 any
request whose `X-Slack-Signature` is missing or is not the HMAC-SHA256 of the body under the
signing secret, and any request whose `X-Slack-Request-Timestamp` is more than 5 minutes away
from now. No handler runs for a rejected request.
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from slack_bolt import Ack, App, Respond, Say
from slack_bolt.adapter.starlette.handler import to_bolt_request, to_starlette_response
from slack_sdk import WebClient

from nextbest.agent.brief import Brief
from nextbest.agent.chat import ChatReply, ChatSession, open_chat
from nextbest.agent.llm import make_brief
from nextbest.api.deps import Services
from nextbest.api.slack_blocks import (
    SlackMessage,
    brief_message,
    escape,
    score_message,
    text_message,
    top_message,
)
from nextbest.scoring.errors import ConfigError, StoreError, StoreUnavailableError
from nextbest.settings import Settings
from nextbest.tools import (
    AccountRef,
    ToolDeps,
    ToolError,
    TopAccountsInput,
    account_score,
    find_account,
    top_accounts,
)
from nextbest.tools.privacy import scrub

logger = logging.getLogger("nextbest.slack")

COMMAND = "/nextbest"
USAGE = (
    "Usage:\n"
    "• `/nextbest top [A|B|C]`: the best-ranked accounts, optionally of one tier\n"
    "• `/nextbest why ACCOUNT`: an account's tier, score, components and reasons\n"
    "• `/nextbest brief ACCOUNT`: whom to contact, on which channel, when, and drafts\n"
    "ACCOUNT is an id such as ACC-000124, or a name or part of one. Mention me in a channel "
    "to ask in plain words; I answer in the thread."
)
NO_RUN = (
    "No scoring run can be read (error {error_id}). Score one with `nextbest score DATA_DIR`; "
    "if runs exist, the service log says why the store cannot be read."
)
FAILED = "Something went wrong (error {error_id}); the service log has the details."
TOP_LIMIT = 10
SESSION_LIMIT = 500
BRIEF_CACHE_SIZE = 200
_MENTION = re.compile(r"<@[A-Z0-9]+(?:\|[^>]*)?>")


class SlackNotConfiguredError(ConfigError):
    """A setting the Slack bot needs is missing."""


def _secret(value: Any) -> str:
    return value.get_secret_value().strip() if value is not None else ""


def slack_client(settings: Settings) -> WebClient:
    """Return a Web API client with the bot token, aimed at `slack_api_url`."""
    return WebClient(
        token=_secret(settings.slack_bot_token) or None, base_url=settings.slack_api_url
    )


@dataclass(frozen=True)
class Command:
    """A parsed `/nextbest` command: its subcommand and the text after it."""

    name: str
    argument: str = ""


def parse_command(text: str) -> Command | str:
    """Parse the text after `/nextbest`, or return the reply to a command that is not valid."""
    name, _, argument = text.strip().partition(" ")
    name, argument = name.lower(), argument.strip()
    if name in ("", "help"):
        return USAGE
    if name == "top":
        if argument and argument.upper() not in ("A", "B", "C"):
            return f"`/nextbest top` takes a tier A, B or C, got {escape(repr(argument))}."
        return Command("top", argument.upper())
    if name in ("why", "brief"):
        if not argument:
            return f"`/nextbest {name}` needs an account: an id such as ACC-000124, or a name."
        return Command(name, argument)
    return f"Unknown subcommand {escape(repr(name))}.\n{USAGE}"


@dataclass
class _Thread:
    """A chat session of one Slack thread, on the run it was opened on."""

    run_id: str
    session: ChatSession
    lock: threading.Lock = field(default_factory=threading.Lock)


class SlackBot:
    """The bolt app over the service's store and content library.

    Each request reads the store's latest run, so a new scoring run is used as soon as it is
    stored. Slack is a third party like a model, so contact emails and phone numbers reach it
    only when `share_contact_details` is set.
    """

    def __init__(self, settings: Settings, services: Callable[[], Services]) -> None:
        self.settings = settings
        self._services = services
        self._threads: OrderedDict[tuple[str, str], _Thread] = OrderedDict()
        self._briefs: OrderedDict[tuple[str, str, bool], Brief] = OrderedDict()
        self._lock = threading.Lock()
        # Token verification (auth.test) is deferred to the first request, so building the app
        # calls no Slack API and a Slack outage cannot stop the service from starting.
        self.app = App(
            # Bolt resets the level of the logger named after the app, so the name must not be
            # one of ours: "nextbest" would silence every nextbest.* INFO line.
            name="nextbest-slack-bot",
            client=slack_client(settings),
            signing_secret=_secret(settings.slack_signing_secret),
            token_verification_enabled=False,
            logger=logging.getLogger("nextbest.slack.bolt"),
        )
        self.app.command(COMMAND)(self.on_command)
        self.app.event("app_mention")(self.on_mention)

    def _deps(self) -> ToolDeps:
        services = self._services()
        return ToolDeps.latest(
            services.store,
            services.library,
            share_contact_details=self.settings.share_contact_details,
        )

    def _shown(self, brief: Brief) -> Brief:
        """Return the brief as Slack may show it: without emails and phone numbers unless
        `share_contact_details` is set. Briefs always carry the CRM's emails."""
        if self.settings.share_contact_details:
            return brief
        return Brief.model_validate(scrub(brief.model_dump()))

    def on_command(self, ack: Ack, command: dict[str, Any], respond: Respond) -> None:
        """Acknowledge `/nextbest` at once, then send the reply to the command's response_url.

        Slack drops a command that is not acknowledged within 3 seconds, and a brief written by
        a model can take longer.
        """
        parsed = parse_command(command.get("text", ""))
        if isinstance(parsed, str):
            ack(text=parsed)
            return
        if parsed.name == "brief":
            ack(text=f"Writing the brief for {escape(parsed.argument)}…")
        else:
            ack()
        started = time.perf_counter()
        message = self._guarded(lambda: self.build_reply(parsed), f"{COMMAND} {parsed.name}")
        response = respond(response_type="ephemeral", **message.as_kwargs())
        logger.info(
            "%s %s from %s: reply sent in %.2fs (response_url HTTP %s)",
            COMMAND,
            parsed.name,
            command.get("user_id"),
            time.perf_counter() - started,
            response.status_code,
        )

    def build_reply(self, command: Command) -> SlackMessage:
        """Build the reply to a valid command. Raises ToolError for an unknown account."""
        deps = self._deps()
        if command.name == "top":
            tier = command.argument or None
            query = TopAccountsInput(tier=tier, limit=TOP_LIMIT)  # type: ignore[arg-type]
            return top_message(top_accounts(deps, query), tier)
        if command.name == "why":
            return score_message(account_score(deps, AccountRef(account_id=command.argument)))
        return brief_message(self._shown(self._brief(deps, command.argument)))

    def _brief(self, deps: ToolDeps, account: str) -> Brief:
        """Build the brief, or reuse the one built for the same run, account and mode."""
        account_id = find_account(deps, account)["account_id"]
        key = (deps.run.run_id, account_id, self.settings.llm_enabled)
        with self._lock:
            cached = self._briefs.get(key)
        if cached is not None:
            return cached
        brief = make_brief(deps, account_id, self.settings, model=self._services().model)
        if brief.generated_by == "rules-fallback":
            # The model failed this time; the next request tries it again.
            return brief
        with self._lock:
            self._briefs[key] = brief
            while len(self._briefs) > BRIEF_CACHE_SIZE:
                self._briefs.popitem(last=False)
        return brief

    def on_mention(self, event: dict[str, Any], say: Say) -> None:
        """Reply to a mention in its thread, with one chat session per thread."""
        thread_ts = event.get("thread_ts") or event["ts"]
        question = _MENTION.sub(" ", event.get("text", "")).strip()
        channel = event.get("channel", "")
        message = self._guarded(lambda: self.chat(channel, thread_ts, question), "mention")
        say(thread_ts=thread_ts, unfurl_links=False, **message.as_kwargs())
        logger.info("replied to a mention from %s in %s", event.get("user"), channel)

    def chat(self, channel: str, thread_ts: str, question: str) -> SlackMessage:
        """Ask the thread's chat session, opening one when the thread or the latest run is new.

        A new scoring run starts a new session, because the old one quotes the old run's scores.
        """
        deps = self._deps()
        key = (channel, thread_ts)
        with self._lock:
            thread = self._threads.get(key)
            if thread is None or thread.run_id != deps.run.run_id:
                thread = _Thread(
                    deps.run.run_id, open_chat(deps, self.settings, model=self._services().model)
                )
                self._threads[key] = thread
            self._threads.move_to_end(key)
            while len(self._threads) > SESSION_LIMIT:
                self._threads.popitem(last=False)
        with thread.lock:
            reply = thread.session.ask(question)
        if reply.brief is not None:
            reply.brief = self._shown(reply.brief)
        return render_reply(reply)

    def _guarded(self, build: Callable[[], SlackMessage], request_name: str) -> SlackMessage:
        """Build a reply, turning failures into a message: the error's own for a user's mistake,
        else an error id that the log line carries with the details."""
        try:
            return build()
        except ToolError as error:
            logger.info("%s rejected: %s", request_name, error)
            return text_message(str(error))
        except StoreError as error:
            error_id = uuid.uuid4().hex[:8]
            level = logging.ERROR if isinstance(error, StoreUnavailableError) else logging.WARNING
            logger.log(level, "%s failed (error %s): %s", request_name, error_id, error)
            return text_message(NO_RUN.format(error_id=error_id))
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            logger.exception("%s failed (error %s)", request_name, error_id)
            return text_message(FAILED.format(error_id=error_id))


def render_reply(reply: ChatReply) -> SlackMessage:
    """Render a chat reply: as a brief, an account or a list when it carries one, else as text."""
    if reply.brief is not None:
        return brief_message(reply.brief)
    if reply.account is not None:
        return score_message(reply.account)
    if reply.accounts is not None:
        return top_message(reply.accounts)
    return text_message(reply.text)


# Seconds since 1970 in ASCII digits; 12 digits reach the year 33658.
_TIMESTAMP = re.compile(r"[0-9]{1,12}")


def mount_slack(app: FastAPI, settings: Settings) -> SlackBot:
    """Serve the bot at `POST /slack/events` of the app, over the services its lifespan builds."""
    bot = SlackBot(settings, lambda: app.state.services)
    app.state.slack = bot

    async def slack_events(request: Request) -> Response:
        signature = request.headers.get("X-Slack-Signature", "")
        if not signature.isascii() or not _TIMESTAMP.fullmatch(
            request.headers.get("X-Slack-Request-Timestamp", "0")
        ):
            # Bolt's verification fails with a server error on a timestamp that is not a number
            # of seconds, including non-ASCII digits and numbers too long to convert.
            return JSONResponse({"error": "invalid request"}, status_code=401)
        body = await request.body()
        try:
            bolt_request = to_bolt_request(request, body)
        except ValueError:
            # Covers a body that is not UTF-8, or not JSON when its content type declares JSON.
            return JSONResponse({"error": "invalid request body"}, status_code=400)
        # Bolt's dispatch blocks until the handler acknowledges, so it runs off the event loop.
        bolt_response = await run_in_threadpool(bot.app.dispatch, bolt_request)
        return to_starlette_response(bolt_response)

    app.add_api_route("/slack/events", slack_events, methods=["POST"], include_in_schema=False)
    return bot


def check_socket_mode(settings: Settings) -> str:
    """Return the app-level token Socket Mode connects with, or raise naming what is missing."""
    app_token = _secret(settings.slack_app_token)
    if not app_token:
        raise SlackNotConfiguredError(
            "Socket Mode needs an app-level token: set NEXTBEST_SLACK_APP_TOKEN to a token "
            "(xapp-...) with the connections:write scope, from the app's Basic Information page"
        )
    if not app_token.startswith("xapp-"):
        raise SlackNotConfiguredError(
            "NEXTBEST_SLACK_APP_TOKEN must be an app-level token starting with xapp-; "
            "bot tokens (xoxb-) go in NEXTBEST_SLACK_BOT_TOKEN"
        )
    if not _secret(settings.slack_bot_token):
        raise SlackNotConfiguredError(
            "the Slack bot needs a bot token: set NEXTBEST_SLACK_BOT_TOKEN (xoxb-...)"
        )
    return app_token


def run_socket_mode(settings: Settings, services: Services) -> None:
    """Connect to Slack over Socket Mode and handle commands and mentions until interrupted."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    app_token = check_socket_mode(settings)
    bot = SlackBot(settings, lambda: services)
    # NOTE: never run against Slack in the tests, which cover only the configuration errors.
    SocketModeHandler(bot.app, app_token).start()
