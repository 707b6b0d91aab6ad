from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager

import pytest
from redis.asyncio import Redis

from tests import infra
from tests.broker import delete_events_topology, throwaway_exchange
from tests.live import LiveService, live_service

SERVICE_TOKEN = "fuzz-service-token"
JWT_SECRET = "fuzz-jwt-secret-0123456789abcdef0123456789"
EVENTS_EXCHANGE = throwaway_exchange("fuzz")  # the business service declares its queues on it
ADMIN = {
    "ADMIN_USERNAME": "fuzz-admin",
    "ADMIN_EMAIL": "fuzz-admin@example.com",
    "ADMIN_PASSWORD": "fuzz-admin-password",
}


@asynccontextmanager
async def fresh_state(postgres_server_url: str, redis_url: str | None = None) -> AsyncIterator[str]:
    """A newly created, migrated database (and an empty Redis database): one pass's
    leftovers, such as deleted users or cached ones, must not decide the next pass."""
    from data_service.migrate import upgrade_to_head  # noqa: PLC0415

    if redis_url is not None:
        redis = Redis.from_url(redis_url)
        try:
            await redis.flushdb()
        finally:
            await redis.aclose()
    url = await infra.create_database(postgres_server_url, prefix="fuzz")
    try:
        await upgrade_to_head(url)
        yield url
    finally:
        await infra.drop_database(postgres_server_url, url)


@pytest.fixture
async def fresh_database(postgres_server_url: str) -> AsyncIterator[str]:
    async with fresh_state(postgres_server_url) as url:
        yield url


def data_service(
    database_url: str, factory: str = "data_service.app:create_app"
) -> AbstractContextManager[LiveService]:
    return live_service("data", factory, {"DATABASE_URL": database_url, "SERVICE_TOKEN": SERVICE_TOKEN})


def business_service(
    data: LiveService, *, redis_url: str, rabbitmq_url: str
) -> AbstractContextManager[LiveService]:
    env = {
        "DATA_SERVICE_URL": data.url,
        "SERVICE_TOKEN": SERVICE_TOKEN,
        "JWT_SECRET": JWT_SECRET,
        "REDIS_URL": redis_url,
        "RABBITMQ_URL": rabbitmq_url,
        "EVENTS_EXCHANGE": EVENTS_EXCHANGE,
        # Fuzzing logs in far more often than any person; the limiter is tested on its own.
        "LOGIN_MAX_FAILURES": "100000",
        # Likewise the per-caller limit: on (its middleware runs), never reached.
        "RATE_LIMIT_PER_MINUTE": "1000000",
        **ADMIN,
    }
    return live_service("business", "business_service.app:create_app", env)


@pytest.fixture(scope="session", autouse=True)
async def _delete_the_sessions_exchange() -> AsyncIterator[None]:
    yield
    await delete_events_topology(infra.RABBITMQ_URL, EVENTS_EXCHANGE)
