"""One consumer process of the audit group, for the tests that run several:

    python -m tests.events.consumer_process <amqp url> <exchange> <redis url> <handled file>

It handles each event by appending its id to the file, and consumes until terminated.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from redis.asyncio import Redis
from user_events_consumer import AnyUserEvent, Backoff, EventConsumer, RedisIdempotencyStore, contract


async def main(url: str, exchange: str, redis_url: str, handled: Path) -> None:
    redis = Redis.from_url(redis_url)
    store = RedisIdempotencyStore(redis, prefix=f"test-handled:{exchange}", keep_seconds=600)

    async def handle(event: AnyUserEvent) -> None:
        await asyncio.sleep(0.01)  # long enough for the other process to take its share
        with handled.open("a") as out:
            out.write(f"{event.event_id}\n")

    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    consumer = EventConsumer(
        url=url,
        queue=contract.AUDIT,
        handler=handle,
        exchange=exchange,
        prefetch=4,
        store=store,
        backoff=Backoff(first=0.02, limit=0.1),
    )
    async with consumer:
        (handled.parent / f"{handled.name}.ready").touch()
        await stop.wait()
    await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])))
