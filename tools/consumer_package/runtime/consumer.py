"""A consumer of one contract queue: several processes on one queue share its events.

Each delivery runs in a task of its own (aio-pika's), at most `prefetch` at a time:

1. An `event-version` header this package does not know, or a payload the contract does
   not describe, is rejected without requeueing: the queue dead-letters it.
2. The event is claimed in the idempotency store by queue and `message_id`; a copy already
   handled is acknowledged and dropped, a copy being handled now is waited for.
3. The handler runs. When it returns, the event is marked done, then acknowledged. When
   it raises, the claim is released and, after a back-off, the message is returned to the
   queue, which counts the delivery and dead-letters the message past its delivery limit.

The connection is aio-pika's robust one: after a broker restart or a network cut it
reconnects, declares again and consumes again; what was unacknowledged is redelivered, and
the store drops the copies of what was handled already.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import aio_pika
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue, AbstractRobustConnection
from aio_pika.exceptions import AMQPError, ChannelInvalidStateError
from pydantic import ValidationError

from .backoff import Backoff
from .contract import EVENT_VERSIONS, EXCHANGE, QUEUES
from .errors import NotStartedError, UnknownQueueError
from .idempotency import Claim, IdempotencyStore, MemoryIdempotencyStore
from .models import UserCreatedEvent, UserDeletedEvent, UserEvent, UserUpdatedEvent
from .topology import QueueSpec, declare_topology

log = logging.getLogger(__name__)

AnyUserEvent = UserCreatedEvent | UserUpdatedEvent | UserDeletedEvent
Handler = Callable[[AnyUserEvent], Awaitable[None]]


@dataclass(slots=True)
class ConsumerStats:
    """What this consumer did, since it was made."""

    handled: int = 0  # handler succeeded, acknowledged
    failed: int = 0  # handler raised, returned to the queue after a back-off
    duplicates: int = 0  # already handled: acknowledged, handler not run
    rejected: int = 0  # unknown event-version or invalid payload: dead-lettered


class EventConsumer:
    """Consume `queue` (a constant of this package, e.g. `AUDIT`) with `handler`.

    `exchange` is the deployment's exchange (EVENTS_EXCHANGE on the publishing side): the
    queue consumed is the one the contract declares for it. `store` is where handled events
    are remembered: the in-process default suits one process; give every process of a group
    the same `RedisIdempotencyStore` so that they handle each event once between them.
    """

    def __init__(
        self,
        *,
        url: str,
        queue: QueueSpec,
        handler: Handler,
        exchange: str = EXCHANGE,
        prefetch: int = 16,
        store: IdempotencyStore | None = None,
        backoff: Backoff | None = None,
        busy_wait_seconds: float = 30.0,
    ) -> None:
        if queue not in QUEUES:
            raise UnknownQueueError(f"{queue.name} is not a queue of the events contract")
        self.queue_name = queue.name_for(exchange)
        self.stats = ConsumerStats()
        self._url = url
        self._queue = queue
        self._handler = handler
        self._exchange = exchange
        self._prefetch = prefetch
        self._store = store if store is not None else MemoryIdempotencyStore()
        self._backoff = backoff if backoff is not None else Backoff()
        self._busy_wait = busy_wait_seconds
        self._connection: AbstractRobustConnection | None = None
        self._queue_object: AbstractQueue | None = None
        self._consumer_tag: str | None = None
        self._inflight: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        """Connect, declare the contract's topology, and start consuming."""
        self._connection = await aio_pika.connect_robust(self._url, timeout=10)
        channel = await self._connection.channel()
        await channel.set_qos(prefetch_count=self._prefetch)
        await declare_topology(channel, exchange=self._exchange, queues=QUEUES)
        # The robust channel's own record of the queue (declared just now), whose consumer it
        # restores after a reconnect; get_queue() would give one it does not restore.
        queue = await channel.declare_queue(self.queue_name, passive=True)
        self._queue_object = queue
        self._consumer_tag = await queue.consume(self._on_message)
        log.info("consuming %s", self.queue_name)

    async def stop(self, *, grace: float = 10.0) -> None:
        """Stop taking deliveries, let the handlers running finish (up to `grace` seconds), close.
        What was not acknowledged goes back to the queue."""
        if self._connection is None:
            return
        if self._queue_object is not None and self._consumer_tag is not None:
            # When the connection is down, the broker has cancelled the consumer already.
            with contextlib.suppress(AMQPError, ChannelInvalidStateError, ConnectionError):
                await self._queue_object.cancel(self._consumer_tag)
        if self._inflight:
            await asyncio.wait(self._inflight, timeout=grace)
        await self._connection.close()
        self._connection = self._queue_object = self._consumer_tag = None

    async def run(self) -> None:
        """Consume until cancelled."""
        await self.start()
        try:
            await asyncio.Event().wait()
        finally:
            await self.stop()

    @property
    def connected(self) -> bool:
        if self._connection is None:
            raise NotStartedError("start() the consumer first")
        return self._connection.connected.is_set()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.stop()

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            await self._deliver(message)
        except (AMQPError, ChannelInvalidStateError, ConnectionError) as error:
            # The channel died under the handler: the broker redelivers the message after
            # the reconnect, and the store drops it if it was handled.
            log.warning("could not settle %s: %r", message.message_id, error)
        finally:
            if task is not None:
                self._inflight.discard(task)

    async def _deliver(self, message: AbstractIncomingMessage) -> None:
        event = self._parse(message)
        if event is None:
            self.stats.rejected += 1
            await message.reject(requeue=False)
            return
        key = f"{self.queue_name}:{message.message_id or event.event_id}"
        while (claim := await self._store.claim(key)) is Claim.BUSY:
            await self._store.wait(key, within=self._busy_wait)
        if claim is Claim.DONE:
            self.stats.duplicates += 1
            await message.ack()
            return
        try:
            await self._handler(event)
        except Exception:
            await self._store.release(key)
            self.stats.failed += 1
            attempt = _delivery_count(message)
            delay = self._backoff.delay(attempt)
            log.exception("handler failed for %s (attempt %d), again in %.2fs", key, attempt + 1, delay)
            await asyncio.sleep(delay)
            await message.nack(requeue=True)
            return
        except BaseException:
            # Cancelled (the consumer stops): the broker redelivers it, to be claimed again.
            await self._store.release(key)
            raise
        await self._store.done(key)
        self.stats.handled += 1
        await message.ack()

    def _parse(self, message: AbstractIncomingMessage) -> AnyUserEvent | None:
        version = (message.headers or {}).get("event-version")
        if version not in EVENT_VERSIONS:
            log.error(
                "%s has event-version %r, which this consumer does not know", message.message_id, version
            )
            return None
        try:
            return UserEvent.model_validate_json(message.body).root
        except ValidationError as error:
            log.error("%s is not an event of the contract: %s", message.message_id, error)
            return None


def _delivery_count(message: AbstractIncomingMessage) -> int:
    """How often the queue has delivered this message before (its x-delivery-count)."""
    count = (message.headers or {}).get("x-delivery-count", 0)
    return count if isinstance(count, int) else 0
