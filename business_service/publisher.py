"""Publishing user events to RabbitMQ with publisher confirms (aio-pika, robust connection)."""

from __future__ import annotations

import aio_pika
import aiormq
import orjson
import structlog
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection, AbstractRobustExchange
from contract_models.events import UserEvent
from opentelemetry import propagate

log = structlog.get_logger(__name__)
EVENT_VERSION = 1


class UnroutableMessage(Exception):
    """The broker returned a mandatory message: no queue takes it."""


class EventPublisher:
    """One robust connection and one confirming channel, opened lazily and reused."""

    def __init__(self, *, url: str, exchange: str) -> None:
        self._url = url
        self._exchange_name = exchange
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractRobustChannel | None = None
        self._exchange: AbstractRobustExchange | None = None

    @property
    def connected(self) -> bool:
        """Whether the broker connection is up now (a robust connection that lost its socket
        is not closed, it is reconnecting in the background)."""
        return self._connection is not None and self._connection.connected.is_set()

    async def connect(self) -> AbstractRobustExchange:
        """The exchange, once connected; raises at once while the connection is down."""
        if self._connection is not None and not self.connected:
            raise ConnectionError("the broker connection is down and reconnecting")
        if self._exchange is not None:
            return self._exchange
        if self._connection is None:
            self._connection = await aio_pika.connect_robust(self._url, timeout=5)
            log.info("connected to the broker")
        self._channel = await self._connection.channel(publisher_confirms=True)
        assert self._channel is not None
        self._exchange = await self._channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        assert self._exchange is not None
        return self._exchange

    async def publish(self, event: UserEvent) -> None:
        """Publish one event; returns once the broker confirmed it (raises otherwise)."""
        exchange = await self.connect()
        body = event.root
        # The trace context of the block (the relay resumes the one stored with the event):
        # consumers link to the request that caused the event, even when this service does
        # not trace. With tracing on, aio-pika's instrumentation puts its publish span's here.
        trace_headers: dict[str, str] = {}
        propagate.inject(trace_headers)
        message = aio_pika.Message(
            body=orjson.dumps(body.model_dump(mode="json", exclude_unset=True)),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(body.event_id),
            correlation_id=body.request_id if isinstance(body.request_id, str) else None,
            headers={"event-version": EVENT_VERSION, "event-type": body.event_type, **trace_headers},
        )
        await exchange.publish(message, routing_key=body.event_type, mandatory=False, timeout=10)

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
        and a copy the broker cannot route (the queue is gone) raises `UnroutableMessage`.
        The message is the original one (same `message_id`, consumers drop the copy they
        have) with the header `replayed: true`.
        """
        await self.connect()
        assert self._channel is not None
        body = event.root
        headers: dict[str, str | int | bool] = {}
        propagate.inject(headers)  # the replay request's trace
        message = aio_pika.Message(
            body=orjson.dumps(body.model_dump(mode="json", exclude_unset=True)),
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=str(body.event_id),
            correlation_id=body.request_id if isinstance(body.request_id, str) else None,
            headers={
                **headers,
                "event-version": EVENT_VERSION,
                "event-type": body.event_type,
                "replayed": True,
            },
        )
        unroutable = UnroutableMessage(f"the broker could not route the message to the queue {queue!r}")
        try:
            confirmation = await self._channel.default_exchange.publish(
                message, routing_key=queue, mandatory=True, timeout=10
            )
        except aiormq.exceptions.PublishError as exc:  # a channel opened with on_return_raises
            raise unroutable from exc
        # With mandatory, the broker hands an unroutable message back (Basic.Return), which
        # aio-pika gives instead of the Basic.Ack on a channel without on_return_raises.
        if not isinstance(confirmation, aiormq.spec.Basic.Ack):
            raise unroutable

    async def aclose(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._exchange = None
