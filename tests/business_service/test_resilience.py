"""When a dependency is away: the data service (503), Redis (uncached 200s), the broker (events wait)."""

from __future__ import annotations

import asyncio
import json

import aio_pika
import httpx
import pytest
from fastapi import FastAPI

from business_service.cache import MemoryCache
from tests.business_service.conftest import (
    ADMIN,
    EVENTS_EXCHANGE,
    BusinessFactory,
    admin_token,
    bearer,
    business_settings,
    register,
    running,
    token_for,
)


async def test_unreachable_data_service_is_503_with_retry_after() -> None:
    settings = business_settings(data_service_url="http://127.0.0.1:1", redis_url=None)
    async with running(settings, data_transport=None) as business:
        client = business.client
        registered = await client.post(
            "/auth/register",
            json={"email": "a@example.com", "username": "abc", "password": "user-password-1"},
        )
        logged_in = await client.post("/auth/token", data={"username": "abc", "password": "user-password-1"})
        ready = await client.get("/ready")
        assert (await client.get("/health")).status_code == 200
    for response in (registered, logged_in, ready):
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert int(response.headers["Retry-After"]) >= 1
    assert ready.json()["checks"] == {
        "data_service": False,
        "data_circuit_closed": False,
        "cache": True,
        "broker": False,
    }


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The real data app behind a switch that can cut the connection."""

    def __init__(self, app: FastAPI) -> None:
        self.inner = httpx.ASGITransport(app=app)
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


async def test_recovers_when_the_data_service_returns(data_app: FastAPI, clean: None) -> None:
    transport = SwitchableTransport(data_app)
    async with running(business_settings(redis_url=None), data_transport=transport) as business:
        client = business.client
        await register(client, "pia")
        token = await token_for(client, "pia")
        transport.down = True
        outage = await client.post(
            "/auth/register",
            json={"email": "q@example.com", "username": "quinn", "password": "user-password-1"},
        )
        assert outage.status_code == 503
        assert (await client.get("/ready")).status_code == 503
        transport.down = False
        assert (await client.get("/ready")).status_code == 200
        assert (await client.get("/users/me", headers=bearer(token))).status_code == 200


async def test_requests_succeed_when_redis_is_down(make_business: BusinessFactory) -> None:
    async with make_business(redis_url="redis://127.0.0.1:1/0") as business:
        client = business.client
        await register(client, "rita")
        headers = bearer(await token_for(client, "rita"))
        for _ in range(5):
            assert (await client.get("/users/me", headers=headers)).status_code == 200
        changed = await client.patch("/users/me", headers=headers, json={"full_name": "Rita"})
        assert changed.status_code == 200
        assert (await client.get("/users/me", headers=headers)).json()["full_name"] == "Rita"
        ready = await client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["cache"] is False


async def test_without_redis_the_in_process_cache_serves(make_business: BusinessFactory) -> None:
    async with make_business(redis_url=None) as business:
        assert isinstance(business.resources.cache, MemoryCache)
        client = business.client
        await register(client, "sam")
        headers = bearer(await token_for(client, "sam"))
        assert (await client.get("/users/me", headers=headers)).status_code == 200
        changed = await client.patch("/users/me", headers=headers, json={"full_name": "Sam"})
        assert changed.status_code == 200
        assert (await client.get("/users/me", headers=headers)).json()["full_name"] == "Sam"


async def test_events_wait_for_the_broker(make_business: BusinessFactory, rabbitmq_url: str) -> None:
    async with make_business(
        rabbitmq_url="amqp://guest:guest@127.0.0.1:1/", relay_interval_seconds=30
    ) as down:
        await register(down.client, "tina")
        relay = down.resources.relay
        assert relay is not None
        with pytest.raises((ConnectionError, OSError)):
            await relay.run_once()
        assert (await down.client.get("/ready")).json()["checks"]["broker"] is False
    connection = await aio_pika.connect_robust(rabbitmq_url)
    try:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(EVENTS_EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)
        queue = await channel.declare_queue("", exclusive=True)
        await queue.bind(exchange, routing_key="user.created")
        # A new relay (another process, say) delivers them once the broker is there.
        async with make_business(rabbitmq_url=rabbitmq_url, relay_interval_seconds=30) as up:
            relay = up.resources.relay
            assert relay is not None
            await relay.run_until_drained()
            headers = bearer(await admin_token(up.client))
            assert (await up.client.get("/users/me", headers=headers)).json()["username"] == ADMIN["username"]
        names = []
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            names.append(json.loads(message.body)["user"]["username"])
    finally:
        await connection.close()
    assert sorted(names) == sorted([ADMIN["username"], "tina"])


async def test_first_admin_is_created_once_the_data_service_answers(data_app: FastAPI, clean: None) -> None:
    transport = SwitchableTransport(data_app)
    transport.down = True
    async with running(business_settings(redis_url=None), data_transport=transport) as business:
        transport.down = False
        for _ in range(50):
            response = await business.client.post(
                "/auth/token", data={"username": ADMIN["username"], "password": ADMIN["password"]}
            )
            if response.status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert response.status_code == 200


async def test_a_refused_service_token_is_503(data_app: FastAPI, clean: None) -> None:
    settings = business_settings(redis_url=None, service_token="not-the-token")
    async with running(settings, data_transport=httpx.ASGITransport(app=data_app)) as business:
        response = await business.client.post(
            "/auth/register",
            json={"email": "u@example.com", "username": "uma", "password": "user-password-1"},
        )
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) >= 1
