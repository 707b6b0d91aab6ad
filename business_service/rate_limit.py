"""The per-caller rate limit, applied before routing to every operation that declares 429.

The caller is the user a valid bearer token names (checked by the process's token
verifier, which remembers verified tokens, so this costs no new verification), or else the
client address. Which operations are limited is read from the contract: those whose
responses declare `429`, so the limit can never answer a status the contract does not list
(the probes and `/metrics` do not declare it, and are never limited).
"""

from __future__ import annotations

import re
from typing import Any

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send

from business_service.caller_limits import CallerLimits, Refusal
from business_service.security import TokenVerifier
from service_kit.contract import HTTP_METHODS
from service_kit.errors import DomainError
from service_kit.problems import problem_response
from service_kit.request_context import current_client_address

log = structlog.get_logger(__name__)
_BEARER = b"bearer "
_POLICY = "caller"


def limited_operations(contract: dict[str, Any]) -> list[tuple[re.Pattern[str], frozenset[str]]]:
    """(path pattern, methods) of the operations that declare 429."""
    limited = []
    for path, item in contract.get("paths", {}).items():
        methods = frozenset(
            method.upper()
            for method, operation in item.items()
            if method.upper() in HTTP_METHODS and "429" in operation.get("responses", {})
        )
        if methods:
            limited.append((re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", path) + "$"), methods))
    return limited


def refusal_headers(refusal: Refusal) -> dict[str, str]:
    """Retry-After, and the IETF draft's RateLimit-Policy and RateLimit fields."""
    return {
        "Retry-After": str(refusal.reset_seconds),
        "RateLimit-Policy": f'"{_POLICY}";q={refusal.limit};w={refusal.window_seconds}',
        "RateLimit": f'"{_POLICY}";r=0;t={refusal.reset_seconds}',
    }


class RateLimitMiddleware:
    """429 problem for a caller over its limit; the limiter and the token verifier are the
    ones the lifespan built (`app.state.resources`), absent until it ran."""

    def __init__(self, app: ASGIApp, *, contract: dict[str, Any]) -> None:
        self.app = app
        self._limited = limited_operations(contract)

    def _is_limited(self, method: str, path: str) -> bool:
        return any(method in methods and pattern.match(path) for pattern, methods in self._limited)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        resources = getattr(scope["app"].state, "resources", None) if scope["type"] == "http" else None
        limits: CallerLimits | None = getattr(resources, "limits", None)
        if limits is None or resources is None or not self._is_limited(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        caller = _caller(scope, resources.tokens)
        refusal = await limits.hit(caller)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        log.warning("request limited", caller_kind=caller.split(":", 1)[0])
        response = problem_response(
            status=429,
            title="Too Many Requests",
            type_="urn:problem:too-many-requests",
            detail=f"More than {refusal.limit} requests in {refusal.window_seconds} s; "
            f"try again in {refusal.reset_seconds} s.",
            instance=scope["path"],
            headers=refusal_headers(refusal),
        )
        await response(scope, receive, send)


def _caller(scope: Scope, tokens: TokenVerifier) -> str:
    for name, value in scope["headers"]:
        if name == b"authorization":
            if value[: len(_BEARER)].lower() == _BEARER:
                token = value[len(_BEARER) :].decode("latin-1").strip()
                try:
                    return f"user:{tokens.verify(token).user_id}"
                except DomainError:
                    break  # not a valid token: the operation will say 401; count by address
            break
    return f"address:{current_client_address()}"
