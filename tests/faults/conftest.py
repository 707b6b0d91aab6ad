"""Both services running for real under uvicorn, the real servers, and a proxy to cut them.

The services run as subprocesses (tests/live.py), so a fault here is what production sees:
a refused, reset or unanswered TCP connection (tests/tcpproxy.py), never a mocked client.
Each test publishes to an exchange of its own, and these tests cache in a Redis database
of their own, so other suites running on the same servers do not disturb them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg
import httpx
import pytest
from redis.asyncio import Redis

from tests import infra
from tests.live import LiveService, live_service
from tools.bench import journeys
from tools.uvicorn_server import ServerTls

SERVICE_TOKEN = "faults-service-token"
JWT_SECRET = "faults-jwt-secret-0123456789abcdef0123456789"
PASSWORD = "user-password-1"
# Not the other suites' (15) nor the benchmark's (14); under xdist, the worker's own (tests/infra.py).
FAULTS_REDIS_DB = infra.FAULTS_REDIS_DB

# Settings the children would otherwise inherit from this process's environment.
_UNSET: dict[str, str | None] = {
    "ENVIRONMENT": None,
    "REDIS_URL": None,
    "RABBITMQ_URL": None,
    "ADMIN_USERNAME": None,
    "ADMIN_EMAIL": None,
    "ADMIN_PASSWORD": None,
}


def data_service(database_url: str, **env: str | None) -> AbstractContextManager[LiveService]:
    settings = {**_UNSET, "DATABASE_URL": database_url, "SERVICE_TOKEN": SERVICE_TOKEN, **env}
    return live_service("data", "data_service.app:create_app", settings)


def data_service_over_tls(database_url: str, tls: ServerTls) -> AbstractContextManager[LiveService]:
    settings = {**_UNSET, "DATABASE_URL": database_url, "SERVICE_TOKEN": SERVICE_TOKEN}
    return live_service("data", "data_service.app:create_app", settings, tls=tls)


def business_service(
    data_url: str, *, ready_path: str = "/ready", **env: str | None
) -> AbstractContextManager[LiveService]:
    """The business service on `data_url`; `env` adds settings (RABBITMQ_URL, REDIS_URL...)."""
    settings = {
        **_UNSET,
        "DATA_SERVICE_URL": data_url,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "JWT_SECRET": JWT_SECRET,
        "RELAY_INTERVAL_SECONDS": "0.05",
        **env,
    }
    return live_service("business", "business_service.app:create_app", settings, ready_path=ready_path)


@contextmanager
def started_together(*services: AbstractContextManager[LiveService]) -> Iterator[list[LiveService]]:
    """Start `services` at the same time (a start is mostly Python importing); stop them all at the end."""
    with ExitStack() as stack:
        with ThreadPoolExecutor(len(services)) as pool:
            starts = [pool.submit(stack.enter_context, service) for service in services]
        # Every start has ended here; one that failed raises, and the stack stops the others.
        yield [start.result() for start in starts]


@asynccontextmanager
async def two_business_processes(
    data_url: str, **env: str
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    """Two business processes on one data service, started together, and a client for each:
    what a claim that holds "in every process" is tested on."""
    with started_together(business_service(data_url, **env), business_service(data_url, **env)) as (
        first,
        second,
    ):
        async with (
            httpx.AsyncClient(base_url=first.url, timeout=30) as one,
            httpx.AsyncClient(base_url=second.url, timeout=30) as two,
        ):
            yield one, two


@pytest.fixture(scope="session")
def live_data(migrated_database_url: str) -> Iterator[LiveService]:
    """One data service for the tests that do not cut PostgreSQL."""
    with data_service(migrated_database_url) as service:
        yield service


@pytest.fixture
async def database(migrated_database_url: str) -> str:
    """The session's database, emptied; the live services use it."""
    connection = await asyncpg.connect(infra.libpq(migrated_database_url))
    try:
        await connection.execute("TRUNCATE users, outbox RESTART IDENTITY")
    finally:
        await connection.close()
    return migrated_database_url


@pytest.fixture
async def faults_redis_url(redis_url: str) -> str:
    """This package's Redis database, emptied: `database` restarts the user ids, so a user
    cached by an earlier test would be served as whoever gets its id now."""
    url = urlsplit(redis_url)._replace(path=f"/{FAULTS_REDIS_DB}").geturl()
    client = Redis.from_url(url)
    try:
        await client.flushdb()
    finally:
        await client.aclose()
    return url


async def fetch(database_url: str, query: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(infra.libpq(database_url))
    try:
        return await connection.fetch(query, *args)
    finally:
        await connection.close()


async def all_published(database_url: str) -> bool:
    """Whether every outbox event is acknowledged (published and confirmed)."""
    rows = await fetch(database_url, "SELECT count(*) AS n FROM outbox WHERE published_at IS NULL")
    return bool(rows[0]["n"] == 0)


async def eventually(check: Callable[[], Awaitable[bool]], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.1)


# The business API, as a client sees it.


def user_body(name: str) -> dict[str, str]:
    return {"email": f"{name}@example.com", "username": name, "password": PASSWORD}


async def register(client: httpx.AsyncClient, name: str) -> dict[str, Any]:
    response = await client.post("/auth/register", json=user_body(name))
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def bearer(client: httpx.AsyncClient, name: str) -> dict[str, str]:
    response = await client.post("/auth/token", data={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == status
    if status == 503:
        assert int(response.headers["Retry-After"]) >= 1


# The broker, as a consumer sees it.


class EventTap(journeys.EventTap):
    """`make bench`'s event tap (tools/bench/journeys.py) on a fresh exchange of its own.

    `wait_for` raises TimeoutError when the events do not come.
    """

    def __init__(self, rabbitmq_url: str) -> None:
        super().__init__(rabbitmq_url, f"faults.{uuid.uuid4().hex[:12]}")


@pytest.fixture
async def tap(rabbitmq_url: str) -> AsyncIterator[EventTap]:
    async with EventTap(rabbitmq_url) as started:
        yield started


def quick_reconnect(rabbitmq_url: str) -> str:
    """`rabbitmq_url` asking aio-pika to reconnect after 1 s instead of its default 5 s."""
    parts = urlsplit(rabbitmq_url)
    query = f"{parts.query}&reconnect_interval=1" if parts.query else "reconnect_interval=1"
    return parts._replace(query=query).geturl()
