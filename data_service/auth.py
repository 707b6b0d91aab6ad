"""The service token check, as ASGI middleware so it answers 401 before any body is parsed."""

from __future__ import annotations

import hmac
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from service_kit.contract import DOCS_FILES
from service_kit.problems import problem_response

# Besides the operations the contract opens to anyone, the served contract and its pages.
DOCUMENTATION_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", *DOCS_FILES})


def public_paths(contract: dict[str, Any]) -> frozenset[str]:
    """The paths whose every operation says `security: []` in the contract (the probes,
    the metrics), so that opening or closing one is a contract change, not a code change."""
    public = {
        path
        for path, item in contract["paths"].items()
        if all(
            operation.get("security") == []
            for method, operation in item.items()
            if method in {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
        )
    }
    templated = sorted(path for path in public if "{" in path)
    if templated:
        raise ValueError(f"public templated paths are not supported: {templated}")
    return frozenset(public) | DOCUMENTATION_PATHS


class ServiceTokenMiddleware:
    """Require `Authorization: Bearer <token>` on every path but the public ones."""

    def __init__(self, app: ASGIApp, *, token: str, public: frozenset[str]) -> None:
        self.app = app
        self.public = public
        self.prefix_length = len("bearer ")
        self.token = token.encode()

    def _authorized(self, scope: Scope) -> bool:
        for name, value in scope["headers"]:
            if name == b"authorization":
                scheme, given = value[: self.prefix_length], value[self.prefix_length :]
                return scheme.lower() == b"bearer " and hmac.compare_digest(given, self.token)
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in self.public or self._authorized(scope):
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
