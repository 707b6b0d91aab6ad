"""The user cache (cache-aside) and the login counters: Redis, or an in-process stand-in.

A cache failure never fails a request: Redis errors are logged once when Redis goes down
and once when it is back, requests go uncached meanwhile, and caching resumes by itself.
"""

from __future__ import annotations

import time
from typing import Protocol

import structlog
from opentelemetry.instrumentation.redis import RedisInstrumentor
from opentelemetry.sdk.trace import TracerProvider
from redis.asyncio import Redis
from redis.exceptions import RedisError

from business_service.gathering import Gathering
from business_service.metrics import CACHE_READS_PER_CALL

log = structlog.get_logger(__name__)
_MOST_PER_MGET = 100
# What a failing Redis raises. uvloop (which uvicorn runs on) raises RuntimeError, not an
# OSError, when a command is written to a connection the server or the network has reset.
REDIS_FAILURES: tuple[type[Exception], ...] = (RedisError, OSError, RuntimeError)


def user_key(user_id: int) -> str:
    # "account", not "user": the value now carries the token epoch, and a process of the
    # previous release must not read it (nor this one the previous release's values).
    return f"account:{user_id}"


def invalidation_channel(redis: Redis) -> str:
    """Where changed keys are published for the near caches (`invalidations.py`). One channel
    per Redis database: pub/sub is server-wide, and processes caching in other databases
    (another deployment, the test suites) must not invalidate each other."""
    return f"account-invalidations:{redis.connection_pool.connection_kwargs.get('db', 0)}"


class Cache(Protocol):
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, *, ttl_seconds: int) -> None: ...
    async def delete(self, key: str) -> None: ...
    async def incr(self, key: str, *, ttl_seconds: int) -> int:
        """Add one to a counter that expires `ttl_seconds` after its first increment."""
        ...

    async def count(self, key: str) -> int:
        """The value of a counter made by `incr` (0 when absent)."""
        ...

    async def ttl(self, key: str) -> int:
        """Seconds until `key` expires (0 when absent)."""
        ...

    async def ping(self) -> bool: ...
    async def aclose(self) -> None: ...


