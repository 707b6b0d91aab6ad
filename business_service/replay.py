"""Replaying published events to one consumer's queue (an admin's `POST /events/replay`).

Synchronous and bounded: one call reads one page of the data service's published history
(keyset, at most `limit` events) and publishes it, one confirmed message after the other, so
an answer never waits on more than `limit` confirms and each user's order holds. The caller
continues with `after_event_id` = `last_event_id` while `has_more`. A job with its own state
would survive the caller going away, but it would need storage, status polling and
cancellation; a page per call needs none of that and a failed call is simply repeated
(the copies keep their `message_id`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiormq
import structlog
from contract_models.business import ReplayRequest, ReplayResult, UserPublic
from contract_models.events import UserEvent
from pydantic import MISSING, ValidationError

from business_service.gateway import DataGateway
from business_service.publisher import EventPublisher, EventUnroutableError
from service_kit.errors import NotFound, ServiceUnavailable

log = structlog.get_logger(__name__)

# What a publisher call raises while the broker is away or refuses the connection.
_BROKER_DOWN: tuple[type[BaseException], ...] = (
    ConnectionError,
    OSError,
    TimeoutError,
    aiormq.exceptions.AMQPError,
)


@asynccontextmanager
async def _broker_errors_as_503() -> AsyncIterator[None]:
    try:
        yield
    except _BROKER_DOWN as exc:
        log.warning("replay: broker unavailable", error=f"{type(exc).__name__}: {exc}")
        raise ServiceUnavailable("The message broker does not answer; try again later.") from exc


def _no_queue(queue: str) -> NotFound:
    return NotFound(f"The broker has no queue named {queue!r}; its consumer declares it before a replay.")


async def replay(
    *, gateway: DataGateway, publisher: EventPublisher | None, request: ReplayRequest, admin: UserPublic
) -> ReplayResult:
    """Publish one page of the published history to `request.queue`; see the module's doc."""
    if publisher is None:
        raise ServiceUnavailable(
            "No message broker is configured (RABBITMQ_URL), so there is no queue to replay to."
        )
    # Before reading anything: a mistyped queue name is the likeliest mistake, and must not
    # look like an empty range.
    async with _broker_errors_as_503():
        if not await publisher.queue_exists(request.queue):
            raise _no_queue(request.queue)
    page = await gateway.read_outbox_history(
        after_event_id=None if request.after_event_id is MISSING else request.after_event_id,
        since=None if request.since is MISSING else request.since,
        until=None if request.until is MISSING else request.until,
        user_id=None if request.user_id is MISSING else request.user_id,
        limit=request.limit,
    )
    replayed = 0
    async with _broker_errors_as_503():
        for event in page.events:
            try:
                payload = UserEvent.model_validate(event.payload.to_dict())
            except ValidationError:
                # It was published once, so it matched the events contract then; the relay
                # logs the same way. Skipped, not fatal: the rest of the history still replays.
                log.error(
                    "replay: stored event does not match the events contract", event_id=str(event.event_id)
                )
                continue
            try:
                await publisher.publish_to_queue(payload, queue=request.queue)
            except EventUnroutableError as exc:
                raise _no_queue(request.queue) from exc  # deleted while replaying
            replayed += 1
    last = page.events[-1].event_id if page.events else None
    log.info(
        "events replayed", queue=request.queue, count=replayed, has_more=page.has_more, admin_id=admin.id
    )
    return ReplayResult(
        replayed=replayed,
        last_event_id=last,
        has_more=page.has_more,
        retention_horizon=page.retention_horizon,
    )
