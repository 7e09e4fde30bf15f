"""The HTTP service: wires settings, the store, the keys and the routes together."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response

from nextbest.api.deps import Services
from nextbest.api.keys import KeyStore
from nextbest.api.routes import accounts, briefs, health
from nextbest.scoring.store import RunStore
from nextbest.settings import Settings
from nextbest.tools import ContentSource

logger = logging.getLogger("nextbest.api")


def _library(settings: Settings) -> ContentSource | None:
    if not settings.chroma_dir.is_dir():
        return None
    from nextbest.content import ContentLibrary

    return ContentLibrary.from_settings(settings)


def create_app(settings: Settings, db: str | None = None) -> FastAPI:
    """Build the app; heavy objects are made once, when it starts."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = RunStore(db or settings.db)
        app.state.services = Services(settings, store, KeyStore(store), _library(settings))
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
        identifier = request.headers.get("X-Request-ID") or uuid.uuid4().hex[:16]
        response = await call_next(request)
        response.headers["X-Request-ID"] = identifier
        logger.info(
            "%s %s %d request_id=%s",
            request.method,
            request.url.path,
            response.status_code,
            identifier,
        )
        return response

    app.include_router(health.router)
    app.include_router(accounts.router)
    app.include_router(briefs.router)
    if settings.slack_enabled:
        from nextbest.api.slack import mount_slack

        mount_slack(app, settings)
    return app
