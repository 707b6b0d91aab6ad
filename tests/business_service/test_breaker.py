"""The circuit breaker's state machine, on a clock the test moves."""

from __future__ import annotations

from business_service.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _state(breaker: CircuitBreaker) -> str:
    # Read anew each time (mypy would otherwise keep the first comparison's narrowing).
    return breaker.state


def _breaker(clock: Clock) -> CircuitBreaker:
    return CircuitBreaker(failure_threshold=3, reset_seconds=5, name="test", clock=clock)


def test_opens_after_consecutive_failures_only() -> None:
    breaker = _breaker(Clock())
    for _ in range(2):
        breaker.failed()
    breaker.succeeded()  # a success in between starts the count again
    for _ in range(2):
        breaker.failed()
    assert _state(breaker) == "closed"
    assert breaker.allow()
    breaker.failed()
    assert _state(breaker) == "open"
    assert not breaker.allow()
    assert breaker.retry_after == 5


def test_half_opens_after_the_pause_for_one_trial_that_closes_or_reopens() -> None:
    clock = Clock()
    breaker = _breaker(clock)
    for _ in range(3):
        breaker.failed()
    clock.now += 5
    assert _state(breaker) == "half_open"
    assert breaker.allow()  # the trial
    assert not breaker.allow()  # everyone else, while it runs
    breaker.failed()
    assert _state(breaker) == "open"
    assert breaker.retry_after == 5
    clock.now += 5
    assert breaker.allow()
    breaker.succeeded()
    assert _state(breaker) == "closed"
    assert breaker.allow()
    assert breaker.allow()


def test_a_released_trial_lets_another_one_go() -> None:
    clock = Clock()
    breaker = _breaker(clock)
    for _ in range(3):
        breaker.failed()
    clock.now += 6
    assert breaker.allow()
    breaker.released()  # cancelled: says nothing of the data service
    assert _state(breaker) == "half_open"
    assert breaker.allow()
