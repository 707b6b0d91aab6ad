"""Per-caller request limits: a fixed window per caller, counted by the `limits` library.

On the configured Redis, so that every business process counts against one limit; while
Redis is away (or with none configured) in this process's memory, so that the limit still
holds, per process, as the login limits do. A Redis failure never fails a request.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import structlog
from limits import RateLimitItemPerMinute
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio import ConnectionPool

from business_service.cache import REDIS_FAILURES

log = structlog.get_logger(__name__)
WINDOW_SECONDS = 60
_FAILURES: tuple[type[Exception], ...] = (StorageError, *REDIS_FAILURES)


@dataclass(frozen=True, slots=True)
class Refusal:
    """A caller over the limit: the numbers of the `RateLimit` header fields."""

    limit: int
    window_seconds: int
    reset_seconds: int


class CallerLimits:
    """At most `per_minute` requests per caller in each one-minute window."""

    def __init__(
        self,
        *,
        per_minute: int,
        redis_url: str | None,
        redis_timeout: float = 0.25,
        retry_redis_after_seconds: float = 1.0,
    ) -> None:
        self._item = RateLimitItemPerMinute(per_minute)
        self.per_minute = per_minute
        self._memory = FixedWindowRateLimiter(MemoryStorage())
        self._shared: FixedWindowRateLimiter | None = None
        self._pool: ConnectionPool | None = None
        if redis_url:
            # Our pool, with the cache's short timeouts, so that the lifespan can close it.
            self._pool = ConnectionPool.from_url(
                redis_url, socket_timeout=redis_timeout, socket_connect_timeout=redis_timeout
            )
            storage = RedisStorage(
                f"async+{redis_url}",
                # redis-py, which the cache already uses, rather than the default coredis.
                implementation="redispy",
                wrap_exceptions=True,
                key_prefix="limits:caller",
                connection_pool=self._pool,  # type: ignore[arg-type]  # passed on to redis-py
            )
            self._shared = FixedWindowRateLimiter(storage)
        self._retry_after = retry_redis_after_seconds
        self._redis_down_until: float | None = None

    async def hit(self, caller: str) -> Refusal | None:
        """Count one request of `caller`; a Refusal if it is over the limit."""
        limiter = self._limiter()
        try:
            allowed = await limiter.hit(self._item, caller)
            if allowed:
                self._redis_answered(limiter)
                return None
            stats = await limiter.get_window_stats(self._item, caller)
        except _FAILURES as exc:
            if limiter is self._memory:
                raise
            self._redis_failed(exc)
            return await self.hit(caller)
        self._redis_answered(limiter)
        reset = max(1, math.ceil(stats.reset_time - time.time()))
        return Refusal(limit=self.per_minute, window_seconds=WINDOW_SECONDS, reset_seconds=reset)

    async def aclose(self) -> None:
        if self._pool is not None:
            await self._pool.disconnect()

    def _limiter(self) -> FixedWindowRateLimiter:
        if self._shared is None:
            return self._memory
        if self._redis_down_until is not None and time.monotonic() < self._redis_down_until:
            return self._memory
        return self._shared

    def _redis_failed(self, exc: Exception) -> None:
        if self._redis_down_until is None:
            log.warning("redis is down; request limits are counted per process", error=type(exc).__name__)
        self._redis_down_until = time.monotonic() + self._retry_after

    def _redis_answered(self, limiter: FixedWindowRateLimiter) -> None:
        if limiter is self._shared and self._redis_down_until is not None:
            log.info("redis is back; request limits are shared again")
            self._redis_down_until = None
