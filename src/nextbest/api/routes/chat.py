"""The rep's chat as a stream of server-sent events; a conversation id keeps the context."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.sse import EventSourceResponse, ServerSentEvent
from pydantic import BaseModel, ConfigDict, Field, field_validator

from nextbest.agent.chat import AgentChat, ChatReply, open_chat
from nextbest.agent.llm import LLMNotConfiguredError
from nextbest.api.conversations import Conversation
from nextbest.api.deps import (
    NO_MODEL,
    NO_MODEL_RESPONSE,
    PLAIN_TEXT,
    ErrorDetail,
    ServicesDep,
    WriterDep,
    has_control_characters,
    store_failure,
)
from nextbest.api.logs import describe, logger
from nextbest.scoring.errors import StoreError
from nextbest.tools import ToolDeps

router = APIRouter(prefix="/v1", tags=["chat"])
# The answer is sent line by line, each line with its newline.
_LINES = re.compile(r"[^\n]*\n|[^\n]+")

EVENTS = """Events, each `event: NAME` with a JSON `data:` line, in this order:

- `start` `{"conversation_id": str, "mode": "rules" | "llm"}`;
- `delta` `{"text": str}`, zero or more: the answer text in order, newlines included;
- `brief`: a brief, as `POST /v1/accounts/{account_id}/brief` returns it, when the answer has one;
- `accounts`: `{"accounts": [...], "as_of": str, "run_id": str}` when it lists accounts;
- `account`: one account's score, tier, components and reasons when it explains one;
- `done` `{"conversation_id": str, "generated_by": "rules" | "llm" | "rules-fallback"}`;
- `error` `{"message": str}` instead of `done` when the turn failed.

Comment lines (`: ping`) keep the connection open while the answer is being prepared."""


class ChatRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(
        min_length=1,
        max_length=2000,
        pattern=PLAIN_TEXT,
        description='What the rep asks, such as "top tier A accounts" or "brief for Acme".',
    )
    conversation_id: str | None = Field(
        None,
        max_length=64,
        description="Continue this conversation; omit it to start a new one. Conversations "
        "live in the server's memory and end after four idle hours or a restart.",
    )
    llm: bool | None = Field(
        None,
        description="Use the language model for a new conversation; default: when one is "
        "configured. Ignored when continuing a conversation.",
    )

    @field_validator("message")
    @classmethod
    def _plain_text(cls, message: str) -> str:
        if has_control_characters(message):
            raise ValueError("the message contains a lone surrogate, which is not valid Unicode")
        return message


def conversation_for(
    request: ChatRequest, services: ServicesDep, caller: WriterDep
) -> Conversation:
    """Return the conversation to continue, or start one; 404 for an unknown id.

    A conversation continued after a new scoring run gets a new session on that run, as a
    Slack thread does, so it never answers from an outdated run.
    """
    found = None
    if request.conversation_id is not None:
        found = services.conversations.get(request.conversation_id, caller.key_id)
        if found is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                f"no conversation {request.conversation_id!r}: it ended or was never started; "
                "send the message without conversation_id to start a new one",
            )
    try:
        deps = ToolDeps.latest(services.store, services.library)
    except StoreError as error:
        raise store_failure(error) from None
    if found is not None:
        if found.run_id != deps.run.run_id:
            found.session = open_chat(deps, services.settings, found.mode == "llm", services.model)
            found.run_id = deps.run.run_id
        return found
    try:
        session = open_chat(deps, services.settings, request.llm, services.model)
    except LLMNotConfiguredError:
        raise HTTPException(status.HTTP_409_CONFLICT, NO_MODEL) from None
    mode = "llm" if isinstance(session, AgentChat) else "rules"
    return services.conversations.start(caller.key_id, session, mode, deps.run.run_id)


def _events(conversation: Conversation, reply: ChatReply) -> list[ServerSentEvent]:
    events = [
        ServerSentEvent(event="delta", data={"text": line}) for line in _LINES.findall(reply.text)
    ]
    if reply.brief is not None:
        events.append(ServerSentEvent(event="brief", data=reply.brief.model_dump(mode="json")))
    if reply.accounts is not None:
        events.append(
            ServerSentEvent(event="accounts", data=reply.accounts.model_dump(mode="json"))
        )
    if reply.account is not None:
        events.append(ServerSentEvent(event="account", data=reply.account.model_dump(mode="json")))
    events.append(
        ServerSentEvent(
            event="done",
            data={
                "conversation_id": conversation.conversation_id,
                "generated_by": reply.generated_by,
            },
        )
    )
    return events


@router.post(
    "/chat",
    response_class=EventSourceResponse,
    description=EVENTS,
    responses={
        409: NO_MODEL_RESPONSE,
        404: {"model": ErrorDetail, "description": "No such conversation for this key."},
    },
)
async def chat(
    request: ChatRequest,
    conversation: Annotated[Conversation, Depends(conversation_for)],
) -> AsyncIterator[ServerSentEvent]:
    """Answer one chat message as a stream of server-sent events."""
    yield ServerSentEvent(
        event="start",
        data={"conversation_id": conversation.conversation_id, "mode": conversation.mode},
    )
    async with conversation.lock:
        try:
            reply = await run_in_threadpool(conversation.session.ask, request.message)
        except Exception as error:
            logger.error("chat turn failed: %s", describe(error))
            yield ServerSentEvent(
                event="error",
                data={"message": "the answer failed on the server; the log has the details"},
            )
            return
    for event in _events(conversation, reply):
        yield event
