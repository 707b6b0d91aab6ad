"""The data service's own metrics: the outbox backlog, read from PostgreSQL at each scrape."""

from __future__ import annotations

import math

from prometheus_client import Gauge

from data_service import outbox_repository
from data_service.db import Database
from service_kit.errors import ServiceUnavailable

# Whichever worker answered the scrape read the backlog last: with several workers
# (multiprocess mode), its value is the one to report, not one series per process.
OUTBOX_PENDING = Gauge(
    "outbox_pending_events",
    "User events written but not yet acknowledged by a relay.",
    multiprocess_mode="livemostrecent",
)
OUTBOX_OLDEST_AGE = Gauge(
    "outbox_oldest_pending_age_seconds",
    "Age of the oldest unacknowledged event: how far the relay lags (0 when none is pending).",
    multiprocess_mode="livemostrecent",
)


async def refresh_outbox_gauges(database: Database) -> None:
    """Read the backlog; while the database is away the gauges say NaN (unknown), not 0."""
    try:
        async with database.transaction() as session:
            backlog = await outbox_repository.backlog(session=session)
    except ServiceUnavailable:
        OUTBOX_PENDING.set(math.nan)
        OUTBOX_OLDEST_AGE.set(math.nan)
        return
    OUTBOX_PENDING.set(backlog.pending)
    OUTBOX_OLDEST_AGE.set(backlog.oldest_age_seconds)
