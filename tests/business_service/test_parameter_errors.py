"""The 422 answer to bad path and query parameters, word for word, and the 401 or 403 before it.

The expected bodies are what the service answered while FastAPI's dependency solver still
read the parameters; the generated binding reads them itself now and must say the same.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.business_service.conftest import Business, admin_token, bearer, register, token_for
from tests.infra import GE_1, LIST_QUERY_CASES, NOT_INT, invalid

CASES: list[tuple[str, str, dict[str, Any]]] = [
    *(("admin", path, body) for path, body in LIST_QUERY_CASES),
    ("admin", "/users?limit=5&limit=0", invalid("/users", (("query", "limit"), GE_1, "greater_than_equal"))),
    ("user", "/users/0", invalid("/users/0", (("path", "user_id"), GE_1, "greater_than_equal"))),
    ("user", "/users/abc", invalid("/users/abc", (("path", "user_id"), NOT_INT, "int_parsing"))),
]


@pytest.mark.parametrize(("who", "path", "expected"), CASES, ids=[path for _, path, _ in CASES])
async def test_bad_parameters_get_the_same_422_body_as_fastapis_solver_gave(
    business: Business, who: str, path: str, expected: dict[str, Any]
) -> None:
    if who == "admin":
        token = await admin_token(business.client)
    else:
        await register(business.client, "ada")
        token = await token_for(business.client, "ada")
    response = await business.client.get(path, headers=bearer(token))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body.pop("request_id") == response.headers["X-Request-ID"]
    assert body == expected


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/users/0"), ("GET", "/users/abc"), ("GET", "/users?limit=0&offset=-1")]
)
async def test_an_anonymous_caller_gets_401_before_any_422(
    business: Business, method: str, path: str
) -> None:
    response = await business.client.request(method, path)
    assert response.status_code == 401
    assert response.json()["type"] == "urn:problem:unauthorized"


@pytest.mark.parametrize(("method", "path"), [("GET", "/users?limit=0"), ("DELETE", "/users/abc")])
async def test_a_caller_without_the_admin_scope_gets_403_before_any_422(
    business: Business, method: str, path: str
) -> None:
    await register(business.client, "ada")
    token = await token_for(business.client, "ada")
    response = await business.client.request(method, path, headers=bearer(token))
    assert response.status_code == 403
    assert response.json()["type"] == "urn:problem:forbidden"
