"""A deliberately broken copy of the data service, to prove the gate can fail.

It is the real app with two planted contract violations: `GET /health` answers with a
field that the contract's `Health` schema (additionalProperties: false) does not allow,
and `GET /users/stats` answers 200 without its required `by_role`.
"""

from __future__ import annotations

import json

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from data_service.app import create_app as create_real_app

PLANTED_FIELD = "uptime_seconds"
PLANTED = {
    "/health": {"status": "ok", PLANTED_FIELD: 12},
    "/users/stats": {"total": 0, "active": 0, "inactive": 0},
}


class _Planted:
    """Answers the planted bodies in front of the real app; everything else goes through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = PLANTED.get(scope.get("path", "")) if scope["type"] == "http" else None
        if body is None or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        content = json.dumps(body).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": content})


def create_app() -> FastAPI:
    app = create_real_app()
    app.add_middleware(_Planted)
    return app
