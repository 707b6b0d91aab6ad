"""A deliberately broken copy of the data service, to prove the gate can fail.

It is the real app with one planted contract violation: `GET /health` answers with a
field that the contract's `Health` schema (additionalProperties: false) does not allow,
and `GET /users/stats` answers 200 without its required `by_role`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from data_service.app import create_app as create_real_app

PLANTED_FIELD = "uptime_seconds"


def create_app() -> FastAPI:
    app = create_real_app()
    app.router.routes = [
        r
        for r in app.router.routes
        if not (isinstance(r, APIRoute) and r.path in {"/health", "/users/stats"})
    ]

    @app.get("/health", operation_id="getHealth")
    async def planted_health() -> dict[str, Any]:
        return {"status": "ok", PLANTED_FIELD: 12}

    @app.get("/users/stats", operation_id="getUserStats")
    async def planted_stats() -> dict[str, Any]:
        return {"total": 0, "active": 0, "inactive": 0}

    return app
