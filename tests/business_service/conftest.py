"""The business app over the real data service app, the real Redis and the real RabbitMQ."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis

from business_service.app import create_app
from business_service.settings import BusinessSettings
from business_service.state import Resources
from data_service.app import create_app as create_data_app
from data_service.settings import DataSettings
from tests import infra
from tests.broker import delete_events_topology, throwaway_exchange

SERVICE_TOKEN = "test-service-token"
JWT_SECRET = "test-jwt-secret-which-is-long-enough-for-hs256"
ADMIN = {"username": "root", "email": "root@example.com", "password": "admin-password-1"}
# This session's exchange: the business apps declare the contract's durable queues on it.
EVENTS_EXCHANGE = throwaway_exchange("business-tests")


@pytest.fixture(scope="session", autouse=True)
async def _delete_the_sessions_exchange() -> AsyncIterator[None]:
    yield
    await delete_events_topology(infra.RABBITMQ_URL, EVENTS_EXCHANGE)


@dataclass
class Business:
    app: FastAPI
    client: httpx.AsyncClient
    settings: BusinessSettings

    @property
    def resources(self) -> Resources:
        resources: Resources = self.app.state.resources
        return resources


BusinessFactory = Callable[..., AbstractAsyncContextManager[Business]]


@pytest.fixture(scope="session")
async def data_app(migrated_database_url: str) -> AsyncIterator[FastAPI]:
    app = create_data_app(DataSettings(database_url=migrated_database_url, service_token=SERVICE_TOKEN))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def clean(migrated_database_url: str, cache_url: str | None) -> None:
    """Empty tables and an empty Redis db before each end-to-end test."""
    connection = await asyncpg.connect(infra.libpq(migrated_database_url))
    try:
        await connection.execute("TRUNCATE users, outbox RESTART IDENTITY CASCADE")
    finally:
        await connection.close()
    if cache_url is None:
        return  # each app's in-process cache starts empty
    redis = Redis.from_url(cache_url)
    try:
        await redis.flushdb()
    finally:
        await redis.aclose()


def business_settings(**overrides: Any) -> BusinessSettings:
    values: dict[str, Any] = {
        "service_token": SERVICE_TOKEN,
        "jwt_secret": JWT_SECRET,
        "admin_username": ADMIN["username"],
        "admin_email": ADMIN["email"],
        "admin_password": ADMIN["password"],
        "relay_interval_seconds": 0.1,
        "data_retry_attempts": 2,
        "log_level": "WARNING",
        # Nothing from the caller's environment decides where events go: a test that wants
        # the broker says so.
        "rabbitmq_url": None,
        "events_exchange": EVENTS_EXCHANGE,
        **overrides,
    }
    return BusinessSettings(**values)


@asynccontextmanager
async def running(
    settings: BusinessSettings,
    *,
    data_transport: httpx.AsyncBaseTransport | None,
    tracer_provider: TracerProvider | None = None,
) -> AsyncIterator[Business]:
    app = create_app(settings, data_transport=data_transport, tracer_provider=tracer_provider)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://business") as client,
    ):
        yield Business(app=app, client=client, settings=settings)


@pytest.fixture
def make_business(data_app: FastAPI, cache_url: str | None, clean: None) -> BusinessFactory:
    """Start a business app on the real data service (overrides go to BusinessSettings), on
    Redis when it answers, else on the in-process cache."""

    def factory(**overrides: Any) -> AbstractAsyncContextManager[Business]:
        settings = business_settings(**{"redis_url": cache_url, **overrides})
        return running(settings, data_transport=httpx.ASGITransport(app=data_app))

    return factory


@pytest.fixture
async def business(make_business: BusinessFactory) -> AsyncIterator[Business]:
    async with make_business() as started:
        yield started


# Plain async factory functions for test data.


async def register(
    client: httpx.AsyncClient, username: str, *, password: str = "user-password-1", **extra: str
) -> dict[str, Any]:
    response = await client.post(
        "/auth/register",
        json={"email": f"{username}@example.com", "username": username, "password": password, **extra},
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def login(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/auth/token", data={"username": username, "password": password})


async def token_for(client: httpx.AsyncClient, username: str, password: str = "user-password-1") -> str:
    response = await login(client, username, password)
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def admin_token(client: httpx.AsyncClient) -> str:
    return await token_for(client, ADMIN["username"], ADMIN["password"])
