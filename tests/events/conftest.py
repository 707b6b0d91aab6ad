"""The generated consumer package (user_events_consumer) against the machine's RabbitMQ.

Each test consumes from a throwaway exchange of its own, whose contract queues are
declared before anything is published and deleted afterwards; events are published as
the business service publishes them (persistent, mandatory, confirmed, with their
headers). Back-offs are short, so a test takes seconds.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from urllib.parse import urlsplit

import aio_pika
import pytest
from aio_pika.abc import AbstractExchange, AbstractQueue, AbstractRobustConnection
from redis.asyncio import Redis
from user_events_consumer import Backoff, UserCreatedEvent, contract, declare_topology

from tests import infra
from tests.broker import delete_events_topology, throwaway_exchange

QUICK = Backoff(first=0.02, factor=2.0, limit=0.1)
# The idempotency stores' Redis database: the other suites flush theirs (15, 14, 13) at will,
# and a store that forgets would let a duplicate through. Under xdist, the worker's own,
# which only its own tests, one at a time, flush (tests/infra.py).
CONSUMER_REDIS_DB = infra.CONSUMER_REDIS_DB


def created_event(user_id: int) -> UserCreatedEvent:
    now = datetime.now(UTC)
    return UserCreatedEvent.model_validate(
        {
            "event_id": str(uuid.uuid4()),
            "event_type": "user.created",
            "event_version": 1,
            "occurred_at": now,
            "user": {
                "id": user_id,
                "email": f"user{user_id}@example.com",
                "username": f"user{user_id}",
                "full_name": "",
                "role": "user",
                "is_active": True,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            },
        }
    )


class Broker:
    """A throwaway exchange with the contract's queues, and a confirming channel on it."""

    def __init__(self, url: str, connection: AbstractRobustConnection, exchange: AbstractExchange) -> None:
        self.url = url
        self.connection = connection
        self.exchange = exchange

    @property
    def name(self) -> str:
        return self.exchange.name

    async def publish(
        self, event: UserCreatedEvent, *, version: int = 1, exchange: AbstractExchange | None = None
    ) -> None:
        message = aio_pika.Message(
            body=event.model_dump_json(exclude_unset=True).encode(),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(event.event_id),
            headers={"event-version": version, "event-type": event.event_type},
        )
        await (exchange or self.exchange).publish(
            message, routing_key=event.event_type, mandatory=True, timeout=10
        )

    async def dead_letters(self) -> AbstractQueue:
        channel = await self.connection.channel()
        return await channel.get_queue(contract.AUDIT_DEAD.name_for(self.name), ensure=True)

    async def dead_lettered(
        self, count: int, *, within: float = 10
    ) -> list[aio_pika.abc.AbstractIncomingMessage]:
        """The first `count` messages of the dead-letter queue, once they are there."""
        queue = await self.dead_letters()
        found: list[aio_pika.abc.AbstractIncomingMessage] = []
        deadline = time.monotonic() + within
        while len(found) < count:
            message = await queue.get(no_ack=True, fail=False)
            if message is not None:
                found.append(message)
                continue
            assert time.monotonic() < deadline, f"{len(found)} of {count} dead letters within {within}s"
            await asyncio.sleep(0.05)
        return found


@pytest.fixture
async def broker(rabbitmq_url: str) -> AsyncIterator[Broker]:
    name = throwaway_exchange("consumer-tests")
    connection = await aio_pika.connect_robust(rabbitmq_url, timeout=5)
    try:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await declare_topology(channel, exchange=name, queues=contract.QUEUES)
        yield Broker(rabbitmq_url, connection, exchange)
    finally:
        await connection.close()
        await delete_events_topology(rabbitmq_url, name)


@pytest.fixture
async def store_redis_url(redis_url: str, broker: Broker) -> AsyncIterator[str]:
    """A Redis database no other suite flushes; this test's keys (`test-handled:<exchange>:*`)
    are deleted afterwards."""
    url = urlsplit(redis_url)._replace(path=f"/{CONSUMER_REDIS_DB}").geturl()
    yield url
    redis = Redis.from_url(url)
    try:
        # Also the default prefix's keys (the README example's), which name the queue.
        keys = [key async for key in redis.scan_iter(f"*{broker.name}*")]
        if keys:
            await redis.delete(*keys)
    finally:
        await redis.aclose()


def store_prefix(broker: Broker) -> str:
    return f"test-handled:{broker.name}"


async def until(check: Callable[[], bool | Awaitable[bool]], *, within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within}s: {what}")
        await asyncio.sleep(0.05)
