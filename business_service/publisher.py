"""Publishing user events to RabbitMQ with publisher confirms (aio-pika, robust connection).

Every event is published as a mandatory message, and the consumers' queues of the events
contract are declared on connecting: an event is confirmed only once the broker has routed
it into a queue. An event no queue takes (its queue was deleted since) is returned, which
raises EventUnroutableError, so the relay leaves it pending in the outbox; the next pass
declares the contract's queues again and publishes it into them.
"""

from __future__ import annotations

import aio_pika
import aiormq
import orjson
import structlog
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection, FieldValue
from aio_pika.exceptions import PublishError
from contract_models.events import UserEvent
from opentelemetry import propagate
from user_events_consumer import contract, declare_topology

log = structlog.get_logger(__name__)
EVENT_VERSION = 1


class EventUnroutableError(Exception):
    """The broker returned the event: no queue is bound for its routing key."""


class EventPublisher:
    """One robust connection and one confirming channel, opened lazily and reused."""

    def __init__(self, *, url: str, exchange: str) -> None:
        self._url = url
        self._exchange_name = exchange
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractExchange | None = None

    @property
    def connected(self) -> bool:
        """Whether the broker connection is up now (a robust connection that lost its socket
        is not closed, it is reconnecting in the background)."""
        return self._connection is not None and self._connection.connected.is_set()

    async def connect(self) -> AbstractExchange:
        """The exchange, once connected; raises at once while the connection is down."""
        if self._connection is not None and not self.connected:
            raise ConnectionError("the broker connection is down and reconnecting")
        if self._exchange is not None:
            return self._exchange
        if self._connection is None:
            self._connection = await aio_pika.connect_robust(self._url, timeout=5)
            log.info("connected to the broker")
        if self._channel is None:
            # A returned message raises (aio-pika's PublishError) instead of being confirmed.
            self._channel = await self._connection.channel(publisher_confirms=True, on_return_raises=True)
        assert self._channel is not None
        # The queues too, not only the exchange: events published before any consumer ever
        # ran wait in them. The robust channel declares them again after a reconnect.
        self._exchange = await declare_topology(
            self._channel, exchange=self._exchange_name, queues=contract.QUEUES
        )
        return self._exchange

    async def publish(self, event: UserEvent) -> None:
        """Publish one event; returns once the broker confirmed it (raises otherwise)."""
        exchange = await self.connect()
        body = event.root
        try:
            await exchange.publish(_message(event), routing_key=body.event_type, mandatory=True, timeout=10)
        except PublishError as error:
            self._exchange = None  # declare the contract's queues again before the next publish
            raise EventUnroutableError(
                f"{body.event_type} {body.event_id}: returned by the broker ({error})"
            ) from error

    async def queue_exists(self, name: str) -> bool:
        """Whether the broker has a queue called `name` (a passive declare).

        On a channel of its own: the broker closes the channel that asks about a missing
        queue, and that must not be the confirming channel every publish shares.
        """
        await self.connect()
        assert self._connection is not None
        async with self._connection.channel(publisher_confirms=False) as channel:
            try:
                await channel.declare_queue(name, passive=True)
            except aiormq.exceptions.ChannelNotFoundEntity:
                return False
            except aiormq.exceptions.ChannelLockedResource:
                return True  # an exclusive queue of another connection: it exists
        return True

    async def publish_to_queue(self, event: UserEvent, *, queue: str) -> None:
        """Publish one event again, as a replay, to the one queue `queue` and no other.

        Through the default exchange (the routing key is the queue's name), so no queue bound
        to the events exchange sees the copy; mandatory and confirmed like every publish,
        and a copy the broker cannot route (the queue is gone) raises `EventUnroutableError`.
        The message is the original one (same `message_id`, consumers drop the copy they
        have) with the header `replayed: true`.
        """
        await self.connect()
        assert self._channel is not None
        try:
            await self._channel.default_exchange.publish(
                _message(event, replayed=True), routing_key=queue, mandatory=True, timeout=10
            )
        except PublishError as error:
            raise EventUnroutableError(
                f"the broker could not route the message to the queue {queue!r}"
            ) from error

    async def aclose(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._exchange = None


def _message(event: UserEvent, *, replayed: bool = False) -> aio_pika.Message:
    body = event.root
    # The trace context of the block (the relay resumes the one stored with the event, a
    # replay runs in its request's): consumers link to it, even when this service does not
    # trace. With tracing on, aio-pika's instrumentation puts its publish span's here.
    trace: dict[str, str] = {}
    propagate.inject(trace)
    headers: dict[str, FieldValue] = {
        **trace,
        "event-version": EVENT_VERSION,
        "event-type": body.event_type,
    }
    if replayed:
        headers["replayed"] = True
    return aio_pika.Message(
        body=orjson.dumps(body.model_dump(mode="json", exclude_unset=True)),
        content_type="application/json",
        delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        message_id=str(body.event_id),
        correlation_id=body.request_id if isinstance(body.request_id, str) else None,
        headers=headers,
    )
