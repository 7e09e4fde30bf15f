"""The HTTP service: wires settings, the store, the keys and the routes together."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request, Response, status
from fastapi.encoders import jsonable_encoder
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from nextbest.agent.llm import chat_model
from nextbest.api import logs
from nextbest.api.deps import KEYED_RESPONSES, Services, known_query_only
from nextbest.api.jobs import ScoringJobs
from nextbest.api.keys import KeyStore
from nextbest.api.logs import logger
from nextbest.api.request_ids import RequestIds
from nextbest.api.routes import accounts, briefs, chat, docs, health, page, runs
from nextbest.scoring.store import RunInfo, RunStore
from nextbest.settings import Settings
from nextbest.tools import ContentSource


def _library(settings: Settings) -> ContentSource | None:
    if not settings.chroma_dir.is_dir():
        return None
    from nextbest.content import ContentLibrary

    library = ContentLibrary.from_settings(settings)
    # Load the embedding model now, so that the first search does not wait seconds for it.
    load = getattr(library.embedder, "load", None)
    if load is not None:
        load()
    return library


MAX_BODY_BYTES = 256 * 1024
MAX_ECHOED_INPUT = 200


def _shown_errors(errors: Sequence[Any]) -> list[dict[str, Any]]:
    """Return validation errors safe to send back: each once, and the invalid input cut short.

    FastAPI echoes the whole input, which for a huge or undecodable value makes a huge or
    unencodable answer.
    """
    shown: list[dict[str, Any]] = []
    for error in errors:
        entry = {key: error[key] for key in ("type", "loc", "msg") if key in error}
        value = error.get("input")
        if isinstance(value, str):
            text = value.encode("utf-8", "backslashreplace").decode("utf-8")
            cut = text[:MAX_ECHOED_INPUT]
            entry["input"] = cut + ("…" if len(text) > MAX_ECHOED_INPUT else "")
        elif isinstance(value, int | float | bool) or value is None:
            entry["input"] = value
        if "ctx" in error:
            entry["ctx"] = {key: str(item) for key, item in error["ctx"].items()}
        entry = jsonable_encoder(entry)
        if entry not in shown:
            shown.append(entry)
    return shown


def _alerts(settings: Settings, store: RunStore) -> Callable[[RunInfo | None, RunInfo], None]:
    """Return what runs after each stored run: the Slack tier-A alert, when configured."""

    def after_run(previous: RunInfo | None, saved: RunInfo) -> None:
        if not settings.slack_alerts_enabled or settings.slack_alert_channel is None:
            return
        from nextbest.api.slack import slack_client
        from nextbest.api.slack_alerts import announce_new_tier_a

        # The alert picks the run to compare with, passing over backtests.
        alert = announce_new_tier_a(
            store, slack_client(settings), settings.slack_alert_channel, saved.run_id
        )
        logger.info("%s", alert.summary())

    return after_run


def create_app(settings: Settings, db: str | None = None) -> FastAPI:
    """Build the app; heavy objects are made once, when it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure()
        store = RunStore(db or settings.db)
        jobs = ScoringJobs(settings, store, on_saved=_alerts(settings, store))
        model = chat_model(settings) if settings.llm_enabled else None
        app.state.services = Services(
            settings, store, KeyStore(store), _library(settings), jobs, model=model
        )
        yield

    app = FastAPI(
        title="nextbest",
        version="1",
        description="Ranked B2B accounts, explained scores and next-best-action briefs.",
        lifespan=lifespan,
        # Chat messages are at most 2,000 characters; Slack's payloads are a few kilobytes.
        max_body_size=MAX_BODY_BYTES,
        # /docs is served from local files by routes/docs.py, so it works offline.
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        return JSONResponse(
            {"detail": _shown_errors(error.errors())},
            status.HTTP_422_UNPROCESSABLE_CONTENT,
        )

    app.add_middleware(RequestIds)

    if settings.cors_origins:
        # Closed unless origins are configured; keys travel in a header, never in cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Location"],
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code != status.HTTP_405_METHOD_NOT_ALLOWED:
            return await http_exception_handler(request, error)
        # Starlette names only the first route's methods; list every route's on this path.
        allowed: set[str] = set()
        routes = list(app.router.routes)
        while routes:
            route = routes.pop()
            # FastAPI 0.165 wraps an included router; its own routes carry the methods.
            included = getattr(route, "original_router", None)
            if included is not None:
                routes.extend(included.routes)
                continue
            match, _ = route.matches(request.scope)
            if match != Match.NONE:
                allowed |= getattr(route, "methods", None) or set()
        return JSONResponse(
            {"detail": "Method Not Allowed"},
            status.HTTP_405_METHOD_NOT_ALLOWED,
            headers={"Allow": ", ".join(sorted(allowed))},
        )

    app.include_router(health.router)
    for router in (accounts.router, briefs.router, chat.router, runs.router):
        app.include_router(
            router, responses=KEYED_RESPONSES, dependencies=[Depends(known_query_only)]
        )
    app.include_router(page.router)
    app.include_router(docs.router)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    if settings.slack_enabled:
        from nextbest.api.slack import mount_slack

        mount_slack(app, settings)
    return app


# FastAPI's own validation error schemas come without field descriptions.
_VALIDATION_FIELDS = {
    "HTTPValidationError": {"detail": "One entry per invalid value."},
    "ValidationError": {
        "loc": "Where the value is: body, query or path, then the field names.",
        "msg": "What is wrong with it.",
        "type": "The kind of error, such as missing or string_too_long.",
        "input": "The value as received.",
        "ctx": "Details such as the limit that was exceeded.",
    },
}


def _openapi(app: FastAPI) -> dict[str, Any]:
    """Return the OpenAPI document, every field described, built once."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    # Errors are JSON even where success is a stream of events.
    for operations in document["paths"].values():
        for operation in operations.values():
            for code, answer in operation.get("responses", {}).items():
                content = answer.get("content", {})
                if code != "200" and "text/event-stream" in content:
                    content["application/json"] = content.pop("text/event-stream")
    schemas = document.get("components", {}).get("schemas", {})
    for name, fields in _VALIDATION_FIELDS.items():
        for field_name, text in fields.items():
            spec = schemas.get(name, {}).get("properties", {}).get(field_name)
            if spec is not None:
                spec.setdefault("description", text)
    app.openapi_schema = document
    return document
