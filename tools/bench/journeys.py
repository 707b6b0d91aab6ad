"""Journeys through the business API, and a consumer of the events they cause.

A journey registers a user, logs in, reads `/users/me`, changes its full name (`PATCH
/users/me` with the version just read) and reads `/users/me` again. `run_journeys` runs
many at once on one pooled httpx client and counts every answer by step and status; a
request that gets no answer at all (refused, reset, timed out) counts as status 0. Plain
httpx rather than the generated client: every journey sends its own user's token, and a
generated client holds one token, so it would take a client (and a pool) per user.

`EventTap` binds a queue of its own with `#` to a topic exchange and keeps every message.
`EventConsumer` consumes the contract's audit queue through the generated consumer package
(user_events_consumer), as another team would, and keeps every event it handled.

`make bench` (tools/bench/losses.py) and tests/faults/test_load.py both drive the load
through here.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

import aio_pika
import httpx
from aio_pika.abc import AbstractIncomingMessage
from user_events_consumer import QUEUES, AnyUserEvent, EventConsumer, contract, delete_topology

NO_ANSWER = 0  # the status counted for a request that got no HTTP answer
STEPS = ("register", "login", "read", "update")


def user_body(name: str, password: str) -> dict[str, str]:
    return {"email": f"{name}@example.com", "username": name, "password": password}


def updated_name(name: str) -> str:
    """The full name the journey of user `name` sets."""
    return name.upper()


def expected_statuses(count: int) -> Counter[tuple[str, int]]:
    """What `count` journeys answer when every request succeeds."""
    return Counter(
        {("register", 201): count, ("login", 200): count, ("read", 200): 2 * count, ("update", 200): count}
    )


@dataclass(frozen=True, slots=True)
class Journeys:
    """What `run_journeys` saw."""

    statuses: Counter[tuple[str, int]]  # (step, status) -> answers; status 0: no answer
    created: dict[str, int]  # username -> id, for every 201 to a registration
    latencies: dict[str, list[float]]  # step -> seconds of each answered request
    seconds: float

    @property
    def server_errors(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status >= 500)

    @property
    def unanswered(self) -> int:
        return sum(n for (_, status), n in self.statuses.items() if status == NO_ANSWER)

    @property
    def updated(self) -> int:
        return self.statuses["update", 200]


async def run_journeys(
    *, base_url: str, count: int, concurrency: int, password: str, prefix: str = "journey"
) -> Journeys:
    """`count` journeys of users `<prefix>00000`..., at most `concurrency` at a time.

    A journey stops at its first unexpected answer; the others go on.
    """
    statuses: Counter[tuple[str, int]] = Counter()
    latencies: dict[str, list[float]] = {step: [] for step in STEPS}
    created: dict[str, int] = {}
    semaphore = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, timeout=30, limits=limits) as client:

        async def call(
            step: str, method: str, path: str, expected: int, **kwargs: Any
        ) -> httpx.Response | None:
            """The answer when it is the `expected` status, else None; either way counted."""
            began = time.perf_counter()
            try:
                response = await client.request(method, path, **kwargs)
            except httpx.TransportError:
                statuses[step, NO_ANSWER] += 1
                return None
            latencies[step].append(time.perf_counter() - began)
            statuses[step, response.status_code] += 1
            return response if response.status_code == expected else None

        async def journey(name: str) -> None:
            async with semaphore:
                body = user_body(name, password)
                registered = await call("register", "POST", "/auth/register", 201, json=body)
                if registered is None:
                    return
                created[name] = registered.json()["id"]
                form = {"username": name, "password": password}
                token = await call("login", "POST", "/auth/token", 200, data=form)
                if token is None:
                    return
                headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
                me = await call("read", "GET", "/users/me", 200, headers=headers)
                if me is None:
                    return
                update = {"full_name": updated_name(name), "version": me.json()["version"]}
                if await call("update", "PATCH", "/users/me", 200, headers=headers, json=update) is None:
                    return
                await call("read", "GET", "/users/me", 200, headers=headers)

        began = time.monotonic()
        await asyncio.gather(*(journey(f"{prefix}{number:05d}") for number in range(count)))
        seconds = time.monotonic() - began
    return Journeys(statuses=statuses, created=created, latencies=latencies, seconds=seconds)


@dataclass(frozen=True, slots=True)
class Event:
    message_id: str
    routing_key: str
    body: dict[str, Any]

    @property
    def user_id(self) -> int:
        user_id: int = self.body["user"]["id"]
        return user_id


class EventTap:
    """A queue of its own, bound with `#` to the topic exchange `exchange_name`: every event.

    The exchange is declared (durable, as the publisher declares it) on entry, so nothing
    published after that is missed, and deleted on exit: give each run a name of its own.
    """

    def __init__(self, rabbitmq_url: str, exchange_name: str) -> None:
        self.url = rabbitmq_url
        self.exchange_name = exchange_name
        self.events: list[Event] = []

    async def __aenter__(self) -> Self:
        self._connection = await aio_pika.connect(self.url, timeout=5)
        channel = await self._connection.channel()
        self._exchange = await channel.declare_exchange(
            self.exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue("", exclusive=True)
        await queue.bind(self._exchange, routing_key="#")
        await queue.consume(self._received, no_ack=True)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            # The business service declared the contract's durable queues on this exchange.
            await delete_topology(
                await self._connection.channel(), exchange=self.exchange_name, queues=QUEUES
            )
        finally:
            await self._connection.close()

    async def _received(self, message: AbstractIncomingMessage) -> None:
        # A message without an id or a routing key is kept with an empty one, and counted so.
        self.events.append(
            Event(message.message_id or "", message.routing_key or "", json.loads(message.body))
        )

    def of_type(self, event_type: str) -> list[Event]:
        return [event for event in self.events if event.routing_key == event_type]

    def duplicates(self) -> int:
        """Messages received more than once (by message_id)."""
        return len(self.events) - len({event.message_id for event in self.events})

    async def wait_for(self, event_type: str, count: int, *, within: float = 15) -> list[Event]:
        """Wait until `count` distinct events of `event_type` have arrived; return them all.

        Raises TimeoutError when they have not arrived within `within` seconds.
        """
        deadline = time.monotonic() + within
        while len({event.message_id for event in self.of_type(event_type)}) < count:
            if time.monotonic() > deadline:
                arrived = len(self.of_type(event_type))
                raise TimeoutError(f"not within {within}s: {count} {event_type} events ({arrived} arrived)")
            await asyncio.sleep(0.1)
        return self.of_type(event_type)


class ConsumedEvents(EventTap):
    """The events as another team's consumer sees them: the contract's audit queue on
    `exchange_name`, consumed through the generated package (user_events_consumer), which
    drops duplicates by message_id. `events` holds each event its handler ran for, so a
    duplicate there is an event handled twice.

    The queue is declared on entry (before the business service publishes), and deleted
    with the exchange on exit.
    """

    async def __aenter__(self) -> Self:
        self._consumer = EventConsumer(
            url=self.url, queue=contract.AUDIT, handler=self._handle, exchange=self.exchange_name, prefetch=64
        )
        await self._consumer.start()
        self._connection = await aio_pika.connect(self.url, timeout=5)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        try:
            await self._consumer.stop()
        finally:
            await super().__aexit__(kind, error, trace)

    async def _handle(self, event: AnyUserEvent) -> None:
        self.events.append(Event(str(event.event_id), event.event_type, event.model_dump(mode="json")))

    @property
    def dropped_duplicates(self) -> int:
        """Copies the consumer acknowledged without handling (at-least-once delivery at work)."""
        return self._consumer.stats.duplicates
