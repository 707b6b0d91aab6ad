"""The outbox operations the business service's relay calls."""

from __future__ import annotations

from contract_models.data import (
    OutboxAck,
    OutboxAckResult,
    OutboxBatch,
    OutboxClaim,
    OutboxEvent,
    OutboxStats,
)
from sqlalchemy.ext.asyncio import AsyncSession

from data_service import outbox_repository
from data_service.models import OutboxRow


def _event(row: OutboxRow) -> OutboxEvent:
    return OutboxEvent(
        event_id=row.event_id,
        sequence=row.sequence,
        event_type=row.event_type,  # the table's CHECK keeps it to the enum
        user_id=row.user_id,
        request_id=row.request_id,
        trace_context=row.trace_context,
        occurred_at=row.occurred_at,
        payload=row.payload,
    )


async def claim(*, session: AsyncSession, data: OutboxClaim) -> OutboxBatch:
    rows = await outbox_repository.claim_events(
        session=session, relay_id=data.relay_id, limit=data.limit, lease_seconds=data.lease_seconds
    )
    return OutboxBatch(events=[_event(row) for row in rows])


async def acknowledge(*, session: AsyncSession, data: OutboxAck) -> OutboxAckResult:
    count = await outbox_repository.acknowledge_events(
        session=session, relay_id=data.relay_id, event_ids=data.event_ids
    )
    return OutboxAckResult(acknowledged=count)


async def stats(*, session: AsyncSession) -> OutboxStats:
    backlog = await outbox_repository.backlog(session=session)
    return OutboxStats(pending=backlog.pending, oldest_pending_age_seconds=backlog.oldest_age_seconds)
