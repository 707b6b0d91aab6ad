"""Who may do what: every operation as anonymous, as a user on themselves, on someone else, as admin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from service_kit.contract import load_contract
from tests.business_service.conftest import Business, admin_token, bearer, register, token_for


@dataclass(frozen=True)
class Case:
    method: str
    path: str  # {self} is the caller's own id, {other} someone else's
    body: dict[str, Any] | None
    statuses: dict[str, int]  # caller -> expected status


CASES = [
    Case("GET", "/users/me", None, {"anonymous": 401, "user": 200, "admin": 200}),
    Case("PATCH", "/users/me", {"full_name": "X"}, {"anonymous": 401, "user": 200, "admin": 200}),
    Case(
        "POST",
        "/users/me/password",
        {"current_password": "wrong-password", "new_password": "new-password-1"},
        {"anonymous": 401, "user": 403, "admin": 403},
    ),
    Case("GET", "/users", None, {"anonymous": 401, "user": 403, "admin": 200}),
    Case("GET", "/users/stats", None, {"anonymous": 401, "user": 403, "admin": 200}),
    Case("GET", "/users/{self}", None, {"anonymous": 401, "user": 200, "admin": 200}),
    Case("GET", "/users/{other}", None, {"anonymous": 401, "user": 403, "admin": 200}),
    Case("PATCH", "/users/{self}", {"is_active": True}, {"anonymous": 401, "user": 403, "admin": 200}),
    Case("PATCH", "/users/{other}", {"is_active": False}, {"anonymous": 401, "user": 403, "admin": 200}),
    Case("DELETE", "/users/{self}", None, {"anonymous": 401, "user": 403, "admin": 409}),
    Case("DELETE", "/users/{other}", None, {"anonymous": 401, "user": 403, "admin": 204}),
    Case("POST", "/auth/logout", None, {"anonymous": 401, "user": 204, "admin": 204}),
    # This app has no broker (RABBITMQ_URL unset): an admin is let through, to a 503.
    Case("POST", "/events/replay", {"queue": "q"}, {"anonymous": 401, "user": 403, "admin": 503}),
]


@pytest.mark.parametrize("caller", ["anonymous", "user", "admin"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.method} {c.path}")
async def test_authorization(business: Business, case: Case, caller: str) -> None:
    client = business.client
    await register(client, "alice")
    other = await register(client, "bob")
    headers: dict[str, str] = {}
    if caller == "user":
        headers = bearer(await token_for(client, "alice"))
    elif caller == "admin":
        headers = bearer(await admin_token(client))
    me = (await client.get("/users/me", headers=headers)).json() if headers else {"id": 1}
    path = case.path.format(self=me["id"], other=other["id"])
    response = await client.request(case.method, path, headers=headers, json=case.body)
    assert response.status_code == case.statuses[caller], response.text
    if response.status_code >= 400:
        assert response.headers["content-type"] == "application/problem+json"
    if response.status_code == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"


async def test_401_comes_before_validation(business: Business) -> None:
    client = business.client
    assert (await client.get("/users/0")).status_code == 401
    assert (await client.get("/users", params={"limit": 0})).status_code == 401
    assert (await client.patch("/users/me", json={"nope": 1})).status_code == 401


async def test_validation_and_media_type_problems(business: Business) -> None:
    client = business.client
    headers = bearer(await admin_token(client))
    assert (await client.get("/users/0", headers=headers)).status_code == 422
    assert (await client.get("/users", headers=headers, params={"limit": 101})).status_code == 422
    assert (await client.patch("/users/me", headers=headers, json={"email": None})).status_code == 422
    wrong_type = await client.post("/auth/register", content=b"x", headers={"Content-Type": "text/plain"})
    assert wrong_type.status_code == 415
    too_big = await client.post("/auth/register", json={"username": "x" * 70000})
    assert too_big.status_code == 413
    form_as_json = await client.post("/auth/token", json={"username": "a", "password": "b"})
    assert form_as_json.status_code == 415


async def test_a_method_the_contract_does_not_list_is_405_even_before_auth(business: Business) -> None:
    # `/users/me` and `/users/stats` are paths of their own, not ids of `/users/{user_id}`.
    for method, path, allow in (
        ("DELETE", "/users/me", "GET, HEAD, PATCH"),
        ("PATCH", "/users/stats", "GET, HEAD"),
        ("GET", "/auth/token", "POST"),
    ):
        response = await business.client.request(method, path)
        assert response.status_code == 405, (method, path)
        assert response.headers["Allow"] == allow
        assert response.headers["content-type"] == "application/problem+json"


def test_every_protected_operation_of_the_contract_is_in_the_matrix() -> None:
    # A new operation must join CASES (or be declared public with `security: []`).
    contract = load_contract("business")
    protected = {
        (method.upper(), path)
        for path, item in contract["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation and operation.get("security") != []
    }
    covered = {
        (case.method, case.path.replace("{self}", "{user_id}").replace("{other}", "{user_id}"))
        for case in CASES
    }
    assert protected == covered
