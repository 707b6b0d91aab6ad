"""ASGI middleware shared by both services: a request-body guard and the access log."""

from __future__ import annotations

import json
import re
import time
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.request_id import current_request_id

log = structlog.get_logger("access")
_PROBLEM_HEADERS = [(b"content-type", b"application/problem+json")]


def _problem(status: int, title: str, slug: str, detail: str) -> bytes:
    body: dict[str, Any] = {"type": f"urn:problem:{slug}", "title": title, "status": status, "detail": detail}
    if (request_id := current_request_id()) is not None:
        body["request_id"] = request_id
    return json.dumps(body).encode()


class _TooLarge(Exception):
    pass


class BodyGuardMiddleware:
    """Refuse bodies over `max_body_bytes` (413) and media types the contract does not list (415).

    The media types come from the contract's `requestBody` of each operation, so the
    rule lives where the API is described and not in every route.
    """

    def __init__(self, app: ASGIApp, *, contract: dict[str, Any], max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        # (path pattern, {method: media types}); literal paths first, as the router matches
        # them, so that `/users/stats` is never taken for `/users/{user_id}`.
        self.paths: list[tuple[re.Pattern[str], dict[str, set[str]]]] = []
        for path, item in sorted(contract.get("paths", {}).items(), key=lambda kv: kv[0].count("{")):
            pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$")
            bodies = {
                method.upper(): set(operation["requestBody"].get("content", {}))
                for method, operation in item.items()
                if isinstance(operation, dict) and operation.get("requestBody")
            }
            self.paths.append((pattern, bodies))

    def _media_types(self, method: str, path: str) -> set[str] | None:
        for pattern, bodies in self.paths:
            if pattern.match(path):
                return bodies.get(method)
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        length = headers.get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._reject(
                send,
                413,
                "Content Too Large",
                "payload-too-large",
                f"The request body is larger than {self.max_body_bytes} bytes.",
            )
            return
        expected = self._media_types(scope["method"], scope["path"])
        if expected is not None:
            given = headers.get(b"content-type", b"").decode("latin-1").split(";")[0].strip().lower()
            if given not in expected:
                await self._reject(
                    send,
                    415,
                    "Unsupported Media Type",
                    "unsupported-media-type",
                    f"Send the body as {' or '.join(sorted(expected))}.",
                )
                return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise _TooLarge
            return message

        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except _TooLarge:
            if started:
                raise
            await self._reject(
                send,
                413,
                "Content Too Large",
                "payload-too-large",
                f"The request body is larger than {self.max_body_bytes} bytes.",
            )

    @staticmethod
    async def _reject(send: Send, status: int, title: str, slug: str, detail: str) -> None:
        body = _problem(status, title, slug, detail)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [*_PROBLEM_HEADERS, (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})


class AccessLogMiddleware:
    """One structured line per request: method, route, status, duration (and the request id)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            route = scope.get("route")
            log.info(
                "request",
                method=scope["method"],
                route=getattr(route, "path", scope["path"]),
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
                user_id=scope.get("state", {}).get("user_id"),
            )
