"""The cache implementations against the real Redis, a closed port, and in process."""

from __future__ import annotations

import pytest

from business_service.cache import Cache, MemoryCache, RedisCache


@pytest.fixture(params=["redis", "memory"])
async def cache(request: pytest.FixtureRequest, redis_url: str) -> Cache:
    if request.param == "memory":
        return MemoryCache()
    redis = RedisCache(url=redis_url)
    await redis.delete("k")
    await redis.delete("n")
    return redis


async def test_get_set_delete_incr(cache: Cache) -> None:
    try:
        assert await cache.get("k") is None
        await cache.set("k", "v", ttl_seconds=60)
        assert await cache.get("k") == "v"
        assert 1 <= await cache.ttl("k") <= 60
        await cache.delete("k")
        assert await cache.get("k") is None
        assert await cache.count("n") == 0
        assert await cache.incr("n", ttl_seconds=60) == 1
        assert await cache.incr("n", ttl_seconds=60) == 2
        assert await cache.count("n") == 2
        assert 1 <= await cache.ttl("n") <= 60
        assert await cache.ping()
    finally:
        await cache.delete("n")
        await cache.aclose()


async def test_a_dead_redis_caches_nothing_but_still_counts_in_process() -> None:
    cache = RedisCache(url="redis://127.0.0.1:1/0")
    try:
        assert await cache.get("k") is None
        assert not cache.is_up
        await cache.set("k", "v", ttl_seconds=60)
        assert await cache.get("k") is None
        # Counters (the login limits) must not reset to nothing while Redis is away.
        assert await cache.incr("n", ttl_seconds=60) == 1
        assert await cache.incr("n", ttl_seconds=60) == 2
        assert await cache.count("n") == 2
        assert 1 <= await cache.ttl("n") <= 60
        assert not await cache.ping()
    finally:
        await cache.aclose()
