"""Probes, and what the service answers when PostgreSQL is gone and when it comes back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx

from data_service.app import create_app
from tests import infra
from tests.data_service.conftest import AUTH, settings_for, user_body

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


class Proxy:
    """A TCP proxy to PostgreSQL that the test can cut (closing every connection) and restore."""

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.server: asyncio.Server | None = None
        self.port = 0
        self.writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in list(self.writers):
            writer.close()
        await self.server.wait_closed()
        self.writers.clear()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self.writers.update({writer, upstream_writer})
        await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        self.writers.discard(writer)
        self.writers.discard(upstream_writer)


async def test_recovers_when_the_database_returns(migrated_database_url: str) -> None:
    parts = urlsplit(migrated_database_url)
    proxy = Proxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    await proxy.start()
    proxied = parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}").geturl()
    async with serve(proxied) as client:
        assert (await client.get("/users/stats")).status_code == 200
        await proxy.stop()
        down = await client.get("/users/stats")
        assert down.status_code == 503
        assert (await client.get("/ready")).status_code == 503
        await proxy.start()  # same port
        assert (await client.get("/users/stats")).status_code == 200
        assert (await client.get("/ready")).status_code == 200
    await proxy.stop()
