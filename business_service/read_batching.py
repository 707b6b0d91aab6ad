"""Reads of users by id, gathered: the reads asked for in one turn of the event loop go to the
data service as one call.

Under load the business serves many requests at once, and on a cache miss each of them reads
its user from the data service: one HTTP exchange, one data service request and one query
each, which cost the business more CPU than the data service spent answering (make bench).
While no call of ours is out, a read goes at once, as without gathering (Nagle's rule:
waiting only pays when other reads are coming, and they are when calls are already out).
While calls are out, dloader's `DataLoader` (the DataLoader pattern) collects the ids asked
for until the next turn of the loop and loads them in one call: one `POST /users/lookup` (up
to 100 ids a call), or, for a lone id, the same `GET /users/{user_id}`. Two requests for the
same user in one turn wait on one read. A read is never answered by a call that started
before it was asked, nor from an earlier one (the loader's cache is off; the user cache,
with its invalidation, is for that): it sees every change made before it was asked, as its
own call would.

What each caller gets is what its own read would have given: its user, `NotFound` when the
id names none, or the error of the call (retried, breaker and all, by the gateway) when the
call failed. A caller that goes away (its request cancelled) does not cancel the read others
wait on. The call runs in the context of the request that opened the turn, so the data
service logs it under that request's id.

With tracing (a `tracer`), each caller records a `read user (gathered)` span in its request's
trace, covering its wait, and the call a `gathered user reads` span, the parent of its HTTP
client span; the two link to each other, so every request's trace leads to the call that
served it. The call's span is a child of the first caller whose span is sampled
(docs/tracing.md says why). Without a tracer none of this runs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager

from data_api_client.models import User
from dloader import DataLoader
from opentelemetry.trace import Link, Span, SpanKind, Tracer, set_span_in_context

from business_service.metrics import DATA_USER_READS_PER_CALL
from service_kit.errors import NotFound

# The contract's `UserLookup.ids` maxItems.
MOST_PER_CALL = 100
# A read: the user's id, and how many calls had started when it was asked.
Asked = tuple[int, int]


class UserReads:
    """One per process (the gateway's), used only from its event loop."""

    def __init__(
        self,
        *,
        read_one: Callable[[int], Awaitable[User]],
        read_many: Callable[[Sequence[int]], Awaitable[list[User]]],
        tracer: Tracer | None = None,
    ) -> None:
        self._read_one = read_one
        self._read_many = read_many
        self._loader: DataLoader[Asked, User] = DataLoader(
            self._load, max_batch_size=MOST_PER_CALL, cache=False
        )
        self._spans = None if tracer is None else _GatheredSpans(tracer)
        # Which call a read may join: the loader shares one future among the callers of a key
        # until its call answers. A read asked once a call is on its way must not be answered
        # by it (the call may have been read before a change this read must see: a process
        # that has just written a user reads it back after dropping its cached copy), so the
        # key carries the number of the calls started so far.
        self._started = 0
        # Calls on their way: while there is none, a read goes at once, as without gathering
        # (Nagle's rule): gathering waits a turn of the loop, which only pays when other reads
        # are coming, and they are when calls are already out.
        self._out = 0

    async def get(self, user_id: int) -> User:
        if self._out == 0:
            self._out += 1
            DATA_USER_READS_PER_CALL.observe(1)
            try:
                return await self._read_one(user_id)
            finally:
                self._out -= 1
        asked = (user_id, self._started)
        # The loader hands every caller of one key the same future: shielded, so that a caller
        # cancelled does not cancel it for the others.
        if self._spans is None:
            return await asyncio.shield(self._loader.load(asked))
        with self._spans.caller(asked):
            return await asyncio.shield(self._loader.load(asked))

    async def _load(self, asked: Sequence[Asked]) -> list[User | Exception]:
        self._started += 1
        self._out += 1
        try:
            if self._spans is None:
                return await self._read(asked)
            with self._spans.call(asked):
                return await self._read(asked)
        finally:
            self._out -= 1

    async def _read(self, asked: Sequence[Asked]) -> list[User | Exception]:
        # The same id twice only when more than a call's worth was asked in one turn.
        ids = list(dict.fromkeys(user_id for user_id, _ in asked))
        DATA_USER_READS_PER_CALL.observe(len(ids))
        if len(ids) == 1:
            try:
                user = await self._read_one(ids[0])
            except NotFound as missing:
                return [missing for _ in asked]
            return [user for _ in asked]
        found = {user.id: user for user in await self._read_many(ids)}
        return [found.get(user_id) or NotFound(f"User {user_id} does not exist.") for user_id, _ in asked]

    async def aclose(self) -> None:
        """Cancel the reads still running (at shutdown, after the server drained its requests)."""
        await self._loader.shutdown()
        if self._spans is not None:
            self._spans.waiting.clear()


class _GatheredSpans:
    """The spans of the callers and of the calls that served them, linked both ways."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        # The spans of the callers of each read whose call has not started.
        self.waiting: dict[Asked, list[Span]] = {}

    @contextmanager
    def caller(self, asked: Asked) -> Iterator[None]:
        """A caller's wait, in its request's trace."""
        with self._tracer.start_as_current_span(
            "read user (gathered)", kind=SpanKind.INTERNAL, attributes={"user.id": str(asked[0])}
        ) as span:
            self.waiting.setdefault(asked, []).append(span)
            yield

    @contextmanager
    def call(self, asked: Sequence[Asked]) -> Iterator[None]:
        """One call for `asked`: the current span while it runs, so its HTTP client span is a
        child. Its parent is the first caller sampled (any sampler then records the call when
        it records a request the call served), or the first caller when none is."""
        callers = [span for read in asked for span in self.waiting.pop(read, ())]
        sampled = [span for span in callers if span.get_span_context().trace_flags.sampled]
        parent = (sampled or callers)[:1]
        with self._tracer.start_as_current_span(
            "gathered user reads",
            context=set_span_in_context(parent[0]) if parent else None,
            kind=SpanKind.INTERNAL,
            attributes={
                "user_reads.ids": len({user_id for user_id, _ in asked}),
                "user_reads.callers": len(callers),
            },
            links=[Link(span.get_span_context()) for span in callers],
        ) as call:
            for span in callers:
                if span.is_recording():  # not once its caller went away
                    span.add_link(call.get_span_context())
            yield
