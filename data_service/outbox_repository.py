"""SQL for the outbox table. Functions only flush; the route's `db.transaction()` commits."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from data_service.models import OutboxRow


@dataclass(frozen=True, slots=True)
class Backlog:
    pending: int
    oldest_age_seconds: float


async def add_event(*, session: AsyncSession, event: OutboxRow) -> None:
    session.add(event)
    await session.flush()


async def claim_events(
    *, session: AsyncSession, relay_id: str, limit: int, lease_seconds: int
) -> Sequence[OutboxRow]:
    """Lease up to `limit` pending events to `relay_id`, oldest first, keeping each user's order.

    Rows are locked with SKIP LOCKED, so concurrent claims never take the same event. An
    event is handed out only if every earlier unpublished event of its user is in this
    batch too; an earlier event leased elsewhere, or locked by a concurrent claim, holds
    back the later ones.
    """
    earlier = aliased(OutboxRow)
    now = func.now()
    leased_before = (
        select(earlier.event_id)
        .where(
            earlier.user_id == OutboxRow.user_id,
            earlier.sequence < OutboxRow.sequence,
            earlier.published_at.is_(None),
            earlier.lease_expires_at > now,
        )
        .exists()
    )
    candidates = (
        select(OutboxRow)
        .where(
            OutboxRow.published_at.is_(None),
            (OutboxRow.lease_expires_at.is_(None)) | (OutboxRow.lease_expires_at <= now),
            ~leased_before,
        )
        .order_by(OutboxRow.sequence)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    rows = (await session.scalars(candidates)).all()
    if not rows:
        return []

    # Every unpublished event of these users up to the last candidate, locked or not.
    pending = await session.execute(
        select(OutboxRow.user_id, OutboxRow.sequence).where(
            OutboxRow.published_at.is_(None),
            OutboxRow.user_id.in_({row.user_id for row in rows}),
            OutboxRow.sequence <= rows[-1].sequence,
        )
    )
    pending_by_user: defaultdict[int, list[int]] = defaultdict(list)
    for user_id, sequence in pending:
        pending_by_user[user_id].append(sequence)
    chosen_sequences = {row.sequence for row in rows}
    chosen = [
        row
        for row in rows
        if all(s in chosen_sequences for s in pending_by_user[row.user_id] if s < row.sequence)
    ]
    if chosen:
        await session.execute(
            update(OutboxRow)
            .where(OutboxRow.event_id.in_([row.event_id for row in chosen]))
            .values(
                lease_owner=relay_id,
                lease_expires_at=now + func.make_interval(0, 0, 0, 0, 0, 0, lease_seconds),
            )
            .execution_options(synchronize_session=False)
        )
    return chosen


async def acknowledge_events(*, session: AsyncSession, relay_id: str, event_ids: Sequence[uuid.UUID]) -> int:
    """Mark the relay's leased events published; others are ignored. Returns how many."""
    result = await session.execute(
        update(OutboxRow)
        .where(
            and_(
                OutboxRow.event_id.in_(set(event_ids)),
                OutboxRow.lease_owner == relay_id,
                OutboxRow.published_at.is_(None),
            )
        )
        .values(published_at=func.now(), lease_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def backlog(*, session: AsyncSession) -> Backlog:
    statement = select(
        func.count(),
        func.coalesce(func.extract("epoch", func.now() - func.min(OutboxRow.occurred_at)), 0),
    ).where(OutboxRow.published_at.is_(None))
    pending, age = (await session.execute(statement)).one()
    return Backlog(pending=int(pending), oldest_age_seconds=max(0.0, float(age)))


async def event_sequence(*, session: AsyncSession, event_id: uuid.UUID) -> int | None:
    """The position of a stored event, or None when no such event is stored."""
    sequence = await session.scalar(select(OutboxRow.sequence).where(OutboxRow.event_id == event_id))
    return None if sequence is None else int(sequence)


async def published_events(
    *,
    session: AsyncSession,
    after_sequence: int | None,
    since: datetime,
    until: datetime | None,
    user_id: int | None,
    limit: int,
) -> Sequence[OutboxRow]:
    """Up to `limit` published events in publishing order, after `after_sequence` (keyset)."""
    statement = select(OutboxRow).where(OutboxRow.published_at.is_not(None), OutboxRow.occurred_at >= since)
    if after_sequence is not None:
        statement = statement.where(OutboxRow.sequence > after_sequence)
    if until is not None:
        statement = statement.where(OutboxRow.occurred_at < until)
    if user_id is not None:
        statement = statement.where(OutboxRow.user_id == user_id)
    return (await session.scalars(statement.order_by(OutboxRow.sequence).limit(limit))).all()


async def prune_published(*, session: AsyncSession, occurred_before: datetime, limit: int) -> int:
    """Delete up to `limit` published events that occurred before `occurred_before`.

    One small batch per call, so that each transaction holds few row locks for a short
    time. SKIP LOCKED: several data processes pruning at once take disjoint rows instead of
    waiting for each other, and a row a relay is acknowledging right now is left for the
    next batch. Pending events (published_at IS NULL) are never selected.
    """
    doomed = (
        select(OutboxRow.event_id)
        .where(OutboxRow.published_at.is_not(None), OutboxRow.occurred_at < occurred_before)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    result = await session.execute(
        delete(OutboxRow).where(OutboxRow.event_id.in_(doomed)).execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
