"""What the generated server bindings (`generated/contract_servers/`) call at run time.

The generated code stays declarative; the few things it does per request live here once:
reading the bearer token and asking the security scheme's authenticator, reading and checking
path, query and header parameters, parsing a JSON or form body into its contract model, and
writing a plain-text answer. The authenticator protocols are what a service implements for
each security scheme of its contract.

Each generated endpoint takes only the request and does the work itself, in the order the
contract's errors need (the caller's 401/403, then the parameters' 422, then the body's 415
or 422), with parameter readers and body parsers the module builds once at import: FastAPI's
dependency solver, which re-inspects every dependant on every request, would otherwise be
about a quarter of a read's CPU.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable, Mapping
from http import HTTPStatus
from typing import Any, ClassVar, Generic, Protocol, TypeVar, cast
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.warnings import UnsupportedFieldAttributeWarning
from starlette.responses import Response

from service_kit.errors import UnsupportedMediaType
from service_kit.problems import PROBLEM_JSON

CallerT_co = TypeVar("CallerT_co", covariant=True)
ModelT = TypeVar("ModelT", bound=BaseModel)
ValueT = TypeVar("ValueT")
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


_REQUIRED: Any = object()


class Parameter(Generic[ValueT]):
    """One path, query or header parameter of an operation: read from a request and checked
    with the contract's constraints, as FastAPI would (the same errors, word for word).

    `annotation` is the module's `Annotated` alias (`Annotated[int, Path(ge=1)]`): pydantic
    applies the constraints of FastAPI's `Path`/`Query`/`Header` like those of a `Field`.
    Without `default` the parameter is required; a missing optional one takes its default,
    unchecked, as in FastAPI.
    """

    location: ClassVar[str]
    __slots__ = ("_default", "_loc", "_name", "_validate")

    def __init__(self, name: str, annotation: Any, *, default: Any = _REQUIRED) -> None:
        with warnings.catch_warnings():
            # The alias's description, alias or deprecation are for documentation only.
            warnings.simplefilter("ignore", UnsupportedFieldAttributeWarning)
            adapter: TypeAdapter[ValueT] = TypeAdapter(annotation)
        self._validate = adapter.validate_python
        self._name = name
        self._loc = (self.location, name)
        self._default = default

    def _values(self, request: Request) -> Mapping[str, str]:
        raise NotImplementedError

    def read(self, request: Request, errors: list[dict[str, Any]]) -> ValueT:
        """The parameter's value, or (for a missing or bad one) its errors added to `errors`
        and a placeholder to be thrown away: raise `RequestValidationError(errors)` after
        reading all of an operation's parameters, to report them together."""
        raw = self._values(request).get(self._name)
        if raw is None:
            if self._default is _REQUIRED:
                errors.append(_missing(self._loc))
                return cast(ValueT, None)
            return cast(ValueT, self._default)
        try:
            return self._validate(raw)
        except ValidationError as exc:
            errors.extend(
                {**error, "loc": (*self._loc, *error["loc"])} for error in exc.errors(include_url=False)
            )
            return cast(ValueT, None)


class PathParameter(Parameter[ValueT]):
    """A parameter of the path template, from the router's match."""

    location = "path"
    __slots__ = ()

    def _values(self, request: Request) -> Mapping[str, str]:
        path_params: Mapping[str, str] = request.path_params
        return path_params


class QueryParameter(Parameter[ValueT]):
    """A query parameter; given twice, the last value counts (as in FastAPI)."""

    location = "query"
    __slots__ = ()

    def _values(self, request: Request) -> Mapping[str, str]:
        return request.query_params


class HeaderParameter(Parameter[ValueT]):
    """A header, by the contract's name in any case."""

    location = "header"
    __slots__ = ()

    def _values(self, request: Request) -> Mapping[str, str]:
        return request.headers


def _missing(loc: tuple[str, str]) -> dict[str, Any]:
    """FastAPI's error for a required parameter that was not sent."""
    error = ValidationError.from_exception_data(
        "Field required", [{"type": "missing", "loc": loc, "input": {}}]
    ).errors(include_url=False)[0]
    return {**error, "input": None}


def json_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A parser of an `application/json` body into `model` (415 for another media type, 422
    for a body that is not the model).

    Called by the endpoint after the security requirement and the parameters, rather than
    FastAPI's own body parameter, which FastAPI reads and decodes before anything else: an
    anonymous caller would learn from a 415 or 422 what the operation takes before the 401
    it is owed.
    """

    async def parse(request: Request) -> ModelT:
        _require_media_type(request, _JSON)
        try:
            return model.model_validate_json(await request.body())
        except ValidationError as exc:
            raise _invalid_body(exc) from exc

    return parse


def form_body(model: type[ModelT]) -> Callable[[Request], Awaitable[ModelT]]:
    """A parser of an `application/x-www-form-urlencoded` body into `model`.

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
