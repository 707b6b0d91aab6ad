"""The outbox relay: claim pending events from the data service, publish, then acknowledge.

An event is acknowledged only after the broker confirmed it, so a crash or a broker outage
leaves it pending (delivery is at least once; consumers drop duplicates by message_id).
"""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import time
from datetime import UTC, datetime
from uuid import UUID

import structlog
from contract_models.events import UserEvent
from data_api_client.models import OutboxEvent, OutboxEventTraceContextType0
from pydantic import ValidationError

from business_service.gateway import DataGateway
from business_service.metrics import RELAY_LAG, RELAY_PUBLISHED, RELAY_RETURNED
from business_service.publisher import EventPublisher, EventUnroutableError
from service_kit.errors import DomainError
from service_kit.tracing import resumed, unsampled

log = structlog.get_logger(__name__)


def _trace_context(event: OutboxEvent) -> dict[str, str] | None:
    context = event.trace_context
    return context.additional_properties if isinstance(context, OutboxEventTraceContextType0) else None


def make_relay_id() -> str:
    host = "".join(c if c.isalnum() or c in "._-" else "-" for c in socket.gethostname())[:60]
    return f"{host}-{os.getpid()}-{secrets.token_hex(4)}"


class OutboxRelay:
    def __init__(
        self,
        *,
        gateway: DataGateway,
        publisher: EventPublisher,
        batch_size: int = 100,
        lease_seconds: int = 30,
        interval_seconds: float = 1.0,
        relay_id: str | None = None,
    ) -> None:
        self.gateway = gateway
        self.publisher = publisher
        self.batch_size = batch_size
        self.lease_seconds = lease_seconds
        self.interval_seconds = interval_seconds
        self.relay_id = relay_id or make_relay_id()
        self._lock = asyncio.Lock()
        # Events of a failed pass, still leased to this relay: published first on the next pass.
        self._held: list[OutboxEvent] = []
        self._held_until = 0.0

    async def _next_batch(self) -> list[OutboxEvent]:
        if self._held and time.monotonic() < self._held_until:
            return self._held
        claimed_at = time.monotonic()
        with unsampled():  # a poll every second is not a trace worth keeping
            batch = await self.gateway.claim_outbox(
                relay_id=self.relay_id, limit=self.batch_size, lease_seconds=self.lease_seconds
            )
        # Retried by this relay only while its lease surely holds; after that they are
        # claimed again like any pending event (by this relay or another).
        self._held_until = claimed_at + self.lease_seconds / 2
        return list(batch.events)

    async def run_once(self) -> int:
        """One pass: claim a batch, publish each event in order, acknowledge the confirmed ones.

        When a publish fails, the rest of the batch stays leased to this relay and is
        published first on the next pass, instead of waiting for the lease to expire.
        """
        async with self._lock:
            await self.publisher.connect()  # no lease on events that could not be published
            events = await self._next_batch()
            self._held = []
            confirmed: list[UUID] = []
            blocked_users: set[int] = set()
            try:
                for position, event in enumerate(events):
                    if event.user_id in blocked_users:
                        continue  # keep each user's events in order behind a bad one
                    try:
                        payload = UserEvent.model_validate(event.payload.to_dict())
                    except ValidationError:
                        log.error(
                            "outbox event does not match the events contract", event_id=str(event.event_id)
                        )
                        blocked_users.add(event.user_id)
                        continue
                    try:
                        # In the trace of the request that caused the event: its publish
                        # span (aio-pika's instrumentation) is a child of the data service's
                        # span that wrote it, and the message's headers carry that trace.
                        with resumed(_trace_context(event)):
                            await self.publisher.publish(payload)
                    except Exception as error:
                        if isinstance(error, EventUnroutableError):
                            RELAY_RETURNED.inc()
                        self._held = [e for e in events[position:] if e.user_id not in blocked_users]
                        raise
                    confirmed.append(event.event_id)
                    RELAY_PUBLISHED.inc()
                    RELAY_LAG.observe((datetime.now(UTC) - event.occurred_at).total_seconds())
            finally:
                if confirmed:
                    with unsampled():
                        await self.gateway.acknowledge_outbox(relay_id=self.relay_id, event_ids=confirmed)
            if confirmed:
                log.info("events published", count=len(confirmed))
            return len(confirmed)

    async def run_until_drained(self, *, max_passes: int = 50) -> int:
        """Passes until one publishes nothing (for tests and shutdown)."""
        total = 0
        for _ in range(max_passes):
            published = await self.run_once()
            total += published
            if published == 0:
                break
        return total

    async def run_forever(self) -> None:
        backoff = self.interval_seconds
        while True:
            try:
                published = await self.run_once()
            except asyncio.CancelledError:
                raise
            except DomainError as exc:
                log.warning("relay pass failed: data service", error=exc.detail)
                published = -1
            except EventUnroutableError as exc:  # no queue took it: it stays pending
                log.error("relay pass failed: event returned by the broker", error=str(exc))
                published = -1
            except Exception as exc:  # broker down, timeouts: events stay pending
                log.warning("relay pass failed: broker", error=f"{type(exc).__name__}: {exc}")
                published = -1
            if published < 0:
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 30.0)
                continue
            backoff = self.interval_seconds
            if published < self.batch_size:
                await asyncio.sleep(self.interval_seconds)
