"""`outbox`: the relay's claim, acknowledgement and backlog, and the published history,
over `data_service.outbox`."""

from __future__ import annotations

from contract_models.data import (
    OutboxAck,
    OutboxAckResult,
    OutboxBatch,
    OutboxClaim,
    OutboxHistoryPage,
    OutboxHistoryQuery,
    OutboxStats,
)
from contract_servers.data import OutboxApi
from typing_extensions import override

from data_service import outbox
from data_service.db import Database


class OutboxHandlers(OutboxApi):
    def __init__(self, database: Database, *, retention_days: int) -> None:
        self._db = database
        self._retention_days = retention_days

    @override
    async def claim_outbox_events(self, *, body: OutboxClaim) -> OutboxBatch:
        async with self._db.transaction() as session:
            return await outbox.claim(session=session, data=body)

    @override
    async def acknowledge_outbox_events(self, *, body: OutboxAck) -> OutboxAckResult:
        async with self._db.transaction() as session:
            return await outbox.acknowledge(session=session, data=body)

    @override
    async def get_outbox_stats(self) -> OutboxStats:
        async with self._db.transaction() as session:
            return await outbox.stats(session=session)

    @override
    async def read_outbox_history(self, *, body: OutboxHistoryQuery) -> OutboxHistoryPage:
        async with self._db.transaction() as session:
            return await outbox.history(session=session, query=body, retention_days=self._retention_days)
