"""Logins and bearer tokens: every refusal is the same 401."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from tests.business_service.conftest import (
    JWT_SECRET,
    Business,
    BusinessFactory,
    admin_token,
    bearer,
    login,
    register,
    token_for,
)


def _forge(claims: dict[str, object], *, key: str = JWT_SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


def _claims(user_id: int, **overrides: object) -> dict[str, object]:
    now = datetime.now(UTC)
    return {"sub": str(user_id), "role": "user", "iat": now, "exp": now + timedelta(minutes=5), **overrides}


async def test_the_token_is_a_pinned_hs256_jwt(business: Business) -> None:
    user = await register(business.client, "ivy")
    response = await login(business.client, "ivy", "user-password-1")
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == business.settings.jwt_ttl_seconds
    claims = jwt.decode(body["access_token"], JWT_SECRET, algorithms=["HS256"])
    assert claims["sub"] == str(user["id"])
    assert claims["role"] == "user"
    assert {"exp", "iat", "jti"} <= claims.keys()


async def test_refused_tokens(business: Business) -> None:
    client = business.client
    user = await register(client, "jack")
    unsigned = jwt.encode(_claims(user["id"]), key="", algorithm="none")  # "" is no key
    now = datetime.now(UTC)
    refused = {
        "alg none": unsigned,
        "wrong signature": _forge(_claims(user["id"]), key="another-secret-of-enough-length-000"),
        "expired": _forge(_claims(user["id"], iat=now - timedelta(hours=2), exp=now - timedelta(hours=1))),
        "no exp": _forge({"sub": str(user["id"]), "iat": now}),
        "no sub": _forge({"iat": now, "exp": now + timedelta(minutes=5)}),
        "bad sub": _forge(_claims(user["id"], sub="abc")),
        "unknown user": _forge(_claims(999_999)),
        "garbage": "not.a.jwt",
    }
    for name, token in refused.items():
        response = await client.get("/users/me", headers=bearer(token))
        assert response.status_code == 401, name
        assert response.headers["WWW-Authenticate"] == "Bearer", name
        assert response.headers["content-type"] == "application/problem+json", name


async def test_deleted_and_deactivated_users_lose_access(business: Business) -> None:
    client = business.client
    gone = await register(client, "kate")
    sleepy = await register(client, "liam")
    gone_token = await token_for(client, "kate")
    sleepy_token = await token_for(client, "liam")
    assert (await client.get("/users/me", headers=bearer(gone_token))).status_code == 200
    assert (await client.get("/users/me", headers=bearer(sleepy_token))).status_code == 200
    admin = bearer(await admin_token(client))
    assert (await client.delete(f"/users/{gone['id']}", headers=admin)).status_code == 204
    deactivated = await client.patch(f"/users/{sleepy['id']}", headers=admin, json={"is_active": False})
    assert deactivated.status_code == 200
    assert (await client.get("/users/me", headers=bearer(gone_token))).status_code == 401
    assert (await client.get("/users/me", headers=bearer(sleepy_token))).status_code == 401
    # An inactive user cannot log in, and is told exactly what a wrong password is told.
    inactive = await login(client, "liam", "user-password-1")
    wrong_password = await login(client, "liam", "not-the-password")
    assert inactive.status_code == wrong_password.status_code == 401


async def test_wrong_username_and_wrong_password_look_the_same(business: Business) -> None:
    client = business.client
    await register(client, "mia")
    unknown = await login(client, "nobody", "user-password-1")
    wrong = await login(client, "mia", "wrong-password")
    odd = await login(client, "not a username!", "user-password-1")
    for response in (unknown, wrong, odd):
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"] == "Bearer"
    strip = {"request_id"}
    bodies = [{k: v for k, v in r.json().items() if k not in strip} for r in (unknown, wrong, odd)]
    assert bodies[0] == bodies[1] == bodies[2]


@pytest.mark.parametrize("redis", ["up", "down"])
async def test_failed_logins_are_limited(make_business: BusinessFactory, redis: str) -> None:
    # With Redis away, the limits hold per process instead of being lifted.
    overrides = {"redis_url": "redis://127.0.0.1:1/0"} if redis == "down" else {}
    async with make_business(login_max_failures=3, **overrides) as business:
        client = business.client
        await register(client, "noah")
        for _ in range(3):
            assert (await login(client, "noah", "wrong-password")).status_code == 401
        limited = await login(client, "noah", "user-password-1")
        assert limited.status_code == 429
        assert int(limited.headers["Retry-After"]) >= 1
        # Another username from the same address is not limited yet.
        await register(client, "olga")
        assert (await login(client, "olga", "user-password-1")).status_code == 200
