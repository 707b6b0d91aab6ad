"""The invalidation channel that keeps every process's near cache coherent.

A process that changes a user deletes its Redis key and publishes the key on this channel
in one round trip (`RedisCache.delete`); every business process subscribes to it on a
connection of its own and drops the key from its near cache when the message arrives.

Plain pub/sub rather than RESP3 client tracking: redis-py's asyncio client does not
implement client-side caching (its `CacheConfig` is for the synchronous client), and a
channel of our own carries exactly the keys we invalidate, whatever wrote them.

The near cache answers only while this subscription is known alive: it is confirmed by
Redis (`subscribe`), and a message or a heartbeat reply (`PING` on the subscribed
connection, every quarter of the liveness window) came within the last
`liveness_seconds`. A refused or reset connection suspends it at once; a connection that
hangs silently, within `liveness_seconds`. Then the listener reconnects, and the near cache
starts again empty once the new subscription is confirmed.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from business_service.cache import REDIS_FAILURES, invalidation_channel
from business_service.metrics import NEAR_CACHE_INVALIDATIONS
from business_service.near_cache import NearCache

log = structlog.get_logger(__name__)


class SubscriptionLost(Exception):
    """Nothing heard on the subscription for the liveness window."""


_LOST: tuple[type[Exception], ...] = (*REDIS_FAILURES, SubscriptionLost)


class InvalidationListener:
    def __init__(self, *, url: str, near: NearCache[Any], reconnect_seconds: float = 0.5) -> None:
        liveness = near.liveness_seconds
        # No retries inside redis-py: a reconnect it made silently would hide a gap in which
        # invalidations were lost. Every failure comes here, and suspends the near cache.
        self._redis: Redis = Redis.from_url(
            url,
            socket_connect_timeout=liveness,
            socket_timeout=liveness,
            health_check_interval=0,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
        self.channel = invalidation_channel(self._redis)
        self._near = near
        self._heartbeat = liveness / 4
        self._reconnect = reconnect_seconds
        self._task: asyncio.Task[None] | None = None
        self._closing = False
        self._lost_since: float | None = None  # for the log line when it is back

    def start(self) -> None:
        self._task = asyncio.create_task(self._run_forever(), name="near-cache-invalidations")

    async def aclose(self) -> None:
        # Also a flag: redis-py may turn the cancellation inside a read into a connection
        # error, which the loop would take for an outage and retry.
        self._closing = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._near.suspend()
        await self._redis.aclose()

    async def _run_forever(self) -> None:
        while not self._closing:
            try:
                await self._listen()
            except _LOST as exc:
                self._near.suspend()
                if self._closing:
                    return
                if self._lost_since is None:
                    self._lost_since = time.monotonic()
                    log.warning("near cache off: invalidation channel lost", error=type(exc).__name__)
            await asyncio.sleep(self._reconnect)

    async def _listen(self) -> None:
        async with self._redis.pubsub() as pubsub:
            await pubsub.subscribe(self.channel)
            began, next_ping = time.monotonic(), 0.0
            while not self._closing:
                now = time.monotonic()
                if now >= next_ping:
                    await pubsub.ping()
                    next_ping = now + self._heartbeat
                message = await pubsub.get_message(timeout=max(0.0, next_ping - time.monotonic()))
                if message is not None:
                    self._receive(message)
                elif not self._near.is_serving and time.monotonic() - began > self._near.liveness_seconds:
                    # Never confirmed, or silent for the liveness window: a hung connection.
                    raise SubscriptionLost

    def _receive(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "subscribe":
            self._near.resume()
            if self._lost_since is not None:
                log.info("near cache on again", off_seconds=round(time.monotonic() - self._lost_since, 1))
                self._lost_since = None
            return
        if kind == "message":
            self._near.drop(str(message["data"]))
            NEAR_CACHE_INVALIDATIONS.inc()
        if not self._near.heard():
            raise SubscriptionLost
