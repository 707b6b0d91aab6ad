"""What the generated server bindings (`generated/contract_servers/`) call at run time.

The generated code stays declarative; the few things it does per request live here once:
reading the bearer token and asking the security scheme's authenticator, parsing a JSON or
form body into its contract model, and writing a plain-text answer. The authenticator protocols
are what a service implements for each security scheme of its contract.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ValidationError
from starlette.responses import Response

from service_kit.errors import UnsupportedMediaType
from service_kit.problems import PROBLEM_JSON

CallerT_co = TypeVar("CallerT_co", covariant=True)
ModelT = TypeVar("ModelT", bound=BaseModel)
_BEARER = "bearer "
_JSON = "application/json"
_FORM = "application/x-www-form-urlencoded"


class BearerAuthenticator(Protocol):
    """An `http` `bearer` scheme that identifies a client (a service token): it is checked,
    and no caller is passed to the handler."""

    async def authenticate(self, token: str | None, *, scopes: frozenset[str]) -> None:
        """Return if `token` may call an operation needing `scopes`; raise `Unauthorized`
        (no or a bad token) or `Forbidden` (a good token without the scopes) otherwise."""
        ...


class CallerAuthenticator(Protocol[CallerT_co]):
    """An `oauth2` scheme that identifies a user: the handler gets the caller it returns."""

    async def authenticate(self, token: str | None, *, scopes: frozenset[str]) -> CallerT_co:
        """The caller `token` names, if it has `scopes`; raise `Unauthorized` or `Forbidden`."""
        ...


def bearer_token(request: Request) -> str | None:
    """The token of `Authorization: Bearer <token>`, or None."""
    value = request.headers.get("authorization", "")
    if value[: len(_BEARER)].lower() != _BEARER:
        return None
    return value[len(_BEARER) :].strip() or None


async def authenticate(
    request: Request, authenticator: BearerAuthenticator | CallerAuthenticator[Any], *, scopes: frozenset[str]
) -> Any:
    """Run the operation's security requirement; the access log records the caller's id."""
    caller = await authenticator.authenticate(bearer_token(request), scopes=scopes)
    caller_id = getattr(caller, "id", None)
    if caller_id is not None:
        request.scope.setdefault("state", {})["user_id"] = caller_id
    return caller


def json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A dependency that parses an `application/json` body into `model` (415 for another
    media type, 422 for a body that is not the model).

    A dependency rather than FastAPI's own body parameter, because FastAPI reads and decodes
    its body parameters before it runs any dependency: an anonymous caller would learn from
    a 415 or 422 what the operation takes before the 401 it is owed. The binding lists the
    security dependency first, so the body is parsed only for a caller it lets through.
    """

    async def parse(request: Request) -> ModelT:
        _require_media_type(request, _JSON)
        try:
            return model.model_validate_json(await request.body())
        except ValidationError as exc:
            raise _invalid_body(exc) from exc

    return parse


def form_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A dependency that parses an `application/x-www-form-urlencoded` body into `model`.

    Parsed with the standard library rather than python-multipart (which FastAPI's `Form()`
    needs): a URL-encoded form is a query string, and the contract model does the validation.
    The first of repeated fields wins, as in FastAPI's own form parsing.
    """

    async def parse(request: Request) -> ModelT:
        _require_media_type(request, _FORM)
        raw = await request.body()
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
        except (UnicodeDecodeError, ValueError) as exc:
            raise RequestValidationError(
                [{"loc": ("body",), "msg": "The body is not a valid form.", "type": "form_invalid"}]
            ) from exc
        fields: dict[str, str] = {}
        for name, value in pairs:
            fields.setdefault(name, value)
        try:
            return model.model_validate(fields)
        except ValidationError as exc:
            raise _invalid_body(exc) from exc

    return parse


def _require_media_type(request: Request, expected: str) -> None:
    given = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if given != expected:
        raise UnsupportedMediaType(f"Send the body as {expected}.")


def _invalid_body(exc: ValidationError) -> RequestValidationError:
    return RequestValidationError(
        [{**error, "loc": ("body", *error["loc"])} for error in exc.errors(include_input=False)]
    )


def text_response(text: str) -> Response:
    """A `text/plain` answer."""
    return Response(text, media_type="text/plain; charset=utf-8")


def declared_problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """A route's `responses=`: the error statuses its operation declares.

    The problem handler reads them to refuse an answer the contract does not declare
    (`service_kit.problems`); the served document is the contract itself, not FastAPI's.
    """
    return {
        status: {"description": HTTPStatus(status).phrase, "content": {PROBLEM_JSON: {}}}
        for status in statuses
    }
