"""The outbox operations the business service calls: the relay's, and reading the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contract_models.data import (
    OutboxAck,
    OutboxAckResult,
    OutboxBatch,
    OutboxClaim,
    OutboxEvent,
    OutboxHistoryPage,
    OutboxHistoryQuery,
    OutboxStats,
)
from pydantic import MISSING
from sqlalchemy.ext.asyncio import AsyncSession

from data_service import outbox_repository
from data_service.models import OutboxRow
from service_kit.errors import Gone, NotFound


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


def retention_horizon(*, retention_days: int, now: datetime | None = None) -> datetime:
    """Events that occurred before this time are pruned, or may be at any moment."""
    return (now or datetime.now(UTC)) - timedelta(days=retention_days)


def _utc(value: datetime) -> datetime:
    """`value` in UTC; a time too far out to have a UTC form (year 1 at +05:00) becomes the
    earliest or latest one, which compares the same way with any stored event."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        return datetime.min.replace(tzinfo=UTC) if value.year == 1 else datetime.max.replace(tzinfo=UTC)


async def history(
    *, session: AsyncSession, query: OutboxHistoryQuery, retention_days: int
) -> OutboxHistoryPage:
    """One page of the published history; refuses a range that reaches before retention."""
    horizon = retention_horizon(retention_days=retention_days)
    since = None if query.since is MISSING else _utc(query.since)
    until = None if query.until is MISSING else _utc(query.until)
    # A range reaching before the horizon would be silently cut short by pruning: refused
    # instead, so that the caller knows what it asked for no longer exists.
    if (since is not None and since < horizon) or (until is not None and until <= horizon):
        raise Gone(
            f"Published events that occurred before {horizon.isoformat()} are pruned "
            f"(EVENT_RETENTION_DAYS={retention_days}); ask for a range from then on."
        )
    after_sequence = None
    if query.after_event_id is not MISSING:
        after_sequence = await outbox_repository.event_sequence(
            session=session, event_id=query.after_event_id
        )
        if after_sequence is None:
            raise NotFound(
                f"No stored event {query.after_event_id}: it never existed, or it occurred before "
                f"{horizon.isoformat()} and was pruned."
            )
    # One row more than asked tells whether another page follows, without a count.
    rows = await outbox_repository.published_events(
        session=session,
        after_sequence=after_sequence,
        since=since or horizon,
        until=until,
        user_id=None if query.user_id is MISSING else query.user_id,
        limit=query.limit + 1,
    )
    return OutboxHistoryPage(
        events=[_event(row) for row in rows[: query.limit]],
        has_more=len(rows) > query.limit,
        retention_horizon=horizon,
    )


async def prune(*, session: AsyncSession, retention_days: int, batch_size: int) -> int:
    """One batch of pruning: published events older than the horizon. Returns how many."""
    return await outbox_repository.prune_published(
        session=session, occurred_before=retention_horizon(retention_days=retention_days), limit=batch_size
    )