class MemoryCache:
    """An in-process TTL cache with the interface of `RedisCache` (one process only)."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[float, str]] = {}

    def _live(self, key: str) -> tuple[float, str] | None:
        item = self._items.get(key)
        if item is not None and item[0] <= time.monotonic():
            del self._items[key]
            return None
        return item

    async def get(self, key: str) -> str | None:
        item = self._live(key)
        return None if item is None else item[1]

    async def set(self, key: str, value: str, *, ttl_seconds: int) -> None:
        if len(self._items) > 10_000:
            now = time.monotonic()
            self._items = {k: v for k, v in self._items.items() if v[0] > now}
        self._items[key] = (time.monotonic() + ttl_seconds, value)

    async def delete(self, key: str) -> None:
        self._items.pop(key, None)

    async def incr(self, key: str, *, ttl_seconds: int) -> int:
        item = self._live(key)
        expires, count = (time.monotonic() + ttl_seconds, 0) if item is None else (item[0], int(item[1]))
        self._items[key] = (expires, str(count + 1))
        return count + 1

    async def count(self, key: str) -> int:
        item = self._live(key)
        return 0 if item is None else int(item[1])

    async def ttl(self, key: str) -> int:
        item = self._live(key)
        return 0 if item is None else max(1, int(item[0] - time.monotonic()))

    async def ping(self) -> bool:
        return True

    async def aclose(self) -> None:
        self._items.clear()


class RedisCache:
    """Redis with short timeouts; while it is down, operations are skipped for a moment."""

    def __init__(
        self,
        *,
        url: str,
        socket_timeout: float = 0.25,
        retry_after_seconds: float = 1.0,
        tracer_provider: TracerProvider | None = None,
        gather_reads: bool = False,
    ) -> None:
        """`gather_reads`: the reads of a turn of the event loop go to Redis as one `MGET`
        (`gathering.Gathering`, as the gateway's reads; a lone read stays a `GET`)."""
        self._redis: Redis = Redis.from_url(
            url,
            socket_timeout=socket_timeout,
            socket_connect_timeout=socket_timeout,
            decode_responses=True,
            health_check_interval=30,
        )
        if tracer_provider is not None:
            # This client only (a span per command), not every Redis client of the process.
            RedisInstrumentor.instrument_client(self._redis, tracer_provider=tracer_provider)
        self._channel = invalidation_channel(self._redis)
        self._down_since: float | None = None
        self._next_try = 0.0
        self._retry_after = retry_after_seconds
        # Keys whose invalidation failed while Redis was away (one per user changed then):
        # deleted before the next read, so a change made meanwhile is not served afterwards.
        self._undeleted: set[str] = set()
        # Counters (failed logins) kept in this process while Redis is away, so that the
        # login limits still hold, per process, during an outage.
        self._counters = MemoryCache()
        self._reads: Gathering[str, str | None] | None = (
            Gathering(self._get_many, most=_MOST_PER_MGET) if gather_reads else None
        )

    @property
    def is_up(self) -> bool:
        return self._down_since is None

    def _skip(self) -> bool:
        return self._down_since is not None and time.monotonic() < self._next_try

    def _failed(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._down_since is None:
            self._down_since = now
            log.warning("redis is down; serving without the cache", error=type(exc).__name__)
        self._next_try = now + self._retry_after

    def _succeeded(self) -> None:
        if self._down_since is not None:
            log.info(
                "redis is back; caching again", down_seconds=round(time.monotonic() - self._down_since, 1)
            )
            self._down_since = None

    async def get(self, key: str) -> str | None:
        if self._skip():
            return None
        try:
            if self._undeleted:
                undeleted = set(self._undeleted)
                await self._invalidate(*undeleted)
                self._undeleted -= undeleted
            if self._reads is None:
                value = await self._redis.get(key)
            else:
                value = await self._reads.get(self._reads.ask(key))
        except REDIS_FAILURES as exc:
            self._failed(exc)
            return None
        self._succeeded()
        return None if value is None else str(value)

    async def _get_many(self, keys: list[str]) -> list[str | None]:
        CACHE_READS_PER_CALL.observe(len(keys))
        values = [await self._redis.get(keys[0])] if len(keys) == 1 else await self._redis.mget(keys)
        # decode_responses: str already; bytes only in redis-py's types.
        return [_text(value) for value in values]

    async def set(self, key: str, value: str, *, ttl_seconds: int) -> None:
        if self._skip():
            return
        try:
            await self._redis.set(key, value, ex=ttl_seconds)
        except REDIS_FAILURES as exc:
            self._failed(exc)
            return
        self._succeeded()

    async def delete(self, key: str) -> None:
        # Not skipped while down: an invalidation is worth one quick attempt.
        try:
            await self._invalidate(key)
        except REDIS_FAILURES as exc:
            self._undeleted.add(key)
            self._failed(exc)
            return
        self._succeeded()

    async def _invalidate(self, *keys: str) -> None:
        """Delete `keys` and tell every process's near cache, in one round trip."""
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.delete(*keys)
            for key in keys:
                pipe.publish(self._channel, key)
            await pipe.execute()

    async def incr(self, key: str, *, ttl_seconds: int) -> int:
        if self._skip():
            return await self._counters.incr(key, ttl_seconds=ttl_seconds)
        try:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, ttl_seconds, nx=True)
                count, _ = await pipe.execute()
        except REDIS_FAILURES as exc:
            self._failed(exc)
            return await self._counters.incr(key, ttl_seconds=ttl_seconds)
        self._succeeded()
        return int(count)

    async def count(self, key: str) -> int:
        if self._skip():
            return await self._counters.count(key)
        try:
            value = await self._redis.get(key)
        except REDIS_FAILURES as exc:
            self._failed(exc)
            return await self._counters.count(key)
        self._succeeded()
        return int(value) if value is not None and str(value).isdigit() else 0

    async def ttl(self, key: str) -> int:
        if self._skip():
            return await self._counters.ttl(key)
        try:
            seconds = await self._redis.ttl(key)
        except REDIS_FAILURES as exc:
            self._failed(exc)
            return await self._counters.ttl(key)
        self._succeeded()
        return max(0, int(seconds))

    async def ping(self) -> bool:
        try:
            await self._redis.ping()
        except REDIS_FAILURES as exc:
            self._failed(exc)
            return False
        self._succeeded()
        return True

    async def aclose(self) -> None:
        if self._reads is not None:
            await self._reads.aclose()
        await self._redis.aclose()


def _text(value: str | bytes | None) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def build_cache(
    *, redis_url: str | None, tracer_provider: TracerProvider | None = None, gather_reads: bool = False
) -> Cache:
    if not redis_url:
        return MemoryCache()
    return RedisCache(url=redis_url, tracer_provider=tracer_provider, gather_reads=gather_reads)
