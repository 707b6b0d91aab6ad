"""Redis away: requests are still served (uncached, quickly), and when it returns the cache
is used again and never serves what changed meanwhile."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from business_service.cache import RedisCache, user_key
from tests.faults.conftest import bearer, business_service, eventually, register
from tests.live import LiveService
from tests.tcpproxy import PauseMode, TcpProxy


@pytest.fixture
async def redis(faults_redis_url: str) -> AsyncIterator[Redis]:
    client = Redis.from_url(faults_redis_url, decode_responses=True)
    await client.flushdb()
    yield client
    await client.aclose()


async def cache_check(client: httpx.AsyncClient) -> bool:
    ready = await client.get("/ready")
    assert ready.status_code == 200, ready.text  # only the data service decides readiness
    up: bool = ready.json()["checks"]["cache"]
    return up


async def test_requests_are_served_while_redis_is_away_and_caching_resumes(
    live_data: LiveService, database: str, faults_redis_url: str, redis: Redis
) -> None:
    with (
        TcpProxy.to_url(faults_redis_url, default_port=6379) as proxy,
        business_service(live_data.url, REDIS_URL=proxy.url(faults_redis_url)) as business,
    ):
        async with httpx.AsyncClient(base_url=business.url, timeout=10) as client:
            user = await register(client, "ann")
            headers = await bearer(client, "ann")
            key = user_key(user["id"])
            modes: tuple[PauseMode, ...] = ("refuse", "hang")  # connections refused; no answer at all
            for mode in modes:
                assert (await client.get("/users/me", headers=headers)).status_code == 200
                assert await redis.exists(key) == 1, mode

                proxy.pause(mode)
                for _ in range(5):
                    assert (await client.get("/users/me", headers=headers)).status_code == 200
                name = f"Ann {mode}"
                changed = await client.patch("/users/me", headers=headers, json={"full_name": name})
                assert changed.status_code == 200, changed.text
                assert (await client.get("/users/me", headers=headers)).json()["full_name"] == name
                assert not await cache_check(client)
                assert await redis.exists(key) == 1  # the invalidation could not reach Redis

                proxy.resume()
                await eventually(lambda: cache_check(client), within=5, what="/ready reports the cache up")
                # What changed while Redis was away is not served from the cache afterwards.
                assert (await client.get("/users/me", headers=headers)).json()["full_name"] == name
                cached = await redis.get(key)
                assert cached is not None
                assert name in cached  # cached again, fresh


async def test_an_invalidation_missed_while_redis_was_away_is_applied_before_the_next_read(
    faults_redis_url: str, redis: Redis
) -> None:
    with TcpProxy.to_url(faults_redis_url, default_port=6379) as proxy:
        cache = RedisCache(url=proxy.url(faults_redis_url), retry_after_seconds=0.05)
        try:
            await cache.set("user:7", "old", ttl_seconds=60)
            proxy.pause()
            await cache.delete("user:7")  # the user changed; Redis cannot hear it
            assert not cache.is_up
            proxy.resume()
            await asyncio.sleep(0.1)
            assert await cache.get("user:7") is None
            assert cache.is_up
        finally:
            await cache.aclose()
    assert await redis.exists("user:7") == 0
