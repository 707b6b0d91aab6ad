"""Two consumer processes on one queue (a consumer group) with the shared Redis store."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from aio_pika.abc import AbstractQueue

from tests.events.conftest import Broker, created_event, until
from tests.infra import ROOT


@contextmanager
def consumer_process(broker: Broker, redis_url: str, handled: Path) -> Iterator[subprocess.Popen[bytes]]:
    command = [
        sys.executable,
        "-m",
        "tests.events.consumer_process",
        broker.url,
        broker.name,
        redis_url,
        str(handled),
    ]
    process = subprocess.Popen(command, cwd=ROOT)
    try:
        yield process
    finally:
        process.terminate()
        process.wait(timeout=15)


async def test_two_processes_on_one_queue_handle_every_event_once_between_them(
    broker: Broker, store_redis_url: str, tmp_path: Path
) -> None:
    events = [created_event(user_id) for user_id in range(1, 41)]
    files = [tmp_path / "first", tmp_path / "second"]
    with ExitStack() as stack:
        for handled in files:
            stack.enter_context(consumer_process(broker, store_redis_url, handled))
        await until(
            lambda: all((f.parent / f"{f.name}.ready").exists() for f in files),
            within=30,
            what="both consumers up",
        )
        for event in events:
            await broker.publish(event)
        for event in events[::4]:  # a copy of every fourth: what a relay cut republishes
            await broker.publish(event)

        def handled_ids() -> list[str]:
            return [line for f in files if f.exists() for line in f.read_text().split()]

        await until(lambda: len(set(handled_ids())) == len(events), within=20, what="every event handled")
        # Time for any copy still in flight to be handled (which would be a failure).
        queue = await (await broker.connection.channel()).get_queue(f"{broker.name}.audit")
        await until(lambda: _empty(queue), within=10, what="the queue drained")
    counts = Counter(handled_ids())
    assert set(counts) == {str(e.event_id) for e in events}
    assert max(counts.values()) == 1, [i for i, n in counts.items() if n > 1]
    assert all(f.exists() and f.read_text() for f in files), "one process took no share of the work"


async def _empty(queue: AbstractQueue) -> bool:
    declared = await queue.declare()
    return bool(declared.message_count == 0)
