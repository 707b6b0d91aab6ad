"""Publishing user events to RabbitMQ with publisher confirms (aio-pika, robust connection)."""

from __future__ import annotations

import aio_pika
import orjson
import structlog
from aio_pika.abc import AbstractRobustChannel, AbstractRobustConnection, AbstractRobustExchange
from contract_models.events import UserEvent
from opentelemetry import propagate

log = structlog.get_logger(__name__)
EVENT_VERSION = 1


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

    async def aclose(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._exchange = None
