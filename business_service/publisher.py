"""Publishing user events to RabbitMQ with publisher confirms (aio-pika, robust connection).

Every event is published as a mandatory message, and the consumers' queues of the events
contract are declared on connecting: an event is confirmed only once the broker has routed
it into a queue. An event no queue takes (its queue was deleted since) is returned, which
raises EventUnroutableError, so the relay leaves it pending in the outbox; the next pass
declares the contract's queues again and publishes it into them.
"""

from __future__ import annotations

import aio_pika
import orjson
import structlog
from aio_pika.abc import AbstractExchange, AbstractRobustChannel, AbstractRobustConnection
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
        try:
            await exchange.publish(message, routing_key=body.event_type, mandatory=True, timeout=10)
        except PublishError as error:
            self._exchange = None  # declare the contract's queues again before the next publish
            raise EventUnroutableError(
                f"{body.event_type} {body.event_id}: returned by the broker ({error})"
            ) from error

    async def aclose(self) -> None:
        if self._connection is not None:
            await self._connection.close()
        self._connection = self._channel = self._exchange = None
