"""The near cache: an in-process LRU of parsed accounts in front of Redis.

A cache hit on Redis costs a round trip and a parse, which is most of what a signed-in
request costs. This keeps the parsed value in the process, and answers from it only while
the process is known to hear every invalidation (`invalidations.InvalidationListener` says
so: it calls `resume` once subscribed, `heard` on every message or heartbeat reply, and
`suspend` when the subscription is lost). Otherwise every `get` misses, and the entries
are dropped, so nothing cached before a gap in the invalidations is ever served after it.

The race it guards against: a reader misses, reads the old value from Redis or the data
service, the invalidation arrives, and only then would the reader store the old value.
Every invalidation moves `generation`; a reader takes the generation before it reads, and
`put` refuses a value read under an older one.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class NearCache(Generic[V]):
    def __init__(
        self, *, max_entries: int, liveness_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._entries: OrderedDict[str, tuple[float, V]] = OrderedDict()
        self._max = max_entries
        self._liveness = liveness_seconds
        self._clock = clock
        self._subscribed = False
        # Answers only before this time (of `clock`): the last sign of life of the
        # subscription plus the liveness window. A connection that hangs silently thus
        # stops the answers `liveness_seconds` after it was last heard from.
        self._serving_until = 0.0
        self.generation = 0

    @property
    def liveness_seconds(self) -> float:
        return self._liveness

    @property
    def is_serving(self) -> bool:
        return self._clock() < self._serving_until

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: str) -> V | None:
        now = self._clock()
        if now >= self._serving_until:
            return None
        item = self._entries.get(key)
        if item is None:
            return None
        if item[0] <= now:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return item[1]

    def put(self, key: str, value: V, *, generation: int, ttl_seconds: float) -> bool:
        """Keep `value`, read when `generation` was current; refused (False) if an
        invalidation came since, or while not serving."""
        now = self._clock()
        if generation != self.generation or now >= self._serving_until:
            return False
        self._entries[key] = (now + ttl_seconds, value)
        self._entries.move_to_end(key)
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return True

    def drop(self, key: str) -> None:
        """`key` changed: forget it, and refuse values of it read before now."""
        self.generation += 1
        self._entries.pop(key, None)

    def resume(self) -> None:
        """The subscription is (again) confirmed: start afresh and answer."""
        self._entries.clear()
        self.generation += 1
        self._subscribed = True
        self._serving_until = self._clock() + self._liveness

    def heard(self) -> bool:
        """The subscription showed it is alive: answer for another liveness window. False when
        the window had already lapsed (invalidations may have been missed: reconnect)."""
        now = self._clock()
        if not self._subscribed or now >= self._serving_until:
            return False
        self._serving_until = now + self._liveness
        return True

    def suspend(self) -> None:
        """The subscription is lost: answer nothing and forget everything."""
        self._subscribed = False
        self._serving_until = 0.0
        self.generation += 1
        self._entries.clear()
