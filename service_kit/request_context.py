"""What is known of the request being served, for code that has no `Request`: its id (a sane
`X-Request-ID` kept, else a new one, exposed to logs, outgoing calls, events and the caller)
and the client's address (login limits count per address)."""

from __future__ import annotations

import os
import re
from contextvars import ContextVar

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_VALID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_current: ContextVar[str | None] = ContextVar("request_id", default=None)
_client: ContextVar[str] = ContextVar("client_address", default="unknown")


def current_request_id() -> str | None:
    """The id of the request being served, for outgoing calls and events."""
    return _current.get()


def current_client_address() -> str:
    """The address of the client being served (the proxy's, unless uvicorn is told to
    trust its `X-Forwarded-For`); "unknown" outside a request."""
    return _client.get()


class RequestContextMiddleware:
    """Pure ASGI middleware (no BaseHTTPMiddleware: it would copy every body and break streaming)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope["headers"]:
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        # A caller's id is kept only if it is safe to log and to echo in a header.
        request_id = given if _VALID.match(given) else os.urandom(16).hex()
        token = _current.set(request_id)
        client = scope.get("client")
        client_token = _client.set(client[0] if client else "unknown")
        structlog.contextvars.bind_contextvars(request_id=request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            _client.reset(client_token)
            _current.reset(token)
