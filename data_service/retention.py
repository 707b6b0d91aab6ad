"""Retention: published outbox events older than EVENT_RETENTION_DAYS are deleted in batches.

Every data process prunes on its own timer; no leader is needed, because each batch takes
its rows with SKIP LOCKED (see `outbox_repository.prune_published`): processes pruning at
once delete disjoint rows, and the loser of a race finds nothing and sleeps.
"""

from __future__ import annotations

import asyncio

import structlog

from data_service import outbox
from data_service.db import Database

log = structlog.get_logger(__name__)


class OutboxPruner:
    def __init__(
        self, *, database: Database, retention_days: int, batch_size: int, interval_seconds: float
    ) -> None:
        self._db = database
        self.retention_days = retention_days
        self.batch_size = batch_size
        self.interval_seconds = interval_seconds

    async def run_once(self, *, max_batches: int = 1000) -> int:
        """Batches, each its own short transaction, until one comes back short. Returns the
        number deleted. `max_batches` bounds one pass, so a huge backlog cannot hold it forever."""
        total = 0
        for _ in range(max_batches):
            async with self._db.transaction() as session:
                deleted = await outbox.prune(
                    session=session, retention_days=self.retention_days, batch_size=self.batch_size
                )
            total += deleted
            if deleted < self.batch_size:
                break
        if total:
            log.info("published events pruned", count=total, retention_days=self.retention_days)
        return total

    async def run_forever(self) -> None:
        while True:
            try:
                await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database away: try again on the next pass
                log.warning("pruning pass failed", error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(self.interval_seconds)
