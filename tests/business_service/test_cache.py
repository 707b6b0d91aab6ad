"""The cache implementations against the real Redis, a closed port, and in process."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from business_service.cache import Cache, MemoryCache, RedisCache
from business_service.metrics import CACHE_READS_PER_CALL


@pytest.fixture(params=["redis", "redis-gathered", "memory"])
async def cache(request: pytest.FixtureRequest, redis_url: str) -> Cache:
    if request.param == "memory":
        return MemoryCache()
    redis = RedisCache(url=redis_url, gather_reads=request.param == "redis-gathered")
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


def _gathered() -> tuple[float, float]:
    """(calls, keys) of the gathered reads so far, from the histogram."""
    samples = {
        sample.name: sample.value for metric in CACHE_READS_PER_CALL.collect() for sample in metric.samples
    }
    return samples["cache_reads_per_call_count"], samples["cache_reads_per_call_sum"]


async def test_reads_asked_at_once_go_to_redis_as_one_mget(redis_url: str) -> None:
    cache = RedisCache(url=redis_url, gather_reads=True)
    keys = [f"gathered:{number}" for number in range(10)]
    try:
        for key in keys[:7]:
            await cache.set(key, f"value of {key}", ttl_seconds=60)
        asked = [*keys, *keys[:3]]  # three unknown keys, three asked twice
        calls, read = _gathered()
        values = await asyncio.gather(*(cache.get(key) for key in asked))
        assert values == [f"value of {key}" if key in keys[:7] else None for key in asked]
        # One command for the ten distinct keys.
        assert _gathered() == (calls + 1, read + 10)
        # Alone, a read is the plain GET.
        assert await cache.get(keys[0]) == f"value of {keys[0]}"
        assert _gathered() == (calls + 2, read + 11)
    finally:
        for key in keys:
            await cache.delete(key)
        await cache.aclose()


async def test_gathered_reads_of_a_dead_redis_are_misses() -> None:
    cache = RedisCache(url="redis://127.0.0.1:1/0", gather_reads=True)
    try:
        values = await asyncio.gather(cache.get("a"), cache.get("b"), cache.get("a"))
        assert all(value is None for value in values)
        assert not cache.is_up
    finally:
        await cache.aclose()


async def test_a_read_asked_while_a_command_is_under_way_sends_its_own(redis_url: str) -> None:
    """The command under way may have read the key before a delete the later read must see
    (the writing process drops its entry, then reads back): the later read is not answered
    by it. The real client's GET is held until the second read was asked."""
    cache = RedisCache(url=redis_url, gather_reads=True)
    real_get = cache._redis.get  # held, not replaced: the commands reach Redis
    held, asked = asyncio.Event(), asyncio.Event()
    sent: list[str] = []

    async def get_held(key: str) -> Any:
        sent.append(key)
        asked.set()
        await held.wait()
        return await real_get(key)

    cache._redis.get = get_held  # type: ignore[method-assign,assignment]
    try:
        await cache.set("under-way", "old", ttl_seconds=60)
        first = asyncio.create_task(cache.get("under-way"))
        await asked.wait()
        await cache.delete("under-way")
        later = asyncio.create_task(cache.get("under-way"))
        await asyncio.sleep(0.05)
        assert sent == ["under-way", "under-way"]  # a command of its own
        held.set()
        await asyncio.gather(first, later)
        assert later.result() is None
    finally:
        await cache.delete("under-way")
        await cache.aclose()
