"""A request id on every response and one log line per request, as plain ASGI middleware.

It is plain ASGI rather than `@app.middleware("http")`, which wraps every response in a stream
and so costs about a third of a short request's time. Streamed chat responses pass through it
unchanged.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nextbest.api.logs import describe, logger

# A request id from the caller is kept when it is short and plain, so it cannot forge log lines.
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
# Control characters in a decoded path could start a fake log line or colour a terminal; line
# and paragraph separators split lines too, and bidirectional controls reorder what is shown.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
MAX_LOGGED_PATH = 200


def loggable_path(path: str) -> str:
    """Return the path with control characters escaped, cut to MAX_LOGGED_PATH characters."""
    escaped = _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", path)
    if len(escaped) > MAX_LOGGED_PATH:
        return escaped[:MAX_LOGGED_PATH] + "…"
    return escaped


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        presented = next(
            (
                value.decode("latin-1")
                for name, value in scope["headers"]
                if name == b"x-request-id"
            ),
            "",
        )
        identifier = presented if _REQUEST_ID.fullmatch(presented) else uuid.uuid4().hex[:16]
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500, "started": False}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                status["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", identifier.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception as error:
            if type(error).__module__ == "starlette.middleware.body_limit":
                # The body-size limit signals with exceptions after it has answered 413.
                status["code"] = 413
                raise
            # Logged here by type and place only: a traceback's messages can quote what a rep
            # typed. Without this, the server would log the whole traceback.
            status["code"] = 500
            logger.error("request_id=%s failed: %s", identifier, describe(error))
            if not status["started"]:
                await send_with_id(
                    {
                        "type": "http.response.start",
                        "status": 500,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                body = b'{"detail":"internal server error; the server log has the details"}'
                await send({"type": "http.response.body", "body": body})
        finally:
            # The path only: query strings can carry names, and headers carry the API key.
            logger.info(
                "%s %s %d %.1fms request_id=%s",
                loggable_path(scope["method"])[:16],
                loggable_path(scope["path"]),
                status["code"],
                (time.perf_counter() - started) * 1000,
                identifier,
            )
