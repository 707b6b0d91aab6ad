"""Domain errors. Services raise these; `problems.install` turns them into RFC 9457 answers.

Nothing here imports FastAPI, so service and repository code can raise them freely.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class DomainError(Exception):
    """An error with an HTTP meaning. Subclasses fix the status, title and problem type."""

    status: int = 500
    title: str = "Internal Server Error"
    slug: str = "internal"

    def __init__(
        self,
        detail: str,
        *,
        headers: Mapping[str, str] | None = None,
        extensions: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = dict(headers or {})
        # Members the contract's Problem schema adds beyond RFC 9457's (`checks`, say).
        self.extensions = dict(extensions or {})

    @property
    def type(self) -> str:
        return f"urn:problem:{self.slug}"


class BadRequest(DomainError):
    status, title, slug = 400, "Bad Request", "bad-request"


class Unauthorized(DomainError):
    status, title, slug = 401, "Unauthorized", "unauthorized"

    def __init__(self, detail: str, *, scheme: str = "Bearer") -> None:
        super().__init__(detail, headers={"WWW-Authenticate": scheme})


class Forbidden(DomainError):
    status, title, slug = 403, "Forbidden", "forbidden"


class NotFound(DomainError):
    status, title, slug = 404, "Not Found", "not-found"


class Conflict(DomainError):
    status, title, slug = 409, "Conflict", "conflict"


class Gone(DomainError):
    """What was asked for existed once and is deliberately gone (events past retention)."""

    status, title, slug = 410, "Gone", "gone"


class PreconditionFailed(DomainError):
    status, title, slug = 412, "Precondition Failed", "precondition-failed"


class PayloadTooLarge(DomainError):
    status, title, slug = 413, "Content Too Large", "payload-too-large"


class UnsupportedMediaType(DomainError):
    status, title, slug = 415, "Unsupported Media Type", "unsupported-media-type"


class TooManyRequests(DomainError):
    status, title, slug = 429, "Too Many Requests", "too-many-requests"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})


class ServiceUnavailable(DomainError):
    """A dependency does not answer; the client should retry after `retry_after` seconds."""

    status, title, slug = 503, "Service Unavailable", "service-unavailable"

    def __init__(
        self, detail: str, *, retry_after: int = 2, extensions: Mapping[str, Any] | None = None
    ) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))}, extensions=extensions)


class NotReady(ServiceUnavailable):
    """A readiness probe failed; `checks` says which dependency is not ready."""

    slug = "not-ready"

    def __init__(self, detail: str, *, checks: Mapping[str, bool], retry_after: int = 2) -> None:
        super().__init__(detail, retry_after=retry_after, extensions={"checks": dict(checks)})
