"""How long a consumer waits before it hands a failed event back to the queue."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential back-off by attempt: `first`, `first * factor`, ... up to `limit` seconds.

    The consumer holds the failed message (one of its prefetch slots) for this long, then
    returns it to the queue; the queue counts the return, and dead-letters the message once
    it has been returned more often than its delivery limit.
    """

    first: float = 1.0
    factor: float = 2.0
    limit: float = 60.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the failed delivery `attempt` (0 for the first delivery)."""
        return float(min(self.limit, self.first * self.factor ** max(attempt, 0)))
