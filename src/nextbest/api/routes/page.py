"""The rep chat page at `/` and its static files under `/static/`.

The page itself needs no API key. It prompts for one and sends it with every API request.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import Scope

STATIC = Path(__file__).resolve().parent.parent / "static"

# The page loads only its own files and talks only to its own origin, so injected markup
# could neither run a script nor send data elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class _StaticFiles(StaticFiles):
    """Static files that browsers revalidate on each load, so that after an upgrade the page
    does not run old scripts from the cache."""

    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        response.headers["X-Content-Type-Options"] = "nosniff"
        return response


router = APIRouter(include_in_schema=False)
router.mount("/static", _StaticFiles(directory=STATIC), name="static")


@router.api_route("/", methods=["GET", "HEAD"])
def page() -> FileResponse:
    """Serve the chat page; HEAD is for uptime checks."""
    return FileResponse(STATIC / "index.html", media_type="text/html", headers=PAGE_HEADERS)
