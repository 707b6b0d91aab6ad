"""Remembering which events a consumer group has handled, so that a duplicate is dropped.

Delivery is at least once: the relay may publish an event twice (a cut between the
broker's confirmation and the outbox's acknowledgement), and the broker redelivers what
was not acknowledged. A store keys each event by queue and `message_id` (the event id), and
knows three states: unknown (the caller claims it and runs the handler), being handled (a
copy is in a handler now, here or in another process: wait for it), and done (drop the
copy). An event is marked done only after its handler succeeded; a failed handler releases
its claim, so the redelivery runs the handler again.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import secrets
import time
from typing import Protocol

from redis.asyncio import Redis


class Claim(enum.Enum):
    ACQUIRED = "acquired"  # the caller handles the event, then calls done() or release()
    BUSY = "busy"  # another copy is being handled now: wait(), then claim again
    DONE = "done"  # handled already: drop this copy


class IdempotencyStore(Protocol):
    async def claim(self, key: str) -> Claim: ...

    async def done(self, key: str) -> None: ...

    async def release(self, key: str) -> None: ...

    async def wait(self, key: str, *, within: float) -> None:
        """Return when `key` is no longer busy, or after `within` seconds."""
        ...


class MemoryIdempotencyStore:
    """One process's memory: enough for a consumer group of one process. Forgets on restart
    (a redelivery after a restart is then handled again) and keeps at most `keep` events."""

    def __init__(self, *, keep: int = 100_000) -> None:
        self._keep = keep
        self._done: dict[str, None] = {}  # insertion-ordered: the oldest is forgotten first
        self._busy: dict[str, asyncio.Event] = {}

    async def claim(self, key: str) -> Claim:
        if key in self._done:
            return Claim.DONE
        if key in self._busy:
            return Claim.BUSY
        self._busy[key] = asyncio.Event()
        return Claim.ACQUIRED

    async def done(self, key: str) -> None:
        self._done[key] = None
        while len(self._done) > self._keep:
            del self._done[next(iter(self._done))]
        await self.release(key)

    async def release(self, key: str) -> None:
        event = self._busy.pop(key, None)
        if event is not None:
            event.set()

    async def wait(self, key: str, *, within: float) -> None:
        event = self._busy.get(key)
        if event is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), within)


# Deletes the claim only if it is still this claimant's: after its lease ran out another
# process may hold it (or have marked the event done).
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
_DONE = b"done"


class RedisIdempotencyStore:
    """Shared by every process of a consumer group: a Redis key per event.

    A claim is `SET key <token> NX PX lease`: one process wins, the others see it busy.
    The lease bounds how long a crashed process blocks the event (its redelivery is claimed
    once the lease ran out); a handler that runs longer than the lease may see its event
    handled twice, so make it longer than the slowest handler. `done` keeps the key for
    `keep_seconds`: longer than any redelivery can come (the broker's and the relay's).
    """

    def __init__(
        self,
        redis: Redis,
        *,
        prefix: str = "user-events:handled",
        lease_seconds: float = 60.0,
        keep_seconds: int = 7 * 24 * 3600,
        poll_seconds: float = 0.05,
    ) -> None:
        self._redis = redis
        self._prefix = prefix
        self._lease_ms = int(lease_seconds * 1000)
        self._keep_seconds = keep_seconds
        self._poll = poll_seconds
        self._tokens: dict[str, str] = {}

    def _key(self, key: str) -> str:
        return f"{self._prefix}:{key}"

    async def claim(self, key: str) -> Claim:
        token = f"busy:{secrets.token_hex(8)}"
        while True:
            if await self._redis.set(self._key(key), token, nx=True, px=self._lease_ms):
                self._tokens[key] = token
                return Claim.ACQUIRED
            current = await self._redis.get(self._key(key))
            if current == _DONE:
                return Claim.DONE
            if current is not None:
                return Claim.BUSY
            # The other claim was released (or expired) in between: try again.

    async def done(self, key: str) -> None:
        self._tokens.pop(key, None)
        await self._redis.set(self._key(key), _DONE, ex=self._keep_seconds)

    async def release(self, key: str) -> None:
        token = self._tokens.pop(key, None)
        if token is not None:
            await self._redis.eval(_RELEASE, 1, self._key(key), token)

    async def wait(self, key: str, *, within: float) -> None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            current = await self._redis.get(self._key(key))
            if current is None or current == _DONE:
                return
            await asyncio.sleep(self._poll)
