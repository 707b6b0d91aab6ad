"""Reads of users by id, gathered: the reads asked for in one turn of the event loop go to the
data service as one call.

Under load the business serves many requests at once, and on a cache miss each of them reads
its user from the data service: one HTTP exchange, one data service request and one query
each, which cost the business more CPU than the data service spent answering (make bench).
While no call of ours is out, a read goes at once, as without gathering (Nagle's rule:
waiting only pays when other reads are coming, and they are when calls are already out).
While calls are out, the reads of a turn of the loop go as one call (`gathering.Gathering`,
on dloader's `DataLoader`): one `POST /users/lookup` (up to 100 ids a call), or, for a lone
id, the same `GET /users/{user_id}`. Two requests for the same user in one turn wait on one
read. A read is never answered by a call that started before it was asked, nor from an
earlier one (the user cache, with its invalidation, is for that): it sees every change made
before it was asked, as its own call would.

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

from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager

from data_api_client.models import User
from opentelemetry.trace import Link, Span, SpanKind, Tracer, set_span_in_context

from business_service.gathering import Asked, Gathering
from business_service.metrics import DATA_USER_READS_PER_CALL
from service_kit.errors import NotFound

# The contract's `UserLookup.ids` maxItems.
MOST_PER_CALL = 100


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
        self._spans = None if tracer is None else _GatheredSpans(tracer)
        self._gathering: Gathering[int, User] = Gathering(
            self._read,
            most=MOST_PER_CALL,
            around_call=None if self._spans is None else self._spans.call,
        )
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
        asked = self._gathering.ask(user_id)
        if self._spans is None:
            return await self._gathering.get(asked)
        with self._spans.caller(asked):
            return await self._gathering.get(asked)

    async def _read(self, ids: list[int]) -> list[User | Exception]:
        DATA_USER_READS_PER_CALL.observe(len(ids))
        self._out += 1
        try:
            if len(ids) == 1:
                try:
                    return [await self._read_one(ids[0])]
                except NotFound as missing:
                    return [missing]
            found = {user.id: user for user in await self._read_many(ids)}
        finally:
            self._out -= 1
        return [found.get(user_id) or NotFound(f"User {user_id} does not exist.") for user_id in ids]

    async def aclose(self) -> None:
        """Cancel the reads still running (at shutdown, after the server drained its requests)."""
        await self._gathering.aclose()
        if self._spans is not None:
            self._spans.waiting.clear()


class _GatheredSpans:
    """The spans of the callers and of the calls that served them, linked both ways."""

    def __init__(self, tracer: Tracer) -> None:
        self._tracer = tracer
        # The spans of the callers of each read whose call has not started.
        self.waiting: dict[Asked[int], list[Span]] = {}

    @contextmanager
    def caller(self, asked: Asked[int]) -> Iterator[None]:
        """A caller's wait, in its request's trace."""
        with self._tracer.start_as_current_span(
            "read user (gathered)", kind=SpanKind.INTERNAL, attributes={"user.id": str(asked[0])}
        ) as span:
            self.waiting.setdefault(asked, []).append(span)
            yield

    @contextmanager
    def call(self, asked: Sequence[Asked[int]]) -> Iterator[None]:
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
