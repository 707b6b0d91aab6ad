"""ASGI middleware shared by both services: the contract guard and the access log."""

from __future__ import annotations

import json
import logging
import re
import time
from dataclasses import dataclass
from typing import Any

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.metrics import UNMATCHED_ROUTE, observe_request
from service_kit.request_id import current_request_id

log = structlog.get_logger("access")
_access = logging.getLogger("access")
_PROBLEM_HEADERS = [(b"content-type", b"application/problem+json")]


def _problem(status: int, title: str, slug: str, detail: str) -> bytes:
    body: dict[str, Any] = {"type": f"urn:problem:{slug}", "title": title, "status": status, "detail": detail}
    if (request_id := current_request_id()) is not None:
        body["request_id"] = request_id
    return json.dumps(body).encode()


class _TooLarge(Exception):
    pass


_METHODS = frozenset({"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"})


@dataclass(frozen=True)
class _PathItem:
    methods: frozenset[str]
    bodies: dict[str, set[str]]  # method -> the media types its requestBody lists


class ContractGuardMiddleware:
    """Answer from the contract before routing: 405 for a method the contract does not list
    at a path, 413 for a body over `max_body_bytes`, 415 for a media type it does not list.

    The router cannot do the first: `PATCH /users/stats` would reach `PATCH /users/{user_id}`
    and fail as a bad id, though the contract says `/users/stats` is its own path.
    """

    def __init__(self, app: ASGIApp, *, contract: dict[str, Any], max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.paths: list[tuple[re.Pattern[str], _PathItem]] = []
        # The most literal path wins: compared segment by segment, a literal beats a template.
        for path, item in sorted(
            contract.get("paths", {}).items(),
            key=lambda kv: [segment.startswith("{") for segment in kv[0].split("/")],
        ):
            pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$")
            operations = {m.upper(): op for m, op in item.items() if m.upper() in _METHODS}
            methods = set(operations) | ({"HEAD"} if "GET" in operations else set())
            bodies = {
                method: set(operation["requestBody"].get("content", {}))
                for method, operation in operations.items()
                if operation.get("requestBody")
            }
            self.paths.append((pattern, _PathItem(frozenset(methods), bodies)))

    def _path_item(self, path: str) -> _PathItem | None:
        return next((item for pattern, item in self.paths if pattern.match(path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = content_type = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
            elif name == b"content-type":
                content_type = value
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._reject_too_large(send)
            return
        item = self._path_item(scope["path"])
        if item is not None and scope["method"] not in item.methods:
            allow = ", ".join(sorted(item.methods))
            await self._reject(
                send,
                405,
                "Method Not Allowed",
                "http-405",
                f"{scope['method']} is not an operation of this path; it has {allow}.",
                extra_headers=((b"allow", allow.encode()),),
            )
            return
        expected = item.bodies.get(scope["method"]) if item is not None else None
        if expected is not None:
            given = (content_type or b"").decode("latin-1").split(";")[0].strip().lower()
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
            await self._reject_too_large(send)

    async def _reject_too_large(self, send: Send) -> None:
        detail = f"The request body is larger than {self.max_body_bytes} bytes."
        await self._reject(send, 413, "Content Too Large", "payload-too-large", detail)

    @staticmethod
    async def _reject(
        send: Send,
        status: int,
        title: str,
        slug: str,
        detail: str,
        *,
        extra_headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        body = _problem(status, title, slug, detail)
        headers = [*_PROBLEM_HEADERS, (b"content-length", str(len(body)).encode()), *extra_headers]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})


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
                method=scope["method"] if scope["method"] in _METHODS else "_OTHER",
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
