"""The one place where errors become RFC 9457 `application/problem+json` answers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import JSONResponse

from service_kit.errors import DomainError
from service_kit.request_context import current_request_id

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


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return problem_response(
        status=exc.status,
        title=exc.title,
        type_=exc.type,
        detail=exc.detail,
        instance=request.url.path,
        headers=exc.headers,
        **exc.extensions,
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


Handler = Callable[[Request, Exception], Awaitable[JSONResponse]]


def _declared_only(handler: Handler, *, refuse: bool) -> Handler:
    """Check the answer's status against those its operation declares (`responses=` of the
    generated binding). The type checker cannot prove which errors a handler raises, so an
    undeclared one is logged as an error; with `refuse` (the tests) it becomes a 500 that
    names the operation, so that a test or the fuzzer fails on it instead of passing it by.
    """

    async def answer(request: Request, exc: Exception) -> JSONResponse:
        response = await handler(request, exc)
        route = request.scope.get("route")
        declared = getattr(route, "responses", None)
        # Outside the contract's operations (an unknown path, the docs pages) nothing is declared.
        if declared is None or response.status_code in declared or response.status_code == 405:
            return response
        operation = getattr(route, "operation_id", None) or request.url.path
        log.error("undeclared status", operation=operation, status=response.status_code)
        if not refuse:
            return response
        return problem_response(
            status=500,
            title="Internal Server Error",
            type_="urn:problem:undeclared-status",
            detail=f"Operation {operation} answered {response.status_code}, which its contract does not declare.",
            instance=request.url.path,
        )

    return answer


def install_problem_handlers(app: FastAPI, *, refuse_undeclared: bool = False) -> None:
    """Answer every error as a problem document; `refuse_undeclared` see `_declared_only`."""
    app.add_exception_handler(DomainError, _declared_only(_domain_error, refuse=refuse_undeclared))
    app.add_exception_handler(
        RequestValidationError, _declared_only(_validation_error, refuse=refuse_undeclared)
    )
    app.add_exception_handler(StarletteHTTPException, _declared_only(_http_error, refuse=refuse_undeclared))
    app.add_exception_handler(Exception, _unexpected)
