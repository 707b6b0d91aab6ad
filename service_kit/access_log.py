"""The access log: one structured line and one metrics observation per request."""

from __future__ import annotations

import logging
import time

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.contract import HTTP_METHODS
from service_kit.metrics import UNMATCHED_ROUTE, observe_request

log = structlog.get_logger("access")
_access = logging.getLogger("access")


class AccessLogMiddleware:
    """One structured line per request (method, route, status, duration, request id, user
    id where known), and the same observation for the request metrics."""

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None)
            observe_request(
                service=self.service,
                # Like the route, the method must not let a client mint label values.
                method=scope["method"] if scope["method"] in HTTP_METHODS else "_OTHER",
                route=route or UNMATCHED_ROUTE,
                status=status,
                seconds=seconds,
            )
            # Checked here: structlog would build the event before its level filter drops it.
            if _access.isEnabledFor(logging.INFO):
                log.info(
                    "request",
                    method=scope["method"],
                    route=route or scope["path"],
                    status=status,
                    duration_ms=round(seconds * 1000, 2),
                    user_id=scope.get("state", {}).get("user_id"),
                )
