"""Throwaway exchanges on the machine's RabbitMQ: each test run publishes to one of its own.

The business service declares the events contract's queues (`<exchange>.audit` and its dead
letters) on every exchange it publishes to, and they are durable: what declares a throwaway
exchange deletes them with it, or they would collect on the broker run after run.
"""

from __future__ import annotations

import contextlib
import uuid

import aio_pika
from aio_pika.exceptions import AMQPError
from user_events_consumer import contract, delete_topology

from tests import infra


def throwaway_exchange(prefix: str) -> str:
    return f"{prefix}.{uuid.uuid4().hex[:12]}"


async def delete_events_topology(rabbitmq_url: str, exchange: str) -> None:
    """Delete `exchange` and the contract's queues for it, if the broker answers."""
    if not infra.tcp_open(rabbitmq_url, 5672):
        return
    with contextlib.suppress(AMQPError, OSError, TimeoutError):
        connection = await aio_pika.connect(rabbitmq_url, timeout=5)
        try:
            await delete_topology(await connection.channel(), exchange=exchange, queues=contract.QUEUES)
        finally:
            await connection.close()
