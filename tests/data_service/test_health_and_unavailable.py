"""Probes, and what the service answers when PostgreSQL is gone and when it comes back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx

from data_service.app import create_app
from tests import infra
from tests.data_service.conftest import AUTH, settings_for
from tests.infra import user_body
from tests.tcpproxy import TcpProxy

CLOSED_PORT_URL = "postgresql+asyncpg://postgres@127.0.0.1:1/nothing"


@contextlib.asynccontextmanager
async def serve(database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings_for(database_url, db_connect_timeout=1, db_pool_timeout=1))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://data", headers=AUTH) as client:
            yield client


async def test_health_and_ready(migrated_database_url: str) -> None:
    async with serve(migrated_database_url) as client:
        assert (await client.get("/health")).json() == {"status": "ok"}
        ready = await client.get("/ready")
        assert ready.status_code == 200
        assert ready.json() == {"status": "ready", "checks": {"database": True, "migrations": True}}


async def test_unreachable_database_is_503_with_retry_after() -> None:
    async with serve(CLOSED_PORT_URL) as client:
        assert (await client.get("/health")).status_code == 200
        for response in (
            await client.get("/users"),
            await client.get("/users/1"),
            await client.post("/users", json=user_body()),
            await client.get("/outbox/stats"),
        ):
            assert response.status_code == 503
            assert response.headers["content-type"] == "application/problem+json"
            assert int(response.headers["Retry-After"]) >= 1
        ready = await client.get("/ready")
        assert ready.status_code == 503
        assert int(ready.headers["Retry-After"]) >= 1
        assert ready.json()["checks"] == {"database": False, "migrations": False}


async def test_unmigrated_database_is_not_ready(postgres_server_url: str) -> None:
    url = await infra.create_database(postgres_server_url)
    try:
        async with serve(url) as client:
            ready = await client.get("/ready")
            assert ready.status_code == 503
            assert ready.json()["checks"] == {"database": True, "migrations": False}
    finally:
        await infra.drop_database(postgres_server_url, url)


async def test_recovers_when_the_database_returns(migrated_database_url: str) -> None:
    with TcpProxy.to_url(migrated_database_url, default_port=5432) as proxy:
        async with serve(proxy.url(migrated_database_url)) as client:
            assert (await client.get("/users/stats")).status_code == 200
            proxy.pause("refuse")  # every connection cut, new ones refused
            down = await client.get("/users/stats")
            assert down.status_code == 503
            assert (await client.get("/ready")).status_code == 503
            proxy.resume()  # same port
            assert (await client.get("/users/stats")).status_code == 200
            assert (await client.get("/ready")).status_code == 200


async def test_a_read_by_key_after_the_server_closed_the_pooled_connections(
    migrated_database_url: str,
) -> None:
    """Reads by key run on the driver, past the SQLAlchemy layer that would discard a dead
    pool on first use; the pool's checkout replaces a connection the server closed, so the
    first read after a restart of the backends answers 200, not 503."""
    async with serve(migrated_database_url) as client:
        created = await client.post("/users", json=user_body("kim"))
        assert created.status_code == 201, created.text
        user_id = created.json()["id"]
        # Several connections pooled, so that more than one is found dead afterwards.
        answers = await asyncio.gather(*(client.get(f"/users/{user_id}") for _ in range(8)))
        assert {answer.status_code for answer in answers} == {200}
        terminated = await infra.terminate_connections(migrated_database_url)
        assert terminated >= 1
        await asyncio.sleep(0.2)  # asyncpg sees each socket end
        for path in (f"/users/{user_id}", "/users/by-username/kim", f"/users/{user_id}"):
            response = await client.get(path)
            assert response.status_code == 200, (path, response.text)
