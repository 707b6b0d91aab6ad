"""The server-surface emitter: what it makes of a contract, and what it refuses, loudly."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import httpx
import pytest
from contract_servers import business, data
from fastapi import FastAPI, Header, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute

from service_kit.binding import HeaderParameter, PathParameter, QueryParameter
from service_kit.contract import load_contract
from tools.server_surface import SurfaceError, emit, iter_model_names
from tools.server_surface.writer import route_order

MODELS = Path(__file__).resolve().parents[2] / "generated" / "contract_models"
Edit = Callable[[dict[str, Any]], None]


def emit_data(edit: Edit) -> str:
    contract = copy.deepcopy(load_contract("data"))
    edit(contract)
    models = set(iter_model_names((MODELS / "data.py").read_text()))
    return emit("data", contract, models_module="contract_models.data", models=models)


def _operation(contract: dict[str, Any], path: str = "/users", method: str = "get") -> dict[str, Any]:
    operation: dict[str, Any] = contract["paths"][path][method]
    return operation


def _cookie(c: dict[str, Any]) -> None:
    _operation(c)["parameters"].append({"name": "session", "in": "cookie", "schema": {"type": "string"}})


def _array_query(c: dict[str, Any]) -> None:
    _operation(c)["parameters"].append(
        {"name": "ids", "in": "query", "schema": {"type": "array", "items": {"type": "integer"}}}
    )


def _date_query(c: dict[str, Any]) -> None:
    _operation(c)["parameters"].append(
        {"name": "since", "in": "query", "schema": {"type": "string", "format": "date-time"}}
    )


def _two_successes(c: dict[str, Any]) -> None:
    _operation(c)["responses"]["206"] = {"description": "Part of the page."}


def _redirect(c: dict[str, Any]) -> None:
    _operation(c)["responses"]["302"] = {"description": "Elsewhere."}


def _alternative_security(c: dict[str, Any]) -> None:
    _operation(c)["security"] = [{"serviceToken": []}, {}]


def _api_key(c: dict[str, Any]) -> None:
    c["components"]["securitySchemes"]["key"] = {"type": "apiKey", "in": "header", "name": "X-Key"}
    _operation(c)["security"] = [{"key": []}]


def _inline_body(c: dict[str, Any]) -> None:
    _operation(c, "/users", "post")["requestBody"]["content"]["application/json"]["schema"] = {
        "type": "object"
    }


def _xml_body(c: dict[str, Any]) -> None:
    content = _operation(c, "/users", "post")["requestBody"]["content"]
    content["application/xml"] = content.pop("application/json")


def _two_tags(c: dict[str, Any]) -> None:
    _operation(c)["tags"] = ["users", "outbox"]


def _callbacks(c: dict[str, Any]) -> None:
    _operation(c)["callbacks"] = {"done": {}}


def _no_401(c: dict[str, Any]) -> None:
    del _operation(c)["responses"]["401"]


def _no_415(c: dict[str, Any]) -> None:
    del _operation(c, "/users", "post")["responses"]["415"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _cookie,
            "operation listUsers (GET /users): parameter 'session' in cookie: parameters in cookie are not supported",
        ),
        (
            _array_query,
            "operation listUsers (GET /users): parameter 'ids' in query: only a plain integer, number, string or boolean schema",
        ),
        (
            _date_query,
            "operation listUsers (GET /users): parameter 'since' in query: format 'date-time' is not supported",
        ),
        (
            _two_successes,
            "operation listUsers (GET /users): exactly one 2xx response is supported, not ['200', '206']",
        ),
        (_redirect, "operation listUsers (GET /users): responses ['302'] are not supported"),
        (
            _alternative_security,
            "operation listUsers (GET /users): security must be [] or one requirement of one scheme",
        ),
        (_api_key, "operation listUsers (GET /users): security scheme key of type apiKey is not supported"),
        (_inline_body, "operation createUser (POST /users): request body: the schema must be a $ref"),
        (
            _xml_body,
            "operation createUser (POST /users): request body: media type application/xml is not supported",
        ),
        (_two_tags, "operation listUsers (GET /users): needs exactly one tag"),
        (_callbacks, "operation listUsers (GET /users): not supported: callbacks"),
        (
            _no_401,
            "operation listUsers (GET /users): the binding answers 401 for its security; declare that response",
        ),
        (_no_415, "operation createUser (POST /users): the binding answers 415 for its request body"),
    ],
)
def test_an_unsupported_construct_is_refused_naming_the_operation_and_the_feature(
    edit: Edit, message: str
) -> None:
    with pytest.raises(SurfaceError) as refused:
        emit_data(edit)
    assert str(refused.value).startswith("data: " + message), str(refused.value)


def test_an_undeclared_scope_is_refused() -> None:
    contract = copy.deepcopy(load_contract("business"))
    _operation(contract, "/users/me")["security"] = [{"OAuth2Password": ["root"]}]
    models = set(iter_model_names((MODELS / "business.py").read_text()))
    with pytest.raises(SurfaceError, match=r"operation getMe .*scopes \['root'\] are not declared"):
        emit("business", contract, models_module="contract_models.business", models=models)


def test_routes_keep_the_contract_order_but_literal_paths_come_before_their_templates() -> None:
    paths = [route.path for route in data.create_router().routes if isinstance(route, APIRoute)]
    assert paths.index("/users/stats") < paths.index("/users/{user_id}")
    assert paths.index("/users/by-username/{username}") < paths.index("/users/{user_id}")
    assert route_order(["/users/{user_id}", "/health", "/users/me", "/users/{user_id}/x", "/users/{id}"]) == [
        "/users/me",
        "/users/{user_id}",
        "/health",
        "/users/{user_id}/x",
        "/users/{id}",
    ]
    assert route_order(["/a/{x}/c", "/a/b/{y}", "/a/b/c"]) == ["/a/b/c", "/a/{x}/c", "/a/b/{y}"]


@pytest.mark.parametrize(("module", "name"), [(data, "data"), (business, "business")])
def test_every_operation_is_bound_once_with_its_security_and_statuses(module: Any, name: str) -> None:
    contract = load_contract(name)
    routes = {
        route.operation_id: route for route in module.create_router().routes if isinstance(route, APIRoute)
    }
    declared = {
        operation["operationId"]: (method.upper(), path, operation)
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "operationId" in operation
    }
    assert set(routes) == set(declared)
    for operation_id, (method, path, operation) in declared.items():
        route = routes[operation_id]
        assert (route.methods, route.path) == ({method}, path)
        errors = {int(status) for status in operation["responses"] if status[0] in "45"}
        assert set(route.responses) == errors, operation_id
    assert (contract["info"]["title"], contract["info"]["version"]) == (module.TITLE, module.VERSION)


def test_emitting_twice_gives_the_same_source() -> None:
    assert emit_data(lambda _: None) == emit_data(lambda _: None)


def test_paths_fill_in_and_encode_the_parameters() -> None:
    assert data.Paths.get_user(user_id=42) == "/users/42"
    assert data.Paths.get_user_by_username(username="a b/c") == "/users/by-username/a%20b%2Fc"
    assert business.Paths.get_me() == "/users/me"


# The binding reads parameters itself; FastAPI's own solver is the reference it must match.

TraceLevel = Annotated[int, Header(alias="X-Trace-Level", ge=0, le=3)]
Tenant = Annotated[str, Query(min_length=2, pattern="^[a-z]+$")]
Kind = Annotated[Literal["a", "b"] | None, Query()]
Limit = Annotated[int, Query(ge=1, le=100)]
Item = Annotated[int, FastAPIPath(ge=1)]

_ITEM: PathParameter[int] = PathParameter("item", Item)
_TENANT: QueryParameter[str] = QueryParameter("tenant", Tenant)
_LIMIT: QueryParameter[int] = QueryParameter("limit", Limit, default=20)
_KIND: QueryParameter[str | None] = QueryParameter("kind", Kind, default=None)
_TRACE: HeaderParameter[int] = HeaderParameter("X-Trace-Level", TraceLevel, default=1)


def _errors_as_json(app: FastAPI) -> FastAPI:
    async def answer(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return JSONResponse(jsonable_encoder(exc.errors()), status_code=422)

    app.add_exception_handler(RequestValidationError, answer)
    return app


def _solver_app() -> FastAPI:
    app = _errors_as_json(FastAPI())

    @app.get("/items/{item}")
    async def solved(
        item: Item, tenant: Tenant, trace: TraceLevel = 1, limit: Limit = 20, kind: Kind = None
    ) -> list[Any]:
        return [item, tenant, limit, kind, trace]

    return app


def _binding_app() -> FastAPI:
    app = _errors_as_json(FastAPI())

    @app.get("/items/{item}")
    async def read(request: Request) -> list[Any]:
        errors: list[dict[str, Any]] = []
        item = _ITEM.read(request, errors)
        tenant = _TENANT.read(request, errors)
        limit = _LIMIT.read(request, errors)
        kind = _KIND.read(request, errors)
        trace = _TRACE.read(request, errors)
        if errors:
            raise RequestValidationError(errors)
        return [item, tenant, limit, kind, trace]

    return app


@pytest.mark.parametrize(
    ("url", "headers"),
    [
        ("/items/3?tenant=acme", {}),
        ("/items/3?tenant=acme&limit=7&kind=b", {"x-trace-level": "2"}),
        ("/items/3", {}),  # a required query parameter missing; the optional ones take their defaults
        ("/items/0?tenant=A&limit=0&kind=c", {"X-TRACE-LEVEL": "9"}),  # every parameter bad at once
        ("/items/abc?tenant=&limit=x", {"X-Trace-Level": "high"}),
        ("/items/3?tenant=acme&limit=0&limit=5", {}),  # given twice: the last value counts
        ("/items/3?tenant=acme&limit=5&limit=0", {}),
        ("/items/3?tenant=acme&limit=", {"X-Trace-Level": ""}),  # empty is a value, not missing
        ("/items/3?tenant=acme&x_trace_level=0&X-Trace-Level=0", {"x_trace_level": "0"}),
    ],
)
async def test_the_binding_reads_parameters_with_the_same_values_and_errors_as_fastapis_solver(
    url: str, headers: dict[str, str]
) -> None:
    answers = []
    for app in (_solver_app(), _binding_app()):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            response = await client.get(url, headers=headers)
        answers.append((response.status_code, response.json()))
    assert answers[1] == answers[0]


def test_a_generated_endpoint_reads_header_and_required_query_parameters() -> None:
    def edit(c: dict[str, Any]) -> None:
        _operation(c)["parameters"] += [
            {"name": "tenant", "in": "query", "required": True, "schema": {"type": "string"}},
            {"name": "X-Trace-Level", "in": "header", "schema": {"type": "integer", "minimum": 0}},
        ]

    source = emit_data(edit)
    assert "_QUERY_TENANT: QueryParameter[str] = QueryParameter('tenant', Tenant)" in source
    assert (
        "_HEADER_X_TRACE_LEVEL: HeaderParameter[int | None] = "
        "HeaderParameter('X-Trace-Level', XTraceLevel, default=None)"
    ) in source
    # Errors in FastAPI's order: path, then query (required ones first), then header parameters.
    listing = source[source.index("async def _list_users") :]
    reads = [
        listing.index(f"{name}.read(") for name in ("_QUERY_TENANT", "_QUERY_LIMIT", "_HEADER_X_TRACE_LEVEL")
    ]
    assert reads == sorted(reads)
    assert "Depends" not in source
