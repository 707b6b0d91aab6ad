"""The 422 answer to bad path and query parameters, word for word, and the 401 before it.

The expected bodies are what the service answered while FastAPI's dependency solver still
read the parameters; the generated binding reads them itself now and must say the same.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.infra import GE_1, LIST_QUERY_CASES, NOT_INT, invalid

CASES: list[tuple[str, dict[str, Any]]] = [
    *LIST_QUERY_CASES,
    # A query parameter given twice: the last value counts.
    ("/users?limit=5&limit=0", invalid("/users", (("query", "limit"), GE_1, "greater_than_equal"))),
    (
        "/users?q=a%00b",
        invalid(
            "/users",
            (
                ("query", "q"),
                "String should match pattern '^[^\\x00-\\x1f\\x7f]+$'",
                "string_pattern_mismatch",
            ),
        ),
    ),
    ("/users/0", invalid("/users/0", (("path", "user_id"), GE_1, "greater_than_equal"))),
    ("/users/abc", invalid("/users/abc", (("path", "user_id"), NOT_INT, "int_parsing"))),
    (
        f"/users/{2**63}",
        invalid(
            f"/users/{2**63}",
            (
                ("path", "user_id"),
                "Input should be less than or equal to 9223372036854775807",
                "less_than_equal",
            ),
        ),
    ),
    (
        "/users/by-username/a%20b",
        invalid(
            "/users/by-username/a b",
            (
                ("path", "username"),
                "String should match pattern '^[A-Za-z0-9._-]+$'",
                "string_pattern_mismatch",
            ),
        ),
    ),
    (
        "/users/by-username/ab",
        invalid(
            "/users/by-username/ab",
            (("path", "username"), "String should have at least 3 characters", "string_too_short"),
        ),
    ),
]


@pytest.mark.parametrize(("path", "expected"), CASES, ids=[path for path, _ in CASES])
async def test_bad_parameters_get_the_same_422_body_as_fastapis_solver_gave(
    client: httpx.AsyncClient, path: str, expected: dict[str, Any]
) -> None:
    response = await client.get(path)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body.pop("request_id") == response.headers["X-Request-ID"]
    assert body == expected


async def test_the_last_of_a_repeated_query_parameter_counts(client: httpx.AsyncClient) -> None:
    response = await client.get("/users?limit=0&limit=5")
    assert response.status_code == 200, response.text
    assert response.json()["limit"] == 5


@pytest.mark.parametrize("path", ["/users/0", "/users/abc", "/users?limit=0&offset=-1"])
async def test_a_caller_without_the_token_gets_401_before_any_422(data_app: FastAPI, path: str) -> None:
    transport = httpx.ASGITransport(app=data_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://data") as anonymous:
        response = await anonymous.get(path)
    assert response.status_code == 401
    assert response.json()["type"] == "urn:problem:unauthorized"


async def test_a_bad_path_parameter_is_told_before_a_bad_body(client: httpx.AsyncClient) -> None:
    # The parameters are read before the body (FastAPI's solver, running the body parser as a
    # dependency, told the body's error instead).
    response = await client.patch(
        "/users/abc", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [{"loc": ["path", "user_id"], "msg": NOT_INT, "type": "int_parsing"}]
