"""The reads of one turn of the event loop, gathered into one call: what the data reads
(`read_batching.UserReads`) and the Redis cache's reads (`cache.RedisCache`) share.

dloader's `DataLoader` collects the keys asked for until the next turn of the loop and calls
`read` once with them (up to `most` a call). Two rules on top of it, the same for both:
- A read is never answered by a call that started before it was asked. The loader shares
  one future among the callers of a key until its call answers; a call already on its way
  may have read before a change this read must see (a process that has just written a user
  reads it back after dropping its cached copy). So the loader's key carries the number of
  calls started so far: a read only joins the reads of its own turn.
- That shared future is shielded, so a caller that goes away (its request cancelled) does
  not cancel it for the others.
The loader's own cache is off: a read is never answered from an earlier one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Generic, TypeVar

from dloader import DataLoader

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
# A read: its key, and how many calls had started when it was asked.
Asked = tuple[K, int]


class Gathering(Generic[K, V]):
    """One per reader and process, used only from its event loop."""

    def __init__(
        self,
        read: Callable[[list[K]], Awaitable[Sequence[V | Exception]]],
        *,
        most: int,
        around_call: Callable[[Sequence[Asked[K]]], AbstractContextManager[None]] | None = None,
    ) -> None:
        """`read`: the values of distinct keys, in their order (or an exception each).
        `around_call`: entered around each call with the reads it serves (tracing)."""
        self._read = read
        self._around_call = around_call
        self._loader: DataLoader[Asked[K], V] = DataLoader(self._load, max_batch_size=most, cache=False)
        self._started = 0

    def ask(self, key: K) -> Asked[K]:
        """The read of `key` asked now: what `get` takes."""
        return (key, self._started)

    async def get(self, asked: Asked[K]) -> V:
        return await asyncio.shield(self._loader.load(asked))

    async def _load(self, asked: Sequence[Asked[K]]) -> list[V | Exception]:
        self._started += 1
        # The same key twice only when more than a call's worth was asked in one turn.
        keys = list(dict.fromkeys(key for key, _ in asked))
        with self._around_call(asked) if self._around_call is not None else nullcontext():
            found = dict(zip(keys, await self._read(keys), strict=True))
        return [found[key] for key, _ in asked]

    async def aclose(self) -> None:
        """Cancel the calls still running (at shutdown, after the server drained its requests)."""
        await self._loader.shutdown()
