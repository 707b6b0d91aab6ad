"""The consumer runtime of the generated package: dead letters, duplicates, versions."""

from __future__ import annotations

import asyncio
from collections import Counter

from aio_pika.abc import AbstractIncomingMessage
from redis.asyncio import Redis
from user_events_consumer import (
    AnyUserEvent,
    EventConsumer,
    Handler,
    MemoryIdempotencyStore,
    RedisIdempotencyStore,
    contract,
)

from tests.events.conftest import QUICK, Broker, created_event, store_prefix, until

DELIVERY_LIMIT = int(contract.AUDIT.arguments["x-delivery-limit"])


def death_reason(message: AbstractIncomingMessage) -> object:
    """Why the queue dead-lettered `message` (its first x-death entry)."""
    deaths = message.headers["x-death"]
    assert isinstance(deaths, list)
    assert isinstance(deaths[0], dict)
    return deaths[0]["reason"]


async def test_a_failing_event_is_dead_lettered_after_the_delivery_limit_and_the_rest_are_handled(
    broker: Broker,
) -> None:
    events = [created_event(user_id) for user_id in (1, 2, 3, 4)]
    attempts: Counter[int] = Counter()
    handled: list[int] = []

    async def handle(event: AnyUserEvent) -> None:
        attempts[event.user.id] += 1
        if event.user.id == 2:
            raise RuntimeError("this event cannot be handled")
        handled.append(event.user.id)

    for event in events:
        await broker.publish(event)
    consumer = EventConsumer(
        url=broker.url, queue=contract.AUDIT, handler=handle, exchange=broker.name, backoff=QUICK
    )
    async with consumer:
        [dead] = await broker.dead_lettered(1)
        await until(lambda: len(handled) == 3, within=10, what="the other events handled")
    assert sorted(handled) == [1, 3, 4]
    # The first delivery, then one per return until the queue's delivery limit is passed.
    assert attempts[2] == DELIVERY_LIMIT + 1
    assert dead.message_id == str(events[1].event_id)
    assert death_reason(dead) == "delivery_limit"
    assert consumer.stats.failed == DELIVERY_LIMIT + 1
    assert consumer.stats.handled == 3


async def test_an_unknown_event_version_is_dead_lettered_and_the_consumer_goes_on(broker: Broker) -> None:
    future, known = created_event(1), created_event(2)
    handled: list[int] = []

    async def handle(event: AnyUserEvent) -> None:
        handled.append(event.user.id)

    await broker.publish(future, version=2)
    await broker.publish(known)
    async with EventConsumer(
        url=broker.url, queue=contract.AUDIT, handler=handle, exchange=broker.name, backoff=QUICK
    ) as consumer:
        [dead] = await broker.dead_lettered(1)
        await until(lambda: handled == [2], within=10, what="the known version handled")
    assert dead.message_id == str(future.event_id)
    assert death_reason(dead) == "rejected"
    assert consumer.stats.rejected == 1


async def test_an_event_published_twice_is_handled_once(broker: Broker) -> None:
    # What a relay cut between the broker's confirmation and the outbox's acknowledgement does.
    twice, once = created_event(1), created_event(2)
    handled: list[int] = []

    async def handle(event: AnyUserEvent) -> None:
        handled.append(event.user.id)

    for event in (twice, once, twice):
        await broker.publish(event)
    async with EventConsumer(
        url=broker.url,
        queue=contract.AUDIT,
        handler=handle,
        exchange=broker.name,
        store=MemoryIdempotencyStore(),
    ) as consumer:
        await until(
            lambda: consumer.stats.handled + consumer.stats.duplicates == 3, within=10, what="3 deliveries"
        )
    assert sorted(handled) == [1, 2]
    assert consumer.stats.duplicates == 1


async def test_two_copies_arriving_at_once_in_two_consumers_run_the_handler_once(
    broker: Broker, store_redis_url: str
) -> None:
    """Two consumers of one group, one Redis store: the second copy waits for the first,
    and is dropped once the first is done; a failed first copy would let it run instead."""
    event = created_event(1)
    runs: list[str] = []
    started = asyncio.Event()

    def handler(name: str) -> Handler:
        async def handle(event: AnyUserEvent) -> None:
            runs.append(name)
            started.set()
            await asyncio.sleep(0.5)  # both copies are delivered while this one runs

        return handle

    redis = Redis.from_url(store_redis_url)
    try:
        stores = [RedisIdempotencyStore(redis, prefix=store_prefix(broker)) for _ in range(2)]
        consumers = [
            EventConsumer(
                url=broker.url,
                queue=contract.AUDIT,
                handler=handler(name),
                exchange=broker.name,
                store=store,
                prefetch=1,
            )
            for name, store in zip(("a", "b"), stores, strict=True)
        ]
        async with consumers[0], consumers[1]:
            await broker.publish(event)
            await broker.publish(event)
            await until(
                lambda: sum(c.stats.handled + c.stats.duplicates for c in consumers) == 2,
                within=10,
                what="both copies settled",
            )
    finally:
        await redis.aclose()
    assert len(runs) == 1
    assert sum(c.stats.duplicates for c in consumers) == 1
