"""The service token check, as ASGI middleware so it answers 401 before any body is parsed."""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from service_kit.contract import SWAGGER_UI_FILES
from service_kit.problems import problem_response

# Paths anyone may call: the probes, the metrics, and the served contract with Swagger UI's files.
PUBLIC_PATHS = frozenset(
    {"/health", "/ready", "/metrics", "/openapi.json", "/docs", "/docs/oauth2-redirect", *SWAGGER_UI_FILES}
)


class ServiceTokenMiddleware:
    """Require `Authorization: Bearer <token>` on every path but the public ones."""

    def __init__(self, app: ASGIApp, *, token: str) -> None:
        self.app = app
        self.prefix_length = len("bearer ")
        self.token = token.encode()

    def _authorized(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, given = value[: self.prefix_length], value[self.prefix_length :]
                return scheme.lower() == b"bearer " and hmac.compare_digest(given, self.token)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in PUBLIC_PATHS or self._authorized(scope):
            await self.app(scope, receive, send)
            return
        response = problem_response(
            status=401,
            title="Unauthorized",
            type_="urn:problem:unauthorized",
            detail="Send the service token as `Authorization: Bearer <token>`.",
            instance=scope["path"],
            headers={"WWW-Authenticate": "Bearer"},
        )
        await response(scope, receive, send)
