"""A broker restart under running consumers: they reconnect and nothing is lost.

The only test that restarts the machine's RabbitMQ (`rabbitmqctl stop_app`, `start_app`:
a few seconds, the node's quorum queues recover from disk). Marked `broker_restart` so a
shared machine can run it apart: `pytest -m "not broker_restart"` leaves it out.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections import Counter

import aio_pika
import pytest
from user_events_consumer import AnyUserEvent, EventConsumer, contract

from tests.events.conftest import QUICK, Broker, created_event, until
from tests.faults.conftest import quick_reconnect

pytestmark = pytest.mark.broker_restart


def rabbitmqctl(*args: str) -> None:
    ctl = shutil.which("rabbitmqctl")
    if ctl is None:
        pytest.skip("rabbitmqctl is not on this machine")
    subprocess.run([ctl, *args], check=True, capture_output=True, timeout=120)


async def test_consumers_reconnect_after_a_broker_restart_and_lose_nothing(broker: Broker) -> None:
    events = [created_event(user_id) for user_id in range(1, 13)]
    handled: Counter[int] = Counter()
    slow = asyncio.Event()

    async def handle(event: AnyUserEvent) -> None:
        if event.user.id in (3, 4):
            slow.set()
            await asyncio.sleep(1.0)  # in a handler when the broker goes: acknowledged never
        handled[event.user.id] += 1

    consumer = EventConsumer(
        url=quick_reconnect(broker.url),
        queue=contract.AUDIT,
        handler=handle,
        exchange=broker.name,
        prefetch=2,
        backoff=QUICK,
    )
    async with consumer:
        for event in events[:6]:
            await broker.publish(event)
        await slow.wait()
        await asyncio.to_thread(rabbitmqctl, "stop_app")
        await asyncio.to_thread(rabbitmqctl, "start_app")
        restarted = time.monotonic()
        await until(lambda: consumer.connected, within=30, what="the consumer reconnected")
        # A publisher of its own: the fixture's reconnects on aio-pika's default 5 s.
        connection = await aio_pika.connect(broker.url, timeout=10)
        try:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await channel.get_exchange(broker.name)
            for event in events[6:]:
                await broker.publish(event, exchange=exchange)
        finally:
            await connection.close()
        await until(lambda: len(handled) == len(events), within=30, what="every event handled")
        recovered = time.monotonic() - restarted
    assert set(handled) == {event.user.id for event in events}
    assert max(handled.values()) == 1, handled
    assert recovered < 15, f"{recovered:.1f}s from the restart to every event handled"
