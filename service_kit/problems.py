"""The one place where errors become RFC 9457 `application/problem+json` answers."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from service_kit.errors import DomainError
from service_kit.request_id import current_request_id

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)


def problem_response(
    *,
    status: int,
    title: str,
    type_: str,
    detail: str | None = None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extensions: Any,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_, "title": title, "status": status}
    if detail is not None:
        body["detail"] = detail
    if instance is not None:
        body["instance"] = instance
    request_id = current_request_id()
    if request_id is not None:
        body["request_id"] = request_id
    body.update(extensions)
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM_JSON)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: the error statuses its contract operation lists, answered as
    problem documents. Only the conformance test reads them (from FastAPI's derived schema);
    the served contract carries the real descriptions."""
    return {
        status: {"description": HTTPStatus(status).phrase, "content": {PROBLEM_JSON: {}}}
        for status in statuses
    }


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        status=exc.status,
        title=exc.title,
        type_=exc.type,
        detail=exc.detail,
        instance=request.url.path,
        headers=exc.headers,
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Only where and why: the rejected input may hold a password, so it is never echoed.
    errors = [
        {
            "loc": [str(p) if not isinstance(p, int) else p for p in e.get("loc", ())],
            "msg": str(e.get("msg", "")),
            "type": str(e.get("type", "")),
        }
        for e in exc.errors()
    ]
    return problem_response(
        status=422,
        title="Unprocessable Content",
        type_="urn:problem:validation",
        detail="The request does not match the contract.",
        instance=request.url.path,
        errors=errors,
    )


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 400:
        # FastAPI's answer to a body it cannot decode; the contract calls that a 422.
        return problem_response(
            status=422,
            title="Unprocessable Content",
            type_="urn:problem:malformed-body",
            detail="The request body could not be parsed.",
            instance=request.url.path,
        )
    # Starlette's 405 carries its `Allow`; the contract guard answers 405 on contract paths.
    headers = dict(exc.headers or {})
    titles = {404: "Not Found", 405: "Method Not Allowed"}
    return problem_response(
        status=exc.status_code,
        title=titles.get(exc.status_code, "Error"),
        type_=f"urn:problem:http-{exc.status_code}",
        detail=str(exc.detail),
        instance=request.url.path,
        headers=headers,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # A bug: log it whole, answer without internals.
    log.error("unhandled error", path=request.url.path, exc_info=exc)
    return problem_response(
        status=500,
        title="Internal Server Error",
        type_="urn:problem:internal",
        detail="An unexpected error occurred; the request id identifies it in the logs.",
        instance=request.url.path,
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
