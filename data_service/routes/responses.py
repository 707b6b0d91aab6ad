"""The error statuses each route declares, so the derived schema lists what the contract lists."""

from __future__ import annotations

from typing import Any

_DESCRIPTIONS = {
    401: "The service token is missing or wrong.",
    404: "No such user.",
    409: "The email or username is taken by another user.",
    412: "The given version is not the stored one; reread and try again.",
    413: "The request body is larger than the service accepts.",
    415: "The request body is not `application/json`.",
    422: "The request does not match the contract; `errors` says where.",
    503: "The database does not answer; try again after `Retry-After` seconds.",
}


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for FastAPI: each status answered with an `application/problem+json` document."""
    return {
        status: {"description": _DESCRIPTIONS[status], "content": {"application/problem+json": {}}}
        for status in statuses
    }
