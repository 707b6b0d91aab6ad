"""HTTP routes: parse with the generated models, call one service function, return a model."""

from __future__ import annotations

from typing import Any

_DESCRIPTIONS = {
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    422: "Validation Failed",
    429: "Too Many Requests",
    503: "Service Unavailable",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: the error statuses its contract operation lists."""
    return {
        status: {"description": _DESCRIPTIONS[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }
