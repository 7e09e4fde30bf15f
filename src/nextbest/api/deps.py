"""FastAPI dependencies, declared once as Annotated aliases: the services and the caller."""

from __future__ import annotations

import os
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, TypeVar

import anyio
from fastapi import Depends, HTTPException, Path, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field
from starlette.convertors import Convertor, register_url_convertor

from nextbest.agent.brief import Brief
from nextbest.api.conversations import Conversations
from nextbest.api.jobs import ScoringJobs
from nextbest.api.keys import ApiKey, KeyStore, Scope
from nextbest.api.logs import logger
from nextbest.scoring.errors import StoreError, StoreUnavailableError
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from nextbest.tools import ContentSource

T = TypeVar("T")


class ErrorDetail(BaseModel):
    detail: str = Field(description="What went wrong and, where there is one, the fix.")


NO_MODEL = (
    "no language model is configured on this server (its operator sets OPENAI_API_KEY); "
    "leave llm out or send llm=false for the rule-based answer"
)
NO_MODEL_RESPONSE = {"model": ErrorDetail, "description": "A model was asked for; none is set."}

# The answers every keyed route can give besides its own.
KEYED_RESPONSES: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorDetail, "description": "The body is not valid JSON."},
    401: {"model": ErrorDetail, "description": "The API key is missing or unknown."},
    403: {"model": ErrorDetail, "description": "The API key's scope is too narrow."},
    503: {"model": ErrorDetail, "description": "The run store is unreachable or has no run."},
}


@dataclass
class Services:
    """The services the app builds once, in its lifespan."""

    settings: Settings
    store: RunStore
    keys: KeyStore
    library: ContentSource | None
    jobs: ScoringJobs
    # The chat model client, built once when a model is configured.
    model: BaseChatModel | None = None
    # Threads for short store reads, apart from the pool that slow briefs and chats use.
    # More threads than cores only contend for the interpreter lock: on 2 cores, 2 reader
    # threads served about 10% more lookups than 4, with a lower p99 (benchmarks/api_load.py).
    readers: anyio.CapacityLimiter = field(
        default_factory=lambda: anyio.CapacityLimiter(min(8, max(2, os.cpu_count() or 2)))
    )

    async def read(self, work: Callable[[], T]) -> T:
        """Run a short, blocking store read in one of the reader threads."""
        return await anyio.to_thread.run_sync(work, limiter=self.readers)

    conversations: Conversations = field(default_factory=Conversations)
    # Briefs by (run id, account id, model used), oldest first, for the brief route.
    briefs: dict[tuple[str, str, bool], Brief] = field(default_factory=dict)


class AccountIdConvertor(Convertor[str]):
    """Route converter for an account id that may contain "/", but does not end in "/brief",
    so that GET of an account and POST of its brief stay separate routes."""

    regex = r"(?!.*/brief$).+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("account", AccountIdConvertor())

# Text without control characters (tab and line breaks aside), as a JSON Schema pattern.
PLAIN_TEXT = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

# An account id as the CRM has it; it may contain "/", but no control characters.
AccountIdPath = Annotated[
    str,
    Path(
        description="The account's id in the CRM.",
        max_length=500,
        pattern=r"^[^\x00-\x1f\x7f]+$",
    ),
]
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|[\ud800-\udfff]")


def has_control_characters(text: str) -> bool:
    """Return whether text has control characters other than tab and newlines, or a lone
    surrogate; neither belongs in a name or a question, and databases reject NUL."""
    return _CONTROL.search(text) is not None


def store_failure(error: StoreError, run_id: str | None = None) -> HTTPException:
    """Turn a store error into the HTTP error a client sees, without the store's URL.

    An unreachable store is logged with its reason; an unknown run is a 404.
    """
    if isinstance(error, StoreUnavailableError):
        logger.warning("run store unavailable: %s", error)
        return HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "the run store is unavailable; the server log has the details",
        )
    if run_id:
        return HTTPException(
            status.HTTP_404_NOT_FOUND, f"no run {run_id!r}; GET /v1/runs lists the stored runs"
        )
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "no scoring run yet: an admin starts one with POST /v1/runs, "
        "or runs `nextbest score DATA_DIR`",
    )


async def known_query_only(request: Request, _caller: CallerDep) -> None:
    """Refuse query parameters the route does not take, so a typo is not silently ignored.

    The route's parameters are read from the OpenAPI document, which lists them all.
    """
    route = request.scope.get("route")
    # The document writes {account_id:path} as {account_id}.
    path = re.sub(r"\{(\w+):\w+\}", r"{\1}", getattr(route, "path", ""))
    operation = request.app.openapi().get("paths", {}).get(path, {}).get(request.method.lower(), {})
    known = {
        parameter["name"]
        for parameter in operation.get("parameters", [])
        if parameter.get("in") == "query"
    }
    invalid = [
        {
            "type": "string_pattern_mismatch",
            "loc": ["query", name],
            "msg": "Control characters are not allowed",
            "input": value,
        }
        for name, value in request.query_params.multi_items()
        if name in known and has_control_characters(value)
    ]
    if invalid:
        raise RequestValidationError(invalid)
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ["query", name],
                    "msg": f"Unknown query parameter; this route takes: {takes}",
                    "input": request.query_params[name],
                }
                for name in unknown
            ]
        )


async def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
_bearer = HTTPBearer(auto_error=False, description="An API key from `nextbest api-key create`.")


async def get_caller(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing API key: send `Authorization: Bearer KEY`",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = credentials.credentials
    # A key checked in the last minute is known without the database; else the lookup runs in
    # a worker thread, off the event loop.
    try:
        key = services.keys.remembered(token) or await services.read(
            lambda: services.keys.check(token)
        )
    except StoreError as error:
        raise store_failure(error) from None
    if key is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid API key",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return key


CallerDep = Annotated[ApiKey, Depends(get_caller)]


def require(scope: Scope) -> Callable[[ApiKey], Awaitable[ApiKey]]:
    """Return a dependency that lets through only keys with this scope or a wider one."""

    async def check(caller: CallerDep) -> ApiKey:
        if not caller.allows(scope):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"this API key has scope {caller.scope!r}; this route needs {scope!r}",
            )
        return caller

    return check


ReaderDep = Annotated[ApiKey, Depends(require("read"))]
WriterDep = Annotated[ApiKey, Depends(require("write"))]
AdminDep = Annotated[ApiKey, Depends(require("admin"))]
