"""A circuit breaker for the calls to the data service.

Closed: calls go through; `failure_threshold` consecutive failures (transport errors, 503s)
open it. Open: calls are refused at once, for `reset_seconds`. Half-open: one trial call
goes through while the others are still refused; its success closes the circuit, its
failure opens it again for another pause.

Written here rather than taken from circuitbreaker, pybreaker or purgatory (see the commit
that dropped circuitbreaker): the caller says what each call ended as (`succeeded`,
`failed`, or `released` for a call cancelled or refused for a reason that says nothing of
the data service's health), so a cancelled request neither closes nor opens the circuit.
It is synchronous and per process, and asyncio runs one task at a time, so no lock.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Literal

import structlog

from business_service.metrics import CIRCUIT_OPENED, CIRCUIT_STATE

log = structlog.get_logger(__name__)
State = Literal["closed", "open", "half_open"]
STATE_VALUES: dict[State, int] = {"closed": 0, "half_open": 1, "open": 2}


class CircuitBreaker:
    def __init__(
        self,
        *,
        failure_threshold: int,
        reset_seconds: float,
        name: str = "data_service",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._threshold = failure_threshold
        self._reset_seconds = reset_seconds
        self._name = name
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False

    @property
    def state(self) -> State:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at < self._reset_seconds:
            return "open"
        return "half_open"

    @property
    def retry_after(self) -> int:
        """Whole seconds until a trial call may go through (at least 1)."""
        if self._opened_at is None:
            return 1
        remaining = self._opened_at + self._reset_seconds - self._clock()
        return max(1, math.ceil(remaining))

    def allow(self) -> bool:
        """Whether a call may go now; in half-open, only the one trial call may."""
        state = self.state
        if state == "closed":
            return True
        if state == "half_open" and not self._trial_running:
            self._trial_running = True
            self.report()
            return True
        return False

    def succeeded(self) -> None:
        self._failures = 0
        if self._opened_at is None:
            # Closed already: the gauge says so. Setting it again on every call cost 2% of a
            # cache miss's CPU (py-spy, `tools.bench.cpu`).
            return
        log.info("data service answers again; circuit closed", circuit=self._name)
        self._opened_at = None
        self._trial_running = False
        self.report()

    def failed(self) -> None:
        self._trial_running = False
        if self._opened_at is not None:
            # A failed trial (or probe): open again for a whole pause.
            self._opened_at = self._clock()
            self.report()
            return
        self._failures += 1
        if self._failures >= self._threshold:
            self._opened_at = self._clock()
            CIRCUIT_OPENED.labels(self._name).inc()
            log.warning(
                "data service failing; circuit opened",
                circuit=self._name,
                failures=self._failures,
                pause_seconds=self._reset_seconds,
            )
            self.report()

    def released(self) -> None:
        """The call ended saying nothing of the data service (cancelled, say): a trial may run again."""
        self._trial_running = False

    def report(self) -> None:
        """Put the state in the metrics (also called at each scrape: open turns half-open with time)."""
        CIRCUIT_STATE.labels(self._name).set(STATE_VALUES[self.state])
