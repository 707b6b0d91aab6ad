"""The contract guard: answers what the router cannot, from the contract, before routing."""

from __future__ import annotations

import re
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service_kit.contract import HTTP_METHODS
from service_kit.problems import problem_response


class _TooLarge(Exception):
    pass


class ContractGuardMiddleware:
    """Answer before routing: 405 for a method the contract does not list at a path, 413 for
    a body over `max_body_bytes` (counted as it arrives, whatever Content-Length says).

    The router cannot do the first: `PATCH /users/stats` would reach `PATCH /users/{user_id}`
    and fail as a bad id, though the contract says `/users/stats` is its own path. Media
    types (415) are the generated binding's, after the caller is authenticated.
    """

    def __init__(self, app: ASGIApp, *, contract: dict[str, Any], max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.paths: list[tuple[re.Pattern[str], frozenset[str]]] = []
        # The most literal path wins: compared segment by segment, a literal beats a template.
        for path, item in sorted(
            contract.get("paths", {}).items(),
            key=lambda kv: [segment.startswith("{") for segment in kv[0].split("/")],
        ):
            pattern = re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$")
            operations = {m.upper(): op for m, op in item.items() if m.upper() in HTTP_METHODS}
            methods = set(operations) | ({"HEAD"} if "GET" in operations else set())
            self.paths.append((pattern, frozenset(methods)))

    def _methods(self, path: str) -> frozenset[str] | None:
        return next((methods for pattern, methods in self.paths if pattern.match(path)), None)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = None
        for name, value in scope["headers"]:
            if name == b"content-length":
                length = value
                break
        if length is not None and (not length.isdigit() or int(length) > self.max_body_bytes):
            await self._reject_too_large(scope, receive, send)
            return
        methods = self._methods(scope["path"])
        if methods is not None and scope["method"] not in methods:
            allow = ", ".join(sorted(methods))
            await self._reject(
                scope,
                receive,
                send,
                status=405,
                title="Method Not Allowed",
                slug="http-405",
                detail=f"{scope['method']} is not an operation of this path; it has {allow}.",
                headers={"Allow": allow},
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
            await self._reject_too_large(scope, receive, send)

    async def _reject_too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        detail = f"The request body is larger than {self.max_body_bytes} bytes."
        await self._reject(
            scope,
            receive,
            send,
            status=413,
            title="Content Too Large",
            slug="payload-too-large",
            detail=detail,
        )

    @staticmethod
    async def _reject(
        scope: Scope,
        receive: Receive,
        send: Send,
        *,
        status: int,
        title: str,
        slug: str,
        detail: str,
        headers: dict[str, str] | None = None,
    ) -> None:
        response = problem_response(
            status=status, title=title, type_=f"urn:problem:{slug}", detail=detail, headers=headers
        )
        await response(scope, receive, send)
