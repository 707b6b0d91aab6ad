"""Serve the hand-written contract, not FastAPI's derived one, at /openapi.json, /docs
(Swagger UI) and /redoc (ReDoc)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from starlette.responses import FileResponse, HTMLResponse
from starlette.routing import Route

from service_kit.contract import load_contract

# Swagger UI's and ReDoc's own files, served by the app: FastAPI's pages load them from a
# CDN, which a closed network does not reach. They come pinned in the fastapi-offline wheel.
DOCS_STATIC = Path(fastapi_offline.__file__).resolve().parent / "static"
DOCS_FILES = {
    "/docs/swagger-ui-bundle.js": "swagger-ui-bundle.js",
    "/docs/swagger-ui.css": "swagger-ui.css",
    "/docs/favicon.png": "favicon.png",
    "/redoc/redoc.standalone.js": "redoc.standalone.js",
}


# ReDoc styles itself inline and parses the contract in a worker it makes from a blob.
_REDOC_POLICY = (
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src 'self' blob:; connect-src 'self'"
)


def serve_contract(app: FastAPI, name: str) -> None:
    """Make `app.openapi()` (and so /openapi.json, Swagger UI and ReDoc) return the contract."""
    contract = load_contract(name)
    app.openapi = lambda: contract  # type: ignore[method-assign]
    serve_docs_pages(app)


def serve_docs_pages(app: FastAPI) -> None:
    """Replace FastAPI's /docs and /redoc pages by ones that load Swagger UI and ReDoc from
    this app, not a CDN.

    The Swagger UI page keeps the app's settings (`swagger_ui_init_oauth`,
    `swagger_ui_parameters`, the OAuth2 redirect page FastAPI already serves).
    """
    docs_url, redoc_url, openapi_url = app.docs_url, app.redoc_url, app.openapi_url
    if not openapi_url:
        return
    replaced = {docs_url, redoc_url}
    app.router.routes[:] = [
        route for route in app.router.routes if not (isinstance(route, Route) and route.path in replaced)
    ]
    if docs_url:
        _serve_swagger_ui(app, docs_url, openapi_url)
    if redoc_url:

        async def redoc_html(request: Request) -> HTMLResponse:
            root = request.scope.get("root_path", "").rstrip("/")
            page = get_redoc_html(
                openapi_url=root + openapi_url,
                title=f"{app.title} - ReDoc",
                redoc_js_url=f"{root}/redoc/redoc.standalone.js",
                redoc_favicon_url=f"{root}/docs/favicon.png",
                with_google_fonts=False,
            )
            # ReDoc's side menu shows Redocly's logo from their CDN; nothing but this app.
            page.headers["Content-Security-Policy"] = _REDOC_POLICY
            return page

        app.add_route(redoc_url, redoc_html, include_in_schema=False)
    for path, file in DOCS_FILES.items():
        app.add_route(path, _static_file(DOCS_STATIC / file), include_in_schema=False)


def _serve_swagger_ui(app: FastAPI, docs_url: str, openapi_url: str) -> None:

    async def swagger_ui_html(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "").rstrip("/")
        redirect = app.swagger_ui_oauth2_redirect_url
        return get_swagger_ui_html(
            openapi_url=root + openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{root}/docs/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs/favicon.png",
            oauth2_redirect_url=root + redirect if redirect else None,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        )

    app.add_route(docs_url, swagger_ui_html, include_in_schema=False)


def _static_file(path: Path) -> Callable[[Request], Awaitable[FileResponse]]:
    async def serve(_request: Request) -> FileResponse:
        return FileResponse(path, headers={"Cache-Control": "public, max-age=86400"})

    return serve
