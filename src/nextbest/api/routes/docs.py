"""The OpenAPI documentation at `/docs`, with Swagger UI served by this server.

FastAPI's own `/docs` loads Swagger UI from a CDN, so it is blank on a machine without internet.
Here Swagger UI's files come from the `fastapi-swagger` package and are served under
`/docs-assets/`. That package ships Swagger UI 5, which reads the OpenAPI 3.1 document that
FastAPI writes; Swagger UI 4 rejects it as having no valid version field.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"

router = APIRouter(include_in_schema=False)
router.mount(ASSETS, StaticFiles(packages=[("fastapi_swagger", "resources")]), name="docs-assets")


@router.get("/docs")
def docs(request: Request) -> HTMLResponse:
    """Serve Swagger UI for the app's OpenAPI document."""
    # Behind a proxy that strips a path prefix, every URL in the page needs that prefix back.
    root = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=root + (request.app.openapi_url or "/openapi.json"),
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=f"{root}{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{root}{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{root}{ASSETS}/favicon-32x32.png",
        oauth2_redirect_url=root + OAUTH2_REDIRECT,
    )


@router.get(OAUTH2_REDIRECT)
def oauth2_redirect() -> HTMLResponse:
    """Serve the page that Swagger UI's OAuth2 login returns to, as FastAPI's `/docs` does."""
    return get_swagger_ui_oauth2_redirect_html()
