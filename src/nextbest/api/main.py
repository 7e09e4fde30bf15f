"""The HTTP service: wires settings, the store, the keys and the routes together."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.middleware.cors import CORSMiddleware

from nextbest.api import logs
from nextbest.api.deps import Services
from nextbest.api.jobs import ScoringJobs
from nextbest.api.keys import KeyStore
from nextbest.api.logs import logger
from nextbest.api.routes import accounts, briefs, chat, health, page, runs
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from nextbest.tools import ContentSource

# A request id from the caller is kept when it is short and plain, so it cannot forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")


def _library(settings: Settings) -> ContentSource | None:
    if not settings.chroma_dir.is_dir():
        return None
    from nextbest.content import ContentLibrary

    return ContentLibrary.from_settings(settings)


def create_app(settings: Settings, db: str | None = None) -> FastAPI:
    """Build the app; heavy objects are made once, when it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logs.configure()
        store = RunStore(db or settings.db)
        app.state.services = Services(
            settings, store, KeyStore(store), _library(settings), ScoringJobs(settings, store)
        )
        yield

    app = FastAPI(
        title="nextbest",
        version="1",
        description="Ranked B2B accounts, explained scores and next-best-action briefs.",
        lifespan=lifespan,
    )

    @app.middleware("http")
    async def request_id(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        given = request.headers.get("X-Request-ID", "")
        identifier = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex[:16]
        started = time.perf_counter()
        response = await call_next(request)
        response.headers["X-Request-ID"] = identifier
        # The path only: query strings can carry names, and headers carry the API key.
        logger.info(
            "%s %s %d %.1fms request_id=%s",
            request.method,
            request.url.path,
            response.status_code,
            (time.perf_counter() - started) * 1000,
            identifier,
        )
        return response

    if settings.cors_origins:
        # Closed unless origins are configured; keys travel in a header, never in cookies.
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Location"],
        )

    app.include_router(health.router)
    app.include_router(accounts.router)
    app.include_router(briefs.router)
    app.include_router(chat.router)
    app.include_router(runs.router)
    app.include_router(page.router)
    return app
