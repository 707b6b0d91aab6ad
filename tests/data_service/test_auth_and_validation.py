"""The service token, contract guard and validation answers, before anything reaches PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from service_kit.contract import load_contract
from tests.data_service.conftest import make_user
from tests.infra import user_body


def _operations(*, public: bool) -> list[tuple[str, str]]:
    """Every operation of the contract that is (or is not) open without the token, with ids filled in."""
    contract = load_contract("data")
    return [
        (method.upper(), path.replace("{user_id}", "1").replace("{username}", "ada"))
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and "responses" in operation
        and (operation.get("security") == []) is public
    ]


PROTECTED = _operations(public=False)
PUBLIC = _operations(public=True)


def test_the_contract_opens_only_the_probes_and_metrics() -> None:
    assert sorted(PUBLIC) == [("GET", "/health"), ("GET", "/metrics"), ("GET", "/ready")]
    assert len(PROTECTED) == 14


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic dGVzdA=="}, {"Authorization": "Bearer"}],
)
@pytest.mark.parametrize(("method", "path"), PROTECTED)
async def test_missing_or_wrong_token_is_401(
    data_app: FastAPI, method: str, path: str, headers: dict[str, str]
) -> None:
    transport = httpx.ASGITransport(app=data_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://data") as anonymous:
        # An invalid body (and a wrong media type) must not turn the 401 into a 422 or 415.
        response = await anonymous.request(method, path, headers=headers, content=b"{not json")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response.json()["request_id"] == response.headers["X-Request-ID"]


async def test_probes_and_contract_need_no_token(data_app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=data_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://data") as anonymous:
        for method, path in PUBLIC:
            assert (await anonymous.request(method, path)).status_code == 200, path
        assert (await anonymous.get("/health")).json() == {"status": "ok"}
        assert (await anonymous.get("/ready")).status_code == 200
        contract = (await anonymous.get("/openapi.json")).json()
        assert contract["info"]["title"] == "Data API"
        assert (await anonymous.get("/docs")).status_code == 200


async def test_unknown_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/users", json=user_body(is_admin=True))
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["body", "is_admin"]
    user = await make_user(client)
    assert (await client.patch(f"/users/{user['id']}", json={"version": 1, "x": 1})).status_code == 422


@pytest.mark.parametrize(
    "body",
    [
        {"version": 1, "full_name": None},
        {"version": None},
        {"full_name": "no version"},
        {"version": 0},
        {"version": 1, "email": "not-an-email"},
        {"version": 1, "username": "a b"},
        {"version": 1, "username": "ab"},
        {"version": 1, "role": "root"},
        {"version": 1, "hashed_password": "plain"},
        {"version": 1, "full_name": "tab\there"},
        {"version": 1, "full_name": "nul\x00"},
        {"version": 1, "full_name": "x" * 101},
        {"version": 1, "is_active": None},
    ],
)
async def test_invalid_patch_is_422(client: httpx.AsyncClient, body: dict[str, object]) -> None:
    user = await make_user(client)
    response = await client.patch(f"/users/{user['id']}", json=body)
    assert response.status_code == 422, response.text
    assert "errors" in response.json()


async def test_lone_surrogate_is_422_not_500(client: httpx.AsyncClient) -> None:
    raw = b'{"email":"s@example.com","username":"sur","hashed_password":"$h","full_name":"\\ud800"}'
    response = await client.post("/users", content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    user = await make_user(client)
    patch = b'{"version":1,"full_name":"a\\udfffb"}'
    response = await client.patch(
        f"/users/{user['id']}", content=patch, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    # UTF-8 of a surrogate in the query string: decoded with replacement, never a 500.
    response = await client.get("/users?q=%ED%A0%80")
    assert response.status_code in (200, 422)


@pytest.mark.parametrize("user_id", ["0", "-1", str(2**63), "abc", "1.5"])
async def test_out_of_range_user_id_is_422(client: httpx.AsyncClient, user_id: str) -> None:
    assert (await client.get(f"/users/{user_id}")).status_code == 422
    assert (await client.delete(f"/users/{user_id}")).status_code == 422


async def test_largest_user_id_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"/users/{2**63 - 1}")).status_code == 404


async def test_bad_username_path_is_422(client: httpx.AsyncClient) -> None:
    assert (await client.get("/users/by-username/a%20b")).status_code == 422
    assert (await client.get(f"/users/by-username/{'x' * 33}")).status_code == 422


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/users", content=b"{", headers={"Content-Type": "application/json"})
    assert response.status_code == 422


async def test_wrong_media_type_is_415_and_big_body_is_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/users", content=b"email=x", headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    big = user_body(full_name="x" * 70000)
    response = await client.post("/users", json=big)
    assert response.status_code == 413


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        # Found by schemathesis: the router took `/users/stats` for `/users/{user_id}` (422).
        ("PATCH", "/users/stats", "GET, HEAD"),
        ("DELETE", "/users/stats", "GET, HEAD"),
        ("PUT", "/users/1", "DELETE, GET, HEAD, PATCH"),
        ("DELETE", "/users", "GET, HEAD, POST"),
        ("POST", "/users/by-username/ada", "GET, HEAD"),
        ("GET", "/outbox/claim", "POST"),
        ("TRACE", "/health", "GET, HEAD"),
    ],
)
async def test_a_method_the_contract_does_not_list_is_405(
    client: httpx.AsyncClient, method: str, path: str, allow: str
) -> None:
    response = await client.request(method, path, json={"version": 1})
    assert response.status_code == 405
    assert response.headers["Allow"] == allow
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 405


async def test_a_path_outside_the_contract_keeps_the_routers_405(client: httpx.AsyncClient) -> None:
    response = await client.post("/openapi.json")
    assert response.status_code == 405
    assert sorted(response.headers["Allow"].split(", ")) == ["GET", "HEAD"]
    assert response.headers["content-type"] == "application/problem+json"
