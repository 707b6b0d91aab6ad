"""Events through the business service to the generated consumer: nothing is confirmed into
nowhere, and what was published before any consumer ran waits for it."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from functools import partial

import aio_pika
import httpx
import pytest
from user_events_consumer import AnyUserEvent, EventConsumer, contract

from tests.broker import delete_events_topology, throwaway_exchange
from tests.faults.conftest import all_published, business_service, eventually, register
from tests.live import LiveService
from tests.metrics import scrape

USERS = 10


@pytest.fixture
async def exchange(rabbitmq_url: str) -> AsyncIterator[str]:
    name = throwaway_exchange("faults-consumer")
    yield name
    await delete_events_topology(rabbitmq_url, name)


async def test_events_published_before_any_consumer_ran_reach_it_once_each(
    live_data: LiveService, database: str, rabbitmq_url: str, exchange: str
) -> None:
    with business_service(live_data.url, RABBITMQ_URL=rabbitmq_url, EVENTS_EXCHANGE=exchange) as business:
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            users = [await register(client, f"early{number}") for number in range(USERS)]
        await eventually(partial(all_published, database), within=20, what="every event confirmed")
    # Only now, with the business service gone, does a consumer of the audit queue start.
    created: Counter[int] = Counter()

    async def handle(event: AnyUserEvent) -> None:
        if event.event_type == "user.created":
            created[event.user.id] += 1

    async with EventConsumer(
        url=rabbitmq_url, queue=contract.AUDIT, handler=handle, exchange=exchange
    ) as consumer:

        async def all_arrived() -> bool:
            return len(created) == USERS

        await eventually(all_arrived, within=15, what=f"{USERS} user.created events")
        await asyncio.sleep(0.3)  # a copy would arrive now
    assert created == Counter({user["id"]: 1 for user in users})
    assert consumer.stats.duplicates == 0


async def test_an_event_no_queue_takes_stays_pending_until_the_queues_are_declared_again(
    live_data: LiveService, database: str, rabbitmq_url: str, exchange: str
) -> None:
    with business_service(live_data.url, RABBITMQ_URL=rabbitmq_url, EVENTS_EXCHANGE=exchange) as business:
        async with httpx.AsyncClient(base_url=business.url, timeout=30) as client:
            await register(client, "before")
            await eventually(partial(all_published, database), within=20, what="the first event confirmed")
            # Someone deletes the audit queue: the exchange has no queue for user events now.
            connection = await aio_pika.connect(rabbitmq_url, timeout=5)
            try:
                await (await connection.channel()).queue_delete(contract.AUDIT.name_for(exchange))
            finally:
                await connection.close()
            after = await register(client, "after")
            await eventually(partial(all_published, database), within=20, what="the second event confirmed")
            metrics = await scrape(client)
    # The broker returned it (mandatory), the relay kept it pending and declared the queues again.
    assert metrics["outbox_relay_returned_events_total", ()] >= 1
    received: list[int] = []

    async def handle(event: AnyUserEvent) -> None:
        received.append(event.user.id)

    async with EventConsumer(url=rabbitmq_url, queue=contract.AUDIT, handler=handle, exchange=exchange):

        async def arrived() -> bool:
            return bool(received)

        await eventually(arrived, within=15, what="the returned event, published again")
        await asyncio.sleep(0.3)
    assert received == [after["id"]]
