"""Bad input to the business API: a 4xx problem answer, never a 500, and nothing stored.

Each body below is sent to POST /auth/register; afterwards the data service must hold
only the users it held before, and its outbox no new event.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.business_service.conftest import Business, admin_token, bearer

GOOD = {"email": "ok@example.com", "username": "okay", "password": "user-password-1"}

BAD_REGISTRATIONS: list[tuple[str, Any]] = [
    ("overlong username", {**GOOD, "username": "u" * 33}),
    ("overlong full name", {**GOOD, "full_name": "n" * 101}),
    ("overlong password", {**GOOD, "password": "p" * 129}),
    ("control character in full name", {**GOOD, "full_name": "Ada\nLovelace"}),
    ("NUL in password", {**GOOD, "password": "pass\x00word-1"}),
    ("escape character in full name", {**GOOD, "full_name": "\x1b[31mred"}),
    ("non-ASCII username", {**GOOD, "username": "ädä"}),
    ("zero-width space in username", {**GOOD, "username": "ok\u200bay"}),
    ("right-to-left override in username", {**GOOD, "username": "\u202eokay"}),
    ("fullwidth digits in email", {**GOOD, "email": "ok@example.\uff43om"}),
    ("email without domain", {**GOOD, "email": "ok@"}),
    ("null email", {**GOOD, "email": None}),
    ("number as username", {**GOOD, "username": 12345}),
    ("boolean as password", {**GOOD, "password": True}),
    ("unknown field", {**GOOD, "role": "admin"}),
    ("array body", [GOOD]),
    ("empty object", {}),
]


async def _stored(data_app: FastAPI) -> tuple[int, int]:
    """(users, pending outbox events) as the data service sees them."""
    transport = httpx.ASGITransport(app=data_app)
    headers = {"Authorization": f"Bearer {data_app.state.settings.service_token}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://data", headers=headers) as data:
        users = (await data.get("/users", params={"limit": 1})).json()["total"]
        pending = (await data.get("/outbox/stats")).json()["pending"]
    return users, pending


@pytest.mark.parametrize(("case", "body"), BAD_REGISTRATIONS, ids=[case for case, _ in BAD_REGISTRATIONS])
async def test_bad_registration_is_422_and_stores_nothing(
    business: Business, data_app: FastAPI, case: str, body: Any
) -> None:
    before = await _stored(data_app)
    response = await business.client.post("/auth/register", json=body)
    assert response.status_code == 422, (case, response.text)
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    # The rejected input is never echoed: it may hold a password.
    assert "pass" not in response.text.replace("password", "")
    assert await _stored(data_app) == before


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"email": "a@b.c",}', b"\xff\xfe", b'{"username": "\\ud800"}', b"null", b"1e999999"],
    ids=["truncated", "trailing comma", "not UTF-8", "lone surrogate", "null", "huge number"],
)
async def test_undecodable_bodies_are_422(business: Business, data_app: FastAPI, raw: bytes) -> None:
    before = await _stored(data_app)
    response = await business.client.post(
        "/auth/register", content=raw, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await _stored(data_app) == before


@pytest.mark.parametrize(
    "params",
    [
        {"limit": -1},
        {"limit": 0},
        {"limit": 101},
        {"limit": 10**30},
        {"offset": -1},
        {"offset": 10**30},
        {"limit": "ten"},
        {"role": "root"},
        {"q": "x" * 101},
        {"q": "a\x00b"},
    ],
)
async def test_bad_page_parameters_are_422(business: Business, params: dict[str, Any]) -> None:
    headers = bearer(await admin_token(business.client))
    response = await business.client.get("/users", params=params, headers=headers)
    assert response.status_code == 422, (params, response.text)
    assert response.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("user_id", ["0", "-1", "1.5", "abc", str(2**63), "9" * 40, "%00"])
async def test_out_of_range_ids_are_422(business: Business, user_id: str) -> None:
    headers = bearer(await admin_token(business.client))
    for method in ("GET", "DELETE"):
        response = await business.client.request(method, f"/users/{user_id}", headers=headers)
        assert response.status_code == 422, (method, user_id, response.text)
        assert response.headers["content-type"] == "application/problem+json"
